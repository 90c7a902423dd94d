/*
 * sim_config.c — hardware configurations and everything derived from them:
 * element sizes, SRAM depths, and the bit layout of instructions and micro-ops.
 */
#include <stdio.h>
#include <string.h>

#include "sim_internal.h"

void VTASimDefaultConfig(VTASimConfig *out) {
  if (!out) return;
  /* pynq / Alkali: 1x16 GEMM core, 32 KiB uop, 32 KiB inp, 256 KiB wgt, 128 KiB acc. */
  out->LOG_INP_WIDTH = 3;
  out->LOG_WGT_WIDTH = 3;
  out->LOG_ACC_WIDTH = 5;
  out->LOG_BATCH = 0;
  out->LOG_BLOCK_IN = 4;
  out->LOG_BLOCK_OUT = 4;
  out->LOG_UOP_BUFF_SIZE = 15;
  out->LOG_INP_BUFF_SIZE = 15;
  out->LOG_WGT_BUFF_SIZE = 18;
  out->LOG_ACC_BUFF_SIZE = 17;
  out->profile = VTA_SIM_PROFILE_STOCK;
}

static const char *const k_common_names[F_COMMON_COUNT] = {"opcode", "pop_prev", "pop_next",
                                                           "push_prev", "push_next"};
static const char *const k_mem_names[FM_COUNT - F_COMMON_COUNT] = {
    "memory_type", "sram_base", "dram_base", "y_size",  "x_size",
    "x_stride",    "y_pad_0",   "y_pad_1",   "x_pad_0", "x_pad_1"};
static const char *const k_gemm_names[FG_COUNT - F_COMMON_COUNT] = {
    "reset",         "uop_bgn",        "uop_end",        "iter_out",
    "iter_in",       "dst_factor_out", "dst_factor_in",  "src_factor_out",
    "src_factor_in", "wgt_factor_out", "wgt_factor_in"};
static const char *const k_alu_names[FA_COUNT - F_COMMON_COUNT] = {
    "reset",          "uop_bgn",       "uop_end",    "iter_out", "iter_in", "dst_factor_out",
    "dst_factor_in",  "src_factor_out", "src_factor_in", "alu_opcode", "use_imm", "imm"};
static const char *const k_uop_names[FU_COUNT] = {"dst_idx", "src_idx", "wgt_idx"};

/* Append a reason to `why` ("; "-separated, so every problem of a config is named). */
static void say(char *why, size_t n, const char *fmt, ...) {
  if (!why || !n) return;
  size_t k = strlen(why);
  if (k && k + 2 < n) {
    memcpy(why + k, "; ", 3);
    k += 2;
  }
  if (k + 1 >= n) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why + k, n - k, fmt, ap);
  va_end(ap);
}

/*
 * Assign bit offsets to consecutive fields the way C lays out bit-fields of a
 * `unit`-bit integer type (upstream declares instructions with uint64_t bit-fields and
 * micro-ops with uint32_t ones): LSB first, and a field that would straddle a unit
 * boundary starts at the next unit instead. The result must fit in `total` bits,
 * or the upstream struct would be larger than the hardware word.
 */
static int place_fields(sim_field *f, const uint8_t *widths, int n, unsigned unit,
                        unsigned total, unsigned *end_bit) {
  unsigned pos = 0;
  for (int i = 0; i < n; i++) {
    unsigned w = widths[i];
    if ((pos % unit) + w > unit) pos = (pos / unit + 1) * unit;
    if (w == 0 || w > unit || pos + w > total) {
      *end_bit = pos + w;
      return i;
    }
    f[i].offset = (uint8_t)pos;
    f[i].width = (uint8_t)w;
    pos += w;
  }
  return -1;
}

static const char *field_name(const char *const *names, int i) {
  return i < F_COMMON_COUNT ? k_common_names[i] : names[i - F_COMMON_COUNT];
}

static void common_widths(uint8_t *w) {
  w[F_OPCODE] = W_OPCODE;
  w[F_POP_PREV] = w[F_POP_NEXT] = w[F_PUSH_PREV] = w[F_PUSH_NEXT] = 1;
}

