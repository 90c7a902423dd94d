/*
 * helpers.c — the eBPF helpers (csd_helpers.h, HELPERS.md) and the sessions that hold their
 * state: the board's helper signature has no context argument, so a helper finds its
 * session through a thread-local pointer, or falls back to one process-wide session.
 *
 * Handles are (generation << 8) | (slot + 1): never 0, and a closed handle stays invalid
 * after its slot is reused.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csd_helpers.h"
#include "rt_internal.h"

typedef struct {
  csdrt_bundle *bundle;
  uint32_t generation;
  const uint8_t *input; /* the buffer csd_open was given: the records follow the bundle */
  uint64_t available;
  csdrt_status last;
} slot;

struct csdrt_session {
  csdrt_options options;
  slot slots[CSDRT_SESSION_MAX_OPEN];
  uint32_t generation;
  csdrt_status open_status;
  csdrt_access_check check;
  void *check_ctx;
  csdrt_error_sink sink;
  void *sink_ctx;
  int to_stderr;
  csdrt_status first_status;
  char first_error[512];
};

static _Thread_local csdrt_session *tl_current;
static csdrt_session *g_default;
static pthread_once_t g_default_once = PTHREAD_ONCE_INIT;

static void make_default(void) {
  g_default = csdrt_session_create(NULL);
  if (g_default) g_default->to_stderr = 1;
}

static csdrt_session *current(void) {
  if (tl_current) return tl_current;
  pthread_once(&g_default_once, make_default);
  return g_default;
}

csdrt_session *csdrt_session_create(const csdrt_options *options) {
  csdrt_session *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  if (options)
    s->options = *options;
  else
    csdrt_default_options(&s->options);
  return s;
}

void csdrt_session_destroy(csdrt_session *s) {
  if (!s) return;
  for (int i = 0; i < CSDRT_SESSION_MAX_OPEN; i++) csdrt_bundle_close(s->slots[i].bundle);
  if (tl_current == s) tl_current = NULL;
  free(s);
}

csdrt_session *csdrt_session_enter(csdrt_session *s) {
  csdrt_session *previous = tl_current;
  tl_current = s;
  return previous;
}

void csdrt_session_set_access_check(csdrt_session *s, csdrt_access_check check, void *ctx) {
  if (s) s->check = check, s->check_ctx = ctx;
}

void csdrt_session_set_error_sink(csdrt_session *s, csdrt_error_sink sink, void *ctx) {
  if (s) s->sink = sink, s->sink_ctx = ctx;
}

const char *csdrt_session_first_error(const csdrt_session *s) { return s ? s->first_error : ""; }
csdrt_status csdrt_session_first_status(const csdrt_session *s) { return s ? s->first_status : 0; }

/* Every failure goes to the sink (or stderr) and the first one is kept for the host. */
static void report(csdrt_session *s, const char *helper, csdrt_status st, const char *msg) {
  if (!s) return;
  if (!s->first_status) {
    s->first_status = st;
    snprintf(s->first_error, sizeof s->first_error, "%s: %s", helper, msg);
  }
  if (s->sink)
    s->sink(s->sink_ctx, helper, st, msg);
  else if (s->to_stderr)
    fprintf(stderr, "csd runtime: %s: %s\n", helper, msg);
}

static int allowed(csdrt_session *s, const char *helper, const char *what, const void *p,
                   uint64_t len, int write) {
  if (!s->check) return 1; /* the drive: bounds checking is off, pointers are trusted */
  if (s->check(s->check_ctx, helper, what, p, len, write)) return 1;
  char msg[256];
  snprintf(msg, sizeof msg, "%s (%llu bytes at %p) is outside the program's buffers", what,
           (unsigned long long)len, p);
  report(s, helper, CSDRT_ERR_ACCESS, msg);
  return 0;
}

/* The slot of an open handle, or NULL (reported). */
static slot *lookup(csdrt_session *s, uint64_t h, const char *helper) {
  uint64_t index = (h & 0xFF) - 1, generation = h >> 8;
  if (s && (h & 0xFF) && index < CSDRT_SESSION_MAX_OPEN && s->slots[index].bundle &&
      s->slots[index].generation == generation)
    return &s->slots[index];
  char msg[96];
  snprintf(msg, sizeof msg, "handle 0x%llx is not open", (unsigned long long)h);
  report(s, helper, CSDRT_ERR_HANDLE, msg);
  return NULL;
}

static uint64_t h_open(uint64_t p, uint64_t len, uint64_t r3, uint64_t r4, uint64_t r5) {
  (void)r3, (void)r4, (void)r5;
  csdrt_session *s = current();
  if (!s) return 0;
  const void *input = (const void *)(uintptr_t)p;
  if (!allowed(s, "csd_open", "the input", input, len, 0)) {
    s->open_status = CSDRT_ERR_ACCESS;
    return 0;
  }
  int free_slot = -1;
  for (int i = 0; i < CSDRT_SESSION_MAX_OPEN && free_slot < 0; i++)
    if (!s->slots[i].bundle) free_slot = i;
  char err[512];
  if (free_slot < 0) {
    snprintf(err, sizeof err, "%d bundles are open already", CSDRT_SESSION_MAX_OPEN);
    s->open_status = CSDRT_ERR_LIMIT;
    report(s, "csd_open", CSDRT_ERR_LIMIT, err);
    return 0;
  }
  csdrt_bundle *b = NULL;
  csdrt_status st = csdrt_bundle_open_prefix(input, (size_t)len, &s->options, &b, err, sizeof err);
  s->open_status = st;
  if (st) {
    report(s, "csd_open", st, err);
    return 0;
  }
  uint32_t generation = ++s->generation & 0xFFFFFF;
  if (!generation) generation = s->generation = 1;
  s->slots[free_slot] = (slot){b, generation, input, len, CSDRT_OK};
  return (uint64_t)generation << 8 | (uint64_t)(free_slot + 1);
}

