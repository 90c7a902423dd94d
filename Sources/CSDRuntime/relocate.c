/*
 * relocate.c — patching the dram_base fields of LOAD/STORE instructions once the regions
 * have physical addresses.
 *
 * A relocation (vtac_bundle.proto) names instruction `instruction` of its segment (counted
 * from the segment's first instruction), a region, an element offset and the memory type.
 * The runtime writes P / element_bytes(memory_type) + element_offset into dram_base, where P
 * is the region's physical base (aligned to the plan's alignment, so the division is exact).
 */
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

enum { OP_LOAD = 0, OP_STORE = 1 };

csdrt_status rt_relocations_check(const rt_manifest *rm, const rt_container *c,
                                  const rt_geometry *g, char *err, size_t err_len) {
  const Vtac__Bundle__Manifest *m = rm->m;
  const uint8_t *code = c->section[RT_SECTION_INSTRUCTIONS].data;
  for (size_t si = 0; si < m->n_segments; si++) {
    const Vtac__Bundle__Segment *s = m->segments[si];
    if (s->n_relocations == 0) continue;
    /* One bit per instruction of the segment: a field patched twice is ambiguous. */
    uint8_t *seen = calloc((s->instruction_count + 7) / 8, 1);
    if (!seen) return rt_fail(err, err_len, CSDRT_ERR_NO_MEMORY, "out of memory");
    csdrt_status st = CSDRT_OK;
    for (size_t ri = 0; ri < s->n_relocations && !st; ri++) {
      const Vtac__Bundle__Relocation *r = s->relocations[ri];
      uint32_t region = (uint32_t)r->region, type = r->memory_type, i = r->instruction;
      if (i >= s->instruction_count) {
        st = rt_fail(err, err_len, CSDRT_ERR_INDEX,
                     "segment %zu relocation %zu patches instruction %u but the segment has %u",
                     si, ri, i, s->instruction_count);
        break;
      }
      if (type >= RT_MEM_TYPES) {
        st = rt_fail(err, err_len, CSDRT_ERR_RELOCATION,
                     "segment %zu relocation %zu has memory type %u (0 to 5)", si, ri, type);
        break;
      }
      if (!(rt_region_mem_types(region) & (1u << type))) {
        st = rt_fail(err, err_len, CSDRT_ERR_RELOCATION,
                     "segment %zu relocation %zu points a %s transfer into region %s", si, ri,
                     rt_mem_type_name(type), rt_region_name(region));
        break;
      }
      if (seen[i / 8] & (1u << (i % 8))) {
        st = rt_fail(err, err_len, CSDRT_ERR_RELOCATION,
                     "segment %zu relocates instruction %u twice", si, i);
        break;
      }
      seen[i / 8] |= (uint8_t)(1u << (i % 8));
      const uint8_t *insn = code + (s->instruction_offset + i) * 16;
      uint64_t op = rt_field_get(insn, g->opcode_off, g->opcode_width);
      if (op != OP_LOAD && op != OP_STORE) {
        st = rt_fail(err, err_len, CSDRT_ERR_RELOCATION,
                     "segment %zu relocation %zu patches instruction %u, which is not a LOAD or "
                     "STORE (opcode %llu)", si, ri, i, (unsigned long long)op);
        break;
      }
      uint64_t actual = rt_field_get(insn, g->mem_type_off, g->mem_type_width);
      if (actual != type) {
        st = rt_fail(err, err_len, CSDRT_ERR_RELOCATION,
                     "segment %zu relocation %zu is for a %s transfer but instruction %u is a "
                     "%s %s", si, ri, rt_mem_type_name(type), i, op == OP_LOAD ? "LOAD" : "STORE",
                     rt_mem_type_name((uint32_t)actual));
        break;
      }
      /* The first element must start inside the region; the verifier checks the extent. */
      uint64_t size = rm->plan.size[region], eb = g->elem_bytes[type];
      if (r->element_offset >= size / eb) {
        st = rt_fail(err, err_len, CSDRT_ERR_RELOCATION,
                     "segment %zu relocation %zu: element %llu of %u bytes lies outside region "
                     "%s (%llu bytes)", si, ri, (unsigned long long)r->element_offset, (unsigned)eb,
                     rt_region_name(region), (unsigned long long)size);
        break;
      }
    }
    free(seen);
    if (st) return st;
  }
  return CSDRT_OK;
}

csdrt_status rt_relocate(const rt_manifest *rm, rt_region regions[RT_REGIONS],
                         const rt_geometry *g, char *err, size_t err_len) {
  const Vtac__Bundle__Manifest *m = rm->m;
  uint8_t *code = regions[RT_REGION_INSTRUCTIONS].host;
  uint64_t field_max = g->dram_width >= 64 ? UINT64_MAX : (1ull << g->dram_width) - 1;
  for (size_t si = 0; si < m->n_segments; si++) {
    const Vtac__Bundle__Segment *s = m->segments[si];
    for (size_t ri = 0; ri < s->n_relocations; ri++) {
      const Vtac__Bundle__Relocation *r = s->relocations[ri];
      const rt_region *reg = &regions[r->region];
      uint32_t eb = g->elem_bytes[r->memory_type];
      if (reg->phys % eb)
        return rt_fail(err, err_len, CSDRT_ERR_RELOCATION,
                       "region %s at physical 0x%x is not aligned to %s elements (%u bytes)",
                       rt_region_name((uint32_t)r->region), reg->phys,
                       rt_mem_type_name(r->memory_type), eb);
      uint64_t value = reg->phys / eb + r->element_offset;
      if (value > field_max)
        return rt_fail(err, err_len, CSDRT_ERR_RELOCATION,
                       "segment %zu relocation %zu: dram_base %llu does not fit %u bits", si, ri,
                       (unsigned long long)value, g->dram_width);
      uint8_t *insn = code + (s->instruction_offset + r->instruction) * 16;
      rt_field_set(insn, g->dram_off, g->dram_width, value);
    }
  }
  return CSDRT_OK;
}
