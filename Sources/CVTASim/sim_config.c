/*
 * sim_config.c — hardware configurations. Element sizes, SRAM depths and the bit layout
 * of instructions and micro-ops are derived by CVTAISA (vta_isa.h); this file converts
 * between the simulator's VTASimConfig and CVTAISA's VTAISAConfig (same keys).
 */
#include "sim_internal.h"

void sim_config_to_isa(const VTASimConfig *in, VTAISAConfig *out) {
  out->LOG_INP_WIDTH = in->LOG_INP_WIDTH;
  out->LOG_WGT_WIDTH = in->LOG_WGT_WIDTH;
  out->LOG_ACC_WIDTH = in->LOG_ACC_WIDTH;
  out->LOG_BATCH = in->LOG_BATCH;
  out->LOG_BLOCK_IN = in->LOG_BLOCK_IN;
  out->LOG_BLOCK_OUT = in->LOG_BLOCK_OUT;
  out->LOG_UOP_BUFF_SIZE = in->LOG_UOP_BUFF_SIZE;
  out->LOG_INP_BUFF_SIZE = in->LOG_INP_BUFF_SIZE;
  out->LOG_WGT_BUFF_SIZE = in->LOG_WGT_BUFF_SIZE;
  out->LOG_ACC_BUFF_SIZE = in->LOG_ACC_BUFF_SIZE;
  out->profile = in->profile;
}

void sim_config_from_isa(const VTAISAConfig *in, VTASimConfig *out) {
  out->LOG_INP_WIDTH = in->LOG_INP_WIDTH;
  out->LOG_WGT_WIDTH = in->LOG_WGT_WIDTH;
  out->LOG_ACC_WIDTH = in->LOG_ACC_WIDTH;
  out->LOG_BATCH = in->LOG_BATCH;
  out->LOG_BLOCK_IN = in->LOG_BLOCK_IN;
  out->LOG_BLOCK_OUT = in->LOG_BLOCK_OUT;
  out->LOG_UOP_BUFF_SIZE = in->LOG_UOP_BUFF_SIZE;
  out->LOG_INP_BUFF_SIZE = in->LOG_INP_BUFF_SIZE;
  out->LOG_WGT_BUFF_SIZE = in->LOG_WGT_BUFF_SIZE;
  out->LOG_ACC_BUFF_SIZE = in->LOG_ACC_BUFF_SIZE;
  out->profile = in->profile;
}

void VTASimDefaultConfig(VTASimConfig *out) {
  if (!out) return;
  /* pynq / Alkali: 1x16 GEMM core, 32 KiB uop, 32 KiB inp, 256 KiB wgt, 128 KiB acc. */
  VTAISAConfig c;
  vta_isa_default_config(&c);
  sim_config_from_isa(&c, out);
}

int sim_arch_init(sim_arch *a, const VTASimConfig *cfg, char *why, size_t why_len) {
  if (!cfg) return vta_isa_arch_init(a, NULL, why, why_len);
  VTAISAConfig c;
  sim_config_to_isa(cfg, &c);
  return vta_isa_arch_init(a, &c, why, why_len);
}

int VTASimCheckConfig(const VTASimConfig *cfg, char *why, size_t why_len) {
  sim_arch a;
  return sim_arch_init(&a, cfg, why, why_len) ? 1 : 0;
}

/* The configuration the argument-less VTADeviceAlloc() uses (see vta_sim.h: not
 * thread-safe by design, the driver API leaves no other way to pass it). */
static VTASimConfig g_next_config;
static int g_next_config_set = 0;

int VTASimSetNextConfig(const VTASimConfig *cfg) {
  if (!cfg) {
    g_next_config_set = 0;
    return 0;
  }
  if (VTASimCheckConfig(cfg, NULL, 0)) return 1;
  g_next_config = *cfg;
  g_next_config_set = 1;
  return 0;
}

void VTASimGetNextConfig(VTASimConfig *out) {
  if (!out) return;
  if (g_next_config_set)
    *out = g_next_config;
  else
    VTASimDefaultConfig(out);
}

/* ---------------------------------------------------------------- layout queries */

int VTASimFieldLayout(const VTASimConfig *cfg, int32_t kind, const char *name, uint32_t *offset,
                      uint32_t *width) {
  sim_arch a;
  if (!name || sim_arch_init(&a, cfg, NULL, 0)) return -1;
  switch (kind) {
    case VTA_SIM_LAYOUT_MEM: kind = VTA_ISA_LAYOUT_MEM; break;
    case VTA_SIM_LAYOUT_GEMM: kind = VTA_ISA_LAYOUT_GEMM; break;
    case VTA_SIM_LAYOUT_ALU: kind = VTA_ISA_LAYOUT_ALU; break;
    case VTA_SIM_LAYOUT_UOP: kind = VTA_ISA_LAYOUT_UOP; break;
    default: return -1;
  }
  return vta_isa_field_layout(&a, kind, name, offset, width);
}
