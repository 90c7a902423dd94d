/*
 * bundle.c — the public bundle API: open (check, allocate, relocate, verify), infer, close.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_driver.h"
#include "rt_internal.h"

static void keep(csdrt_bundle *b, const char *err) {
  if (b && err) snprintf(b->err, sizeof b->err, "%s", err);
}

/* Everything that needs no accelerator: container, geometry, manifest. */
static csdrt_status check(const void *bytes, size_t size, int exact, const csdrt_options *o,
                          rt_container *c, rt_geometry *g, rt_manifest *rm, char *err,
                          size_t err_len) {
  csdrt_status st;
  if ((st = rt_geometry_init(&o->hardware, g, err, err_len))) return st;
  if ((st = rt_container_parse(bytes, size, exact, c, err, err_len))) return st;
  return rt_manifest_load(c, o, g, rm, err, err_len);
}

csdrt_status csdrt_bundle_check(const void *bytes, size_t size, const csdrt_options *options,
                                char *err, size_t err_len) {
  csdrt_options d;
  if (!options) csdrt_default_options(&d), options = &d;
  rt_container c;
  rt_geometry g;
  rt_manifest rm;
  csdrt_status st = check(bytes, size, 1, options, &c, &g, &rm, err, err_len);
  if (!st) rt_manifest_free(&rm);
  return st;
}

static csdrt_status open_bundle(const void *bytes, size_t size, int exact,
                                const csdrt_options *options, csdrt_bundle **out, char *err,
                                size_t err_len) {
  if (!out) return rt_fail(err, err_len, CSDRT_ERR_ARGUMENT, "no place for the bundle");
  *out = NULL;
  csdrt_bundle *b = calloc(1, sizeof *b);
  if (!b) return rt_fail(err, err_len, CSDRT_ERR_NO_MEMORY, "out of memory");
  if (options)
    b->opts = *options;
  else
    csdrt_default_options(&b->opts);
  rt_container c;
  csdrt_status st = check(bytes, size, exact, &b->opts, &c, &b->geo, &b->man, err, err_len);
  if (st) {
    free(b);
    return st;
  }
  b->file_size = c.file_size;
  b->device = b->opts.device;
  if (!b->device) {
    b->device = VTADeviceAlloc();
    b->own_device = 1;
    if (!b->device) {
      st = rt_fail(err, err_len, CSDRT_ERR_DEVICE, "VTADeviceAlloc failed");
      goto fail;
    }
  }
  if ((st = rt_regions_alloc(b->regions, &b->man, &c, &b->opts, err, err_len))) goto fail;
  if ((st = rt_relocate(&b->man, b->regions, &b->geo, err, err_len))) goto fail;
  if ((st = rt_verify_segments(&b->man, b->regions, &b->geo, &b->opts, err, err_len))) goto fail;
  /* The CPU wrote every accelerator region (zeroing, sections, fills, relocations). */
  for (uint32_t r = 0; r < RT_REGIONS; r++) rt_region_flush(&b->regions[r], 0, b->regions[r].size);
  *out = b;
  return CSDRT_OK;
fail:
  csdrt_bundle_close(b);
  return st;
}

csdrt_status csdrt_bundle_open(const void *bytes, size_t size, const csdrt_options *options,
                               csdrt_bundle **out, char *err, size_t err_len) {
  return open_bundle(bytes, size, 1, options, out, err, err_len);
}

csdrt_status csdrt_bundle_open_prefix(const void *bytes, size_t available,
                                      const csdrt_options *options, csdrt_bundle **out,
                                      char *err, size_t err_len) {
  return open_bundle(bytes, available, 0, options, out, err, err_len);
}

void csdrt_bundle_close(csdrt_bundle *b) {
  if (!b) return;
  rt_regions_free(b->regions);
  if (b->own_device && b->device) VTADeviceFree(b->device);
  rt_manifest_free(&b->man);
  free(b);
}

uint64_t csdrt_bundle_file_size(const csdrt_bundle *b) { return b ? b->file_size : 0; }
uint64_t csdrt_bundle_input_record_size(const csdrt_bundle *b) {
  return b ? b->man.m->input_record_size : 0;
}
uint64_t csdrt_bundle_output_record_size(const csdrt_bundle *b) {
  return b ? b->man.m->output_record_size : 0;
}
uint32_t csdrt_bundle_step_count(const csdrt_bundle *b) { return b ? (uint32_t)b->man.m->n_steps : 0; }
uint32_t csdrt_bundle_segment_count(const csdrt_bundle *b) {
  return b ? (uint32_t)b->man.m->n_segments : 0;
}
const char *csdrt_bundle_last_error(const csdrt_bundle *b) { return b ? b->err : ""; }

void *csdrt_bundle_region(const csdrt_bundle *b, uint32_t region, uint64_t *size) {
  if (size) *size = 0;
  if (!b || region == RT_REGION_NONE || region >= RT_REGIONS) return NULL;
  if (size) *size = b->regions[region].size;
  return b->regions[region].host;
}

const uint8_t *csdrt_bundle_segment_code(const csdrt_bundle *b, uint32_t index, uint32_t *count) {
  if (count) *count = 0;
  if (!b || index >= b->man.m->n_segments) return NULL;
  if (count) *count = b->man.segments[index].count;
  return b->regions[RT_REGION_INSTRUCTIONS].host + b->man.segments[index].word_offset * 16;
}

csdrt_status csdrt_bundle_infer(csdrt_bundle *b, const void *input, size_t in_len, void *output,
                                size_t out_len, char *err, size_t err_len) {
  char local[512];
  if (!err || !err_len) err = local, err_len = sizeof local;
  if (!b) return rt_fail(err, err_len, CSDRT_ERR_ARGUMENT, "no bundle");
  const Vtac__Bundle__Manifest *m = b->man.m;
  csdrt_status st = CSDRT_OK;
  if (!input || in_len < m->input_record_size)
    st = rt_fail(err, err_len, CSDRT_ERR_INPUT, "the input has %zu bytes, less than one record "
                 "(%llu bytes)", input ? in_len : 0, (unsigned long long)m->input_record_size);
  else if (!output || out_len < m->output_record_size)
    st = rt_fail(err, err_len, CSDRT_ERR_OUTPUT, "the output has room for %zu bytes, less than "
                 "one record (%llu bytes)", output ? out_len : 0,
                 (unsigned long long)m->output_record_size);
  if (st) {
    keep(b, err);
    return st;
  }
  for (size_t i = 0; i < m->n_inputs; i++) {
    const rt_tensor *r = &b->man.in_record[i], *t = &b->man.inputs[i];
    rt_region *reg = &b->regions[t->region];
    rt_copy_tensor(r, (const uint8_t *)input + r->offset, t, reg->host + t->offset, &b->geo);
    rt_region_flush(reg, t->offset, t->span);
  }
  if ((st = rt_run_steps(b, err, err_len))) {
    keep(b, err);
    return st;
  }
  for (size_t i = 0; i < m->n_outputs; i++) {
    const rt_tensor *r = &b->man.out_record[i], *t = &b->man.outputs[i];
    rt_region *reg = &b->regions[t->region];
    rt_region_invalidate(reg, t->offset, t->span);
    rt_copy_tensor(t, reg->host + t->offset, r, (uint8_t *)output + r->offset, &b->geo);
  }
  b->err[0] = 0;
  return CSDRT_OK;
}
