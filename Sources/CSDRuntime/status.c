/*
 * status.c — status names, message formatting, default options.
 */
#include <stdio.h>
#include <string.h>

#include "rt_internal.h"

const char *csdrt_status_name(csdrt_status s) {
  static const char *const names[] = {
      "OK",       "ARGUMENT", "NO_MEMORY", "LIMIT",   "TRUNCATED",  "MAGIC",   "VERSION",
      "CHECKSUM", "CONTAINER", "MANIFEST", "HARDWARE", "INDEX",     "RELOCATION", "TENSOR",
      "RECORD",   "FILL",     "SEGMENT",   "PARAMS",  "VERIFY",     "DEVICE",  "KERNEL",
      "INPUT",    "OUTPUT",   "HANDLE",    "ACCESS",  "CONFIG"};
  if (s < 0 || (size_t)s >= sizeof names / sizeof names[0]) return "?";
  return names[s];
}

csdrt_status rt_fail(char *err, size_t err_len, csdrt_status status, const char *fmt, ...) {
  if (err && err_len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
  }
  return status;
}

void rt_prefix(char *err, size_t err_len, const char *fmt, ...) {
  if (!err || !err_len) return;
  char prefix[256], rest[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  snprintf(rest, sizeof rest, "%s", err);
  snprintf(err, err_len, "%s: %s", prefix, rest);
}

void csdrt_default_options(csdrt_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  /* The Alkali bitstream: TVM's pynq configuration, stock HLS ISA. */
  o->hardware.LOG_INP_WIDTH = 3;
  o->hardware.LOG_WGT_WIDTH = 3;
  o->hardware.LOG_ACC_WIDTH = 5;
  o->hardware.LOG_BATCH = 0;
  o->hardware.LOG_BLOCK_IN = 4;
  o->hardware.LOG_BLOCK_OUT = 4;
  o->hardware.LOG_UOP_BUFF_SIZE = 15;
  o->hardware.LOG_INP_BUFF_SIZE = 15;
  o->hardware.LOG_WGT_BUFF_SIZE = 18;
  o->hardware.LOG_ACC_BUFF_SIZE = 17;
  o->hardware.profile = 0;
  o->fifo_depth = 1024;
  o->wait_cycles = 100000000u;
  o->max_device_bytes = 512ull << 20;
  o->max_host_bytes = 256ull << 20;
  o->max_cpu_ops = 1ull << 36;
}

const char *csdrt_describe_hardware(const VTAISAConfig *c, char *buf, size_t len) {
  if (!buf || !len) return buf;
  if (!c) {
    snprintf(buf, len, "(none)");
    return buf;
  }
  const char *profile = c->profile == 0 ? "stock" : c->profile == 1 ? "extended" : "unknown";
  /* Exponents, not products: a hostile manifest may hold any int32. */
  snprintf(buf, len,
           "LOG_BATCH %d, LOG_BLOCK %dx%d, LOG_BUFF uop %d inp %d wgt %d acc %d, "
           "LOG_WIDTH inp %d wgt %d acc %d, %s profile",
           c->LOG_BATCH, c->LOG_BLOCK_OUT, c->LOG_BLOCK_IN, c->LOG_UOP_BUFF_SIZE,
           c->LOG_INP_BUFF_SIZE, c->LOG_WGT_BUFF_SIZE, c->LOG_ACC_BUFF_SIZE, c->LOG_INP_WIDTH,
           c->LOG_WGT_WIDTH, c->LOG_ACC_WIDTH, profile);
  if (c->profile != 0 && c->profile != 1) {
    size_t n = strlen(buf);
    snprintf(buf + n, len - n, " %d", c->profile);
  }
  return buf;
}

const char *rt_safe_name(const char *s, char *buf, size_t len) {
  /* Manifest strings go into one-line messages: printable ASCII only, cut short. */
  size_t i = 0;
  if (!len) return "";
  for (; s && s[i] && i + 1 < len && i < 48; i++)
    buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
  buf[i] = 0;
  return buf;
}