int sim_arch_init(sim_arch *a, const VTASimConfig *cfg, char *why, size_t why_len) {
  if (why && why_len) why[0] = 0;
  if (!cfg) {
    say(why, why_len, "no configuration");
    return -1;
  }
  memset(a, 0, sizeof *a);
  a->cfg = *cfg;
  const VTASimConfig *c = cfg;

  /* The simulator computes on int8 x int8 -> int32 only, like every VTA bitstream. */
  if (c->LOG_INP_WIDTH != 3 || c->LOG_WGT_WIDTH != 3 || c->LOG_ACC_WIDTH != 5) {
    say(why, why_len, "only LOG_INP_WIDTH 3, LOG_WGT_WIDTH 3, LOG_ACC_WIDTH 5 are simulated");
    return -1;
  }
  if (c->profile != VTA_SIM_PROFILE_STOCK && c->profile != VTA_SIM_PROFILE_EXTENDED) {
    say(why, why_len, "unknown ISA profile %d", (int)c->profile);
    return -1;
  }
  struct {
    const char *name;
    int32_t v, lo, hi;
  } ranges[] = {
      {"LOG_BATCH", c->LOG_BATCH, 0, 4},
      {"LOG_BLOCK_IN", c->LOG_BLOCK_IN, 0, 8},
      {"LOG_BLOCK_OUT", c->LOG_BLOCK_OUT, 0, 8},
      {"LOG_UOP_BUFF_SIZE", c->LOG_UOP_BUFF_SIZE, 1, 28},
      {"LOG_INP_BUFF_SIZE", c->LOG_INP_BUFF_SIZE, 1, 28},
      {"LOG_WGT_BUFF_SIZE", c->LOG_WGT_BUFF_SIZE, 1, 28},
      {"LOG_ACC_BUFF_SIZE", c->LOG_ACC_BUFF_SIZE, 1, 28},
  };
  for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
    if (ranges[i].v < ranges[i].lo || ranges[i].v > ranges[i].hi) {
      say(why, why_len, "%s = %d is out of the supported range", ranges[i].name, (int)ranges[i].v);
      return -1;
    }
  }

  a->batch = 1u << c->LOG_BATCH;
  a->block_in = 1u << c->LOG_BLOCK_IN;
  a->block_out = 1u << c->LOG_BLOCK_OUT;
  a->inp_lanes = a->batch * a->block_in;
  a->wgt_lanes = a->block_out * a->block_in;
  a->acc_lanes = a->batch * a->block_out;

  /* Element sizes in bytes: lanes x lane bits / 8 (hw_spec_const.h's *_ELEM_BYTES). */
  unsigned inp_bits = 1u << c->LOG_INP_WIDTH, wgt_bits = 1u << c->LOG_WGT_WIDTH;
  unsigned acc_bits = 1u << c->LOG_ACC_WIDTH, out_bits = inp_bits; /* OUT width = INP width */
  a->elem_bytes[VTA_SIM_MEM_UOP] = UOP_BYTES;
  a->elem_bytes[VTA_SIM_MEM_WGT] = a->wgt_lanes * wgt_bits / 8;
  a->elem_bytes[VTA_SIM_MEM_INP] = a->inp_lanes * inp_bits / 8;
  a->elem_bytes[VTA_SIM_MEM_ACC] = a->acc_lanes * acc_bits / 8;
  a->elem_bytes[VTA_SIM_MEM_OUT] = a->acc_lanes * out_bits / 8;
  /* ACC_8BIT: an ACC element whose lanes are stored in DRAM at input width. */
  a->elem_bytes[VTA_SIM_MEM_ACC_8BIT] = a->acc_lanes * inp_bits / 8;

  /* Depth = buffer bytes / element bytes, as a log so that it is exact. */
  int logs[4] = {
      c->LOG_UOP_BUFF_SIZE - 2,
      c->LOG_WGT_BUFF_SIZE - (c->LOG_BLOCK_OUT + c->LOG_BLOCK_IN + c->LOG_WGT_WIDTH - 3),
      c->LOG_INP_BUFF_SIZE - (c->LOG_BATCH + c->LOG_BLOCK_IN + c->LOG_INP_WIDTH - 3),
      c->LOG_ACC_BUFF_SIZE - (c->LOG_BATCH + c->LOG_BLOCK_OUT + c->LOG_ACC_WIDTH - 3),
  };
  static const char *const bufname[4] = {"UOP", "WGT", "INP", "ACC"};
  for (int i = 0; i < 4; i++) {
    /* A depth-1 buffer would need zero-width index fields; sram_base (16 bits) cannot
     * address more than 2^16 elements. */
    if (logs[i] < 1 || logs[i] > W_SRAM_ADDR) {
      say(why, why_len, "%s buffer depth 2^%d is outside 2^1..2^16 elements", bufname[i], logs[i]);
      return -1;
    }
    a->log_depth[i] = (uint32_t)logs[i];
    a->depth[i] = 1u << logs[i];
  }
  uint8_t lu = (uint8_t)a->log_depth[VTA_SIM_MEM_UOP], lw = (uint8_t)a->log_depth[VTA_SIM_MEM_WGT];
  uint8_t li = (uint8_t)a->log_depth[VTA_SIM_MEM_INP], la = (uint8_t)a->log_depth[VTA_SIM_MEM_ACC];

  uint8_t w[32];
  common_widths(w);
  w[FM_MEMTYPE] = W_MEMTYPE;
  w[FM_SRAM] = W_SRAM_ADDR;
  w[FM_DRAM] = W_DRAM_ADDR;
  w[FM_YSIZE] = W_SIZE;
  w[FM_XSIZE] = W_SIZE;
  w[FM_XSTRIDE] = W_STRIDE;
  w[FM_YPAD0] = w[FM_YPAD1] = w[FM_XPAD0] = w[FM_XPAD1] = W_PAD;
  unsigned end;
  int failed = 0;
  int bad = place_fields(a->mem, w, FM_COUNT, 64, 128, &end);
  if (bad >= 0) {
    say(why, why_len, "LOAD/STORE field %s would end at bit %u > 128", field_name(k_mem_names, bad),
        end);
    failed = 1;
  }

  common_widths(w);
  w[FG_RESET] = 1;
  w[FG_UOP_BGN] = lu;
  w[FG_UOP_END] = (uint8_t)(lu + 1); /* uop_end may equal the depth */
  w[FG_ITER_OUT] = w[FG_ITER_IN] = W_LOOP_ITER;
  w[FG_DST_FO] = w[FG_DST_FI] = la;
  w[FG_SRC_FO] = w[FG_SRC_FI] = li;
  w[FG_WGT_FO] = w[FG_WGT_FI] = lw;
  bad = place_fields(a->gemm, w, FG_COUNT, 64, 128, &end);
  if (bad >= 0) {
    say(why, why_len, "GEMM field %s (%u bits) would end at bit %u > 128",
        field_name(k_gemm_names, bad), w[bad], end);
    failed = 1;
  }

  common_widths(w);
  w[FA_RESET] = 1;
  w[FA_UOP_BGN] = lu;
  w[FA_UOP_END] = (uint8_t)(lu + 1);
  w[FA_ITER_OUT] = w[FA_ITER_IN] = W_LOOP_ITER;
  w[FA_DST_FO] = w[FA_DST_FI] = la;
  w[FA_SRC_FO] = w[FA_SRC_FI] = la; /* ALU sources are ACC indices */
  w[FA_OPCODE] = W_ALU_OPCODE;
  w[FA_USE_IMM] = 1;
  w[FA_IMM] = W_IMM;
  bad = place_fields(a->alu, w, FA_COUNT, 64, 128, &end);
  if (bad >= 0) {
    say(why, why_len, "ALU field %s (%u bits) would end at bit %u > 128",
        field_name(k_alu_names, bad), w[bad], end);
    failed = 1;
  }

  /* A uop's src indexes INP (GEMM) or ACC (ALU), so it is as wide as the wider one. */
  w[FU_DST] = la;
  w[FU_SRC] = li > la ? li : la;
  w[FU_WGT] = lw;
  if (place_fields(a->uop, w, FU_COUNT, 32, 32, &end) >= 0) {
    say(why, why_len, "micro-op fields dst %d + src %d + wgt %d bits do not fit in 32 bits",
        w[FU_DST], w[FU_SRC], w[FU_WGT]);
    failed = 1;
  }
  if (failed) return -1;
  return 0;
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
  const sim_field *fields;
  const char *const *names;
  int n;
  switch (kind) {
    case VTA_SIM_LAYOUT_MEM: fields = a.mem, names = k_mem_names, n = FM_COUNT; break;
    case VTA_SIM_LAYOUT_GEMM: fields = a.gemm, names = k_gemm_names, n = FG_COUNT; break;
    case VTA_SIM_LAYOUT_ALU: fields = a.alu, names = k_alu_names, n = FA_COUNT; break;
    case VTA_SIM_LAYOUT_UOP: fields = a.uop, names = k_uop_names, n = FU_COUNT; break;
    default: return -1;
  }
  for (int i = 0; i < n; i++) {
    /* Instruction kinds share the common header fields; the uop has none. */
    const char *nm = kind == VTA_SIM_LAYOUT_UOP ? names[i] : field_name(names, i);
    if (strcmp(nm, name) == 0) {
      if (offset) *offset = fields[i].offset;
      if (width) *width = fields[i].width;
      return 0;
    }
  }
  return -1;
}
