/*
 * fuzz_bundle_loader.c — loads arbitrary bytes as a .csd bundle over the VTA simulator and,
 * when a bundle loads, runs one inference (small limits, small device work budget) and the
 * eBPF helpers' path (records header, csd_infer) over the same bytes.
 *
 * Each input is tried twice: as it is, and with its checksums and file size repaired, so
 * that mutations reach the manifest checks instead of dying at a CRC.
 * protobuf-c is linked through `#pragma comment(lib)` (lld honors it; run-fuzzers.sh uses
 * lld when the compiler has it).
 */
// fuzz-sources: Sources/CSDRuntime/*.c Sources/CSDRuntime/generated/*.c Sources/CVTAISA/*.c Sources/CSDKernels/*.c Sources/CVTASim/*.c
// fuzz-includes: Sources/CSDRuntime/include Sources/CVTAISA/include Sources/CSDKernels/include Sources/CVTASim/include
// fuzz-seeds: Tests/Fixtures/runtime/seeds/*.csd

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csd_helpers.h"
#include "csd_runtime.h"
#include "vta_sim.h"

#pragma comment(lib, "protobuf-c")

static VTADeviceHandle device(void) {
  static VTADeviceHandle dev;
  if (!dev) {
    VTASimConfig cfg;
    VTASimDefaultConfig(&cfg);
    dev = VTASimDeviceAllocWithConfig(&cfg);
    VTASimOptions o;
    VTASimDefaultOptions(&o);
    o.max_uop_iters = 1u << 16; /* a few milliseconds of simulated work per run */
    VTASimSetOptions(dev, &o);
  }
  return dev;
}

static const char *sim_error(void *dev) { return VTASimLastError(dev); }

static void options(csdrt_options *o) {
  csdrt_default_options(o);
  o->device = device();
  o->device_error = sim_error;
  o->max_device_bytes = 1u << 22;
  o->max_host_bytes = 1u << 22;
  o->max_cpu_ops = 1u << 22;
}

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void wr32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t crc32(const uint8_t *d, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= d[i];
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

/* Makes every checksum and the file size agree with the bytes. */
static void repair(uint8_t *b, size_t n) {
  if (n < 64) return;
  uint64_t size = n;
  for (int i = 0; i < 8; i++) b[24 + i] = (uint8_t)(size >> (8 * i));
  uint32_t count = rd32(b + 16);
  if (count > 16 || 64 + 32ull * count > n) return;
  for (uint32_t s = 0; s < count; s++) {
    uint8_t *e = b + 64 + 32 * s;
    uint64_t off = rd32(e + 8) | (uint64_t)rd32(e + 12) << 32;
    uint64_t len = rd32(e + 16) | (uint64_t)rd32(e + 20) << 32;
    if (off <= n && len <= n - off) wr32(e + 24, crc32(b + off, (size_t)len));
  }
  wr32(b + 32, crc32(b + 64, 32 * count));
  wr32(b + 36, crc32(b, 36));
}

/* The drive's path: the bundle, a records header announcing one record, that record. */
static void helpers_path(const uint8_t *data, size_t size, uint64_t isz) {
  uint64_t first = csdrt_records_offset(size);
  size_t total = (size_t)(first + isz);
  uint8_t *input = calloc(1, total);
  uint8_t *output = calloc(1, 4096);
  if (!input || !output) goto done;
  memcpy(input, data, size);
  input[first - 16] = 1;
  csdrt_options o;
  options(&o);
  csdrt_session *s = csdrt_session_create(&o);
  csdrt_session *previous = csdrt_session_enter(s);
  size_t n;
  const csd_helper *t = csd_helper_table(&n);
  uint64_t h = t[0].fn((uintptr_t)input, total, 0, 0, 0); /* csd_open */
  if (h) {
    uint64_t records = t[2].fn(h, 0, 0, 0, 0); /* csd_record_count */
    uint64_t osz = t[4].fn(h, 0, 0, 0, 0);
    if (records == 1 && osz <= 4096) t[5].fn(h, (uintptr_t)(input + first), (uintptr_t)output, 0, 0);
    t[6].fn(h, 0, 0, 0, 0);
    t[1].fn(h, 0, 0, 0, 0);
    /* Left open on purpose half the time: the session closes it. */
    if (size & 1) t[7].fn(h, 0, 0, 0, 0);
  }
  t[6].fn(0, 0, 0, 0, 0);
  csdrt_session_enter(previous);
  csdrt_session_destroy(s);
done:
  free(input);
  free(output);
}

static void try_bundle(const uint8_t *data, size_t size) {
  csdrt_options o;
  options(&o);
  char err[512];
  csdrt_bundle *b = NULL;
  csdrt_peek_output_size(data, size);
  if (csdrt_bundle_open(data, size, &o, &b, err, sizeof err) != CSDRT_OK) return;
  uint64_t isz = csdrt_bundle_input_record_size(b), osz = csdrt_bundle_output_record_size(b);
  uint8_t *in = calloc(1, (size_t)isz), *out = calloc(1, (size_t)osz);
  if (in && out) {
    for (uint64_t i = 0; i < isz; i++) in[i] = (uint8_t)(i * 37);
    csdrt_bundle_infer(b, in, (size_t)isz, out, (size_t)osz, err, sizeof err);
  }
  free(in);
  free(out);
  csdrt_bundle_close(b);
  helpers_path(data, size, isz);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  try_bundle(data, size);
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy) return 0;
  memcpy(copy, data, size);
  repair(copy, size);
  try_bundle(copy, size);
  free(copy);
  return 0;
}