static uint64_t h_payload_size(uint64_t h, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5) {
  (void)r2, (void)r3, (void)r4, (void)r5;
  slot *sl = lookup(current(), h, "csd_payload_size");
  return sl ? csdrt_records_offset(csdrt_bundle_file_size(sl->bundle)) : 0;
}

static uint64_t h_record_count(uint64_t h, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5) {
  (void)r2, (void)r3, (void)r4, (void)r5;
  csdrt_session *s = current();
  slot *sl = lookup(s, h, "csd_record_count");
  if (!sl) return 0;
  char err[512];
  csdrt_status st;
  uint64_t n = csdrt_record_count(sl->bundle, sl->input, (size_t)sl->available, &st, err, sizeof err);
  if (st) {
    sl->last = st;
    report(s, "csd_record_count", st, err);
  }
  return n;
}

static uint64_t h_input_record_size(uint64_t h, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5) {
  (void)r2, (void)r3, (void)r4, (void)r5;
  slot *sl = lookup(current(), h, "csd_input_record_size");
  return sl ? csdrt_bundle_input_record_size(sl->bundle) : 0;
}

static uint64_t h_output_record_size(uint64_t h, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5) {
  (void)r2, (void)r3, (void)r4, (void)r5;
  slot *sl = lookup(current(), h, "csd_output_record_size");
  return sl ? csdrt_bundle_output_record_size(sl->bundle) : 0;
}

static uint64_t h_infer(uint64_t h, uint64_t in, uint64_t out, uint64_t r4, uint64_t r5) {
  (void)r4, (void)r5;
  csdrt_session *s = current();
  slot *sl = lookup(s, h, "csd_infer");
  if (!sl) return CSDRT_ERR_HANDLE;
  uint64_t isz = csdrt_bundle_input_record_size(sl->bundle);
  uint64_t osz = csdrt_bundle_output_record_size(sl->bundle);
  const void *ip = (const void *)(uintptr_t)in;
  void *op = (void *)(uintptr_t)out;
  if (!allowed(s, "csd_infer", "the input record", ip, isz, 0) ||
      !allowed(s, "csd_infer", "the output record", op, osz, 1))
    return sl->last = CSDRT_ERR_ACCESS;
  char err[512];
  csdrt_status st = csdrt_bundle_infer(sl->bundle, ip, (size_t)isz, op, (size_t)osz, err, sizeof err);
  if (st) {
    sl->last = st;
    /* Name the record when the pointer is one of the opened buffer's records. */
    uint64_t first = (uint64_t)(uintptr_t)sl->input +
                     csdrt_records_offset(csdrt_bundle_file_size(sl->bundle));
    if (in >= first && isz) rt_prefix(err, sizeof err, "record %llu", (unsigned long long)((in - first) / isz));
    report(s, "csd_infer", st, err);
  }
  return (uint64_t)st;
}

static uint64_t h_last_error(uint64_t h, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5) {
  (void)r2, (void)r3, (void)r4, (void)r5;
  csdrt_session *s = current();
  if (!s) return CSDRT_ERR_NO_MEMORY;
  if (h == 0) return (uint64_t)s->open_status;
  slot *sl = lookup(s, h, "csd_last_error");
  return sl ? (uint64_t)sl->last : CSDRT_ERR_HANDLE;
}

static uint64_t h_close(uint64_t h, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5) {
  (void)r2, (void)r3, (void)r4, (void)r5;
  slot *sl = lookup(current(), h, "csd_close");
  if (!sl) return CSDRT_ERR_HANDLE;
  csdrt_bundle_close(sl->bundle);
  memset(sl, 0, sizeof *sl);
  return CSDRT_OK;
}

static const csd_helper kHelpers[] = {
    {CSD_HELPER_OPEN, "csd_open", h_open},
    {CSD_HELPER_PAYLOAD_SIZE, "csd_payload_size", h_payload_size},
    {CSD_HELPER_RECORD_COUNT, "csd_record_count", h_record_count},
    {CSD_HELPER_INPUT_RECORD_SIZE, "csd_input_record_size", h_input_record_size},
    {CSD_HELPER_OUTPUT_RECORD_SIZE, "csd_output_record_size", h_output_record_size},
    {CSD_HELPER_INFER, "csd_infer", h_infer},
    {CSD_HELPER_LAST_ERROR, "csd_last_error", h_last_error},
    {CSD_HELPER_CLOSE, "csd_close", h_close},
};

const csd_helper *csd_helper_table(size_t *count) {
  if (count) *count = sizeof kHelpers / sizeof kHelpers[0];
  return kHelpers;
}
