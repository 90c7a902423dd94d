/*
 * hardware.c — what the runtime derives from the device's VTA configuration (through
 * CVTAISA): DRAM element sizes per memory type and the instruction fields it reads and
 * patches; names and region rules for messages and relocations.
 */
#include <string.h>

#include "rt_internal.h"
#include "vta_isa.h"

csdrt_status rt_geometry_init(const VTAISAConfig *cfg, rt_geometry *g, char *err, size_t err_len) {
  memset(g, 0, sizeof *g);
  char why[256] = "";
  if (!cfg || vta_isa_arch_init(&g->arch, cfg, why, sizeof why) != 0)
    return rt_fail(err, err_len, CSDRT_ERR_CONFIG, "invalid device configuration: %s", why);
  g->cfg = *cfg;
  g->batch = g->arch.batch;
  g->block_in = g->arch.block_in;
  g->block_out = g->arch.block_out;
  /* ISA spec §3: dram_base and x_stride count elements of the instruction's memory type. */
  for (int t = 0; t < RT_MEM_TYPES; t++) g->elem_bytes[t] = g->arch.elem_bytes[t];
  /* Where the fields the runtime reads and patches sit, derived from the configuration by
   * the upstream bit-field rule (CVTAISA). */
  g->opcode_off = g->arch.mem[VTA_ISA_F_OPCODE].offset;
  g->opcode_width = g->arch.mem[VTA_ISA_F_OPCODE].width;
  g->mem_type_off = g->arch.mem[VTA_ISA_FM_MEMTYPE].offset;
  g->mem_type_width = g->arch.mem[VTA_ISA_FM_MEMTYPE].width;
  g->dram_off = g->arch.mem[VTA_ISA_FM_DRAM].offset;
  g->dram_width = g->arch.mem[VTA_ISA_FM_DRAM].width;
  return CSDRT_OK;
}

const char *rt_region_name(uint32_t region) {
  static const char *const names[RT_REGIONS] = {"NONE",    "CONSTANTS",    "ACTIVATIONS", "SCRATCH",
                                                "UOPS",    "INSTRUCTIONS", "HOST"};
  return region < RT_REGIONS ? names[region] : "unknown region";
}

const char *rt_mem_type_name(uint32_t type) {
  static const char *const names[RT_MEM_TYPES] = {"UOP", "WGT", "INP", "ACC", "OUT", "ACC_8BIT"};
  return type < RT_MEM_TYPES ? names[type] : "unknown memory type";
}

uint32_t rt_region_mem_types(uint32_t region) {
  switch (region) {
  case RT_REGION_CONSTANTS:
    return 1u << RT_MEM_WGT | 1u << RT_MEM_ACC | 1u << RT_MEM_ACC_8BIT | 1u << RT_MEM_INP;
  case RT_REGION_ACTIVATIONS:
    return 1u << RT_MEM_INP | 1u << RT_MEM_OUT | 1u << RT_MEM_ACC | 1u << RT_MEM_ACC_8BIT;
  case RT_REGION_SCRATCH:
    return 1u << RT_MEM_WGT | 1u << RT_MEM_INP | 1u << RT_MEM_ACC | 1u << RT_MEM_OUT |
           1u << RT_MEM_ACC_8BIT;
  case RT_REGION_UOPS:
    return 1u << RT_MEM_UOP;
  default:
    return 0;
  }
}

/* Instructions are 16 little-endian bytes: bit b is bit (b % 8) of byte b / 8. */
uint64_t rt_field_get(const uint8_t *insn, uint32_t off, uint32_t width) {
  uint64_t v = 0;
  for (uint32_t i = 0; i < width; i++) {
    uint32_t b = off + i;
    v |= (uint64_t)((insn[b >> 3] >> (b & 7)) & 1u) << i;
  }
  return v;
}

void rt_field_set(uint8_t *insn, uint32_t off, uint32_t width, uint64_t value) {
  for (uint32_t i = 0; i < width; i++) {
    uint32_t b = off + i;
    uint8_t mask = (uint8_t)(1u << (b & 7));
    if ((value >> i) & 1u)
      insn[b >> 3] |= mask;
    else
      insn[b >> 3] &= (uint8_t)~mask;
  }
}
