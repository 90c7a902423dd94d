/*
 * verify.c — every relocated segment goes through the stream verifier (CVTAISA) before the
 * device may run it, against the regions actually allocated: a segment may only reach the
 * bundle's own memory, with the memory types each region allows (constants WGT/ACC/ACC_8BIT/
 * INP, activations INP/OUT/ACC/ACC_8BIT, scratch all but UOP, uops UOP).
 *
 * Verification happens once, at load: nothing writes the instruction region afterwards (it
 * is not a region any verified stream may store into, and the runtime never touches it
 * again), so the stream the device runs is the stream that was verified.
 */
#include <stdio.h>
#include <string.h>

#include "rt_internal.h"
#include "vta_verify.h"

csdrt_status rt_verify_segments(const rt_manifest *rm, const rt_region regions[RT_REGIONS],
                                const rt_geometry *g, const csdrt_options *o, char *err,
                                size_t err_len) {
  static const uint32_t kinds[] = {RT_REGION_CONSTANTS, RT_REGION_ACTIVATIONS, RT_REGION_SCRATCH,
                                   RT_REGION_UOPS};
  VTAVerifyRegion vr[4];
  uint32_t n = 0;
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    const rt_region *r = &regions[kinds[i]];
    if (!r->size) continue;
    vr[n++] = (VTAVerifyRegion){rt_region_name(kinds[i]), r->phys, r->size,
                                rt_region_mem_types(kinds[i]), r->host};
  }
  const Vtac__Bundle__Manifest *m = rm->m;
  const uint8_t *code = regions[RT_REGION_INSTRUCTIONS].host;
  for (size_t si = 0; si < m->n_segments; si++) {
    const rt_segment *s = &rm->segments[si];
    VTAVerifyFinding f;
    memset(&f, 0, sizeof f);
    if (vta_verify_stream(&g->cfg, code + s->word_offset * 16, s->count, vr, n, o->fifo_depth,
                          &f) != 0) {
      f.rule[sizeof f.rule - 1] = 0;
      f.message[sizeof f.message - 1] = 0;
      return rt_fail(err, err_len, CSDRT_ERR_VERIFY,
                     "segment %zu: the stream verifier refused instruction %u [%s]: %s", si,
                     f.instruction, f.rule, f.message);
    }
  }
  return CSDRT_OK;
}
