/*
 * records.c — the drive's input and output buffers around a bundle (HELPERS.md).
 *
 * Why a records header instead of "as many records as fit": the drive's input region is a
 * whole number of 4 KiB pages, so its length (r3) over-counts the bytes the host wrote; the
 * host says how many records it sent.
 */
#include <stdio.h>
#include <string.h>

#include "rt_internal.h"

static uint64_t rd64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

uint64_t csdrt_records_offset(uint64_t file_size) {
  return ((file_size + 15) & ~(uint64_t)15) + CSDRT_RECORDS_HEADER_SIZE;
}

uint64_t csdrt_output_buffer_size(uint64_t output_record_size, uint64_t records) {
  return rt_sat_add(CSDRT_OUTPUT_HEADER_SIZE, rt_sat_mul(output_record_size, records));
}

/* The count in the records header of a buffer holding a `file_size`-byte bundle. */
static uint64_t read_count(uint64_t file_size, uint64_t record_size, const uint8_t *input,
                           size_t available, csdrt_status *status, char *err, size_t err_len) {
  uint64_t first = csdrt_records_offset(file_size), header = first - CSDRT_RECORDS_HEADER_SIZE;
  csdrt_status st = CSDRT_OK;
  uint64_t count = 0;
  if (!input || available < first) {
    st = rt_fail(err, err_len, CSDRT_ERR_INPUT,
                 "the input ends at byte %zu, before the records header (bytes %llu to %llu)",
                 input ? available : 0, (unsigned long long)header, (unsigned long long)first);
  } else if (rd64(input + header + 8) != 0) {
    st = rt_fail(err, err_len, CSDRT_ERR_INPUT, "the records header has nonzero reserved bytes");
  } else if ((count = rd64(input + header)) == 0) {
    st = rt_fail(err, err_len, CSDRT_ERR_INPUT, "the records header announces no record");
  } else if (count > 0xFFFFFFFFull) {
    st = rt_fail(err, err_len, CSDRT_ERR_INPUT, "the records header announces %llu records "
                 "(at most 2^32 - 1)", (unsigned long long)count);
  } else if (record_size == 0 || rt_sat_mul(count, record_size) > available - first) {
    st = rt_fail(err, err_len, CSDRT_ERR_INPUT,
                 "the input holds %llu bytes of records, fewer than the %llu records of %llu "
                 "bytes it announces", (unsigned long long)(available - first),
                 (unsigned long long)count, (unsigned long long)record_size);
  }
  if (status) *status = st;
  return st ? 0 : count;
}

uint64_t csdrt_record_count(const csdrt_bundle *b, const void *input, size_t available,
                            csdrt_status *status, char *err, size_t err_len) {
  if (!b) {
    if (status) *status = rt_fail(err, err_len, CSDRT_ERR_ARGUMENT, "no bundle");
    return 0;
  }
  return read_count(b->file_size, b->man.m->input_record_size, input, available, status, err,
                    err_len);
}

uint64_t csdrt_peek_output_size(const void *input, size_t available) {
  rt_container c;
  if (rt_container_parse(input, available, 0, &c, NULL, 0)) return 0;
  const rt_section *ms = &c.section[RT_SECTION_MANIFEST];
  Vtac__Bundle__Manifest *m = vtac__bundle__manifest__unpack(NULL, (size_t)ms->size, ms->data);
  if (!m) return 0;
  uint64_t in_size = m->input_record_size, out_size = m->output_record_size;
  vtac__bundle__manifest__free_unpacked(m, NULL);
  uint64_t n = read_count(c.file_size, in_size, input, available, NULL, NULL, 0);
  return n ? csdrt_output_buffer_size(out_size, n) : 0;
}
