/*
 * isa_config.c — hardware configurations and everything derived from them: element
 * sizes, SRAM depths, and the bit layout of instructions and micro-ops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "include/vta_isa.h"

void vta_isa_default_config(VTAISAConfig *out) {
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
  out->profile = VTA_ISA_PROFILE_STOCK;
}

static const char *const k_common_names[VTA_ISA_F_COMMON_COUNT] = {"opcode", "pop_prev", "pop_next",
                                                                   "push_prev", "push_next"};
static const char *const k_mem_names[VTA_ISA_FM_COUNT - VTA_ISA_F_COMMON_COUNT] = {
    "memory_type", "sram_base", "dram_base", "y_size",  "x_size",
    "x_stride",    "y_pad_0",   "y_pad_1",   "x_pad_0", "x_pad_1"};
static const char *const k_gemm_names[VTA_ISA_FG_COUNT - VTA_ISA_F_COMMON_COUNT] = {
    "reset",         "uop_bgn",        "uop_end",        "iter_out",
    "iter_in",       "dst_factor_out", "dst_factor_in",  "src_factor_out",
    "src_factor_in", "wgt_factor_out", "wgt_factor_in"};
static const char *const k_alu_names[VTA_ISA_FA_COUNT - VTA_ISA_F_COMMON_COUNT] = {
    "reset",         "uop_bgn",        "uop_end",       "iter_out",   "iter_in", "dst_factor_out",
    "dst_factor_in", "src_factor_out", "src_factor_in", "alu_opcode", "use_imm", "imm"};
static const char *const k_uop_names[VTA_ISA_FU_COUNT] = {"dst_idx", "src_idx", "wgt_idx"};

/* Append a reason to `why` ("; "-separated, so every problem of a config is named). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void say(char *why, size_t n, const char *fmt, ...) {
  if (!why || !n) return;
  size_t k = 0;
  while (k < n && why[k]) k++;
  if (k >= n) return;
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
 * boundary starts at the next unit instead (the "bit-64 rule"). The result must fit in
 * `total` bits, or the upstream struct would be larger than the hardware word. Returns
 * -1, or the index of the first field that does not fit (its end bit in *end_bit).
 */
static int place_fields(VTAISAField *f, const uint8_t *widths, int n, unsigned unit, unsigned total,
                        unsigned *end_bit) {
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
  return i < VTA_ISA_F_COMMON_COUNT ? k_common_names[i] : names[i - VTA_ISA_F_COMMON_COUNT];
}

static void common_widths(uint8_t *w) {
  w[VTA_ISA_F_OPCODE] = VTA_ISA_W_OPCODE;
  w[VTA_ISA_F_POP_PREV] = w[VTA_ISA_F_POP_NEXT] = w[VTA_ISA_F_PUSH_PREV] = w[VTA_ISA_F_PUSH_NEXT] = 1;
}

/* Set the bits [offset, offset+width) of a 128-bit mask held as two halves. */
static void mask_set(uint64_t m[2], unsigned offset, unsigned width) {
  for (unsigned b = offset; b < offset + width; b++) m[b >> 6] |= 1ull << (b & 63);
}

static void reserved_mask(uint64_t out[2], const VTAISAField *f, int n) {
  uint64_t used[2] = {0, 0};
  for (int i = 0; i < n; i++) mask_set(used, f[i].offset, f[i].width);
  out[0] = ~used[0];
  out[1] = ~used[1];
}

int vta_isa_arch_init(VTAISAArch *a, const VTAISAConfig *cfg, char *why, size_t why_len) {
  if (why && why_len) why[0] = 0;
  if (!a) return -1;
  memset(a, 0, sizeof *a);
  if (!cfg) {
    say(why, why_len, "no configuration");
    return -1;
  }
  a->cfg = *cfg;
  const VTAISAConfig *c = cfg;

  /* Only int8 x int8 -> int32 exists on every VTA bitstream (and in vtac). Checking the
   * widths first also bounds every exponent used below. */
  if (c->LOG_INP_WIDTH != 3 || c->LOG_WGT_WIDTH != 3 || c->LOG_ACC_WIDTH != 5) {
    say(why, why_len,
        "only LOG_INP_WIDTH 3, LOG_WGT_WIDTH 3, LOG_ACC_WIDTH 5 are supported (int8 x int8 -> int32)");
    return -1;
  }
  if (c->profile != VTA_ISA_PROFILE_STOCK && c->profile != VTA_ISA_PROFILE_EXTENDED) {
    say(why, why_len, "unknown ISA profile %d", c->profile);
    return -1;
  }
  /* Bounds that keep every derived size within 32 bits. */
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

  /* DRAM element sizes per memory type (upstream hw_spec_const.h's *_ELEM_BYTES). */
  unsigned inp_bits = 1u << c->LOG_INP_WIDTH, wgt_bits = 1u << c->LOG_WGT_WIDTH;
  unsigned acc_bits = 1u << c->LOG_ACC_WIDTH, out_bits = inp_bits; /* OUT width = INP width */
  a->elem_bytes[VTA_ISA_MEM_UOP] = VTA_ISA_UOP_BYTES;
  a->elem_bytes[VTA_ISA_MEM_WGT] = a->wgt_lanes * wgt_bits / 8;
  a->elem_bytes[VTA_ISA_MEM_INP] = a->inp_lanes * inp_bits / 8;
  a->elem_bytes[VTA_ISA_MEM_ACC] = a->acc_lanes * acc_bits / 8;
  a->elem_bytes[VTA_ISA_MEM_OUT] = a->acc_lanes * out_bits / 8;
  /* ACC_8BIT: an ACC element whose lanes are stored in DRAM at input width. */
  a->elem_bytes[VTA_ISA_MEM_ACC_8BIT] = a->acc_lanes * inp_bits / 8;

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
    if (logs[i] < 1 || logs[i] > VTA_ISA_W_SRAM_ADDR) {
      say(why, why_len, "%s buffer depth 2^%d is outside 2^1..2^16 elements", bufname[i], logs[i]);
      return -1;
    }
    a->log_depth[i] = (uint32_t)logs[i];
    a->depth[i] = 1u << logs[i];
  }
  uint8_t lu = (uint8_t)a->log_depth[VTA_ISA_MEM_UOP], lw = (uint8_t)a->log_depth[VTA_ISA_MEM_WGT];
  uint8_t li = (uint8_t)a->log_depth[VTA_ISA_MEM_INP], la = (uint8_t)a->log_depth[VTA_ISA_MEM_ACC];

  uint8_t w[32];
  common_widths(w);
  w[VTA_ISA_FM_MEMTYPE] = VTA_ISA_W_MEMTYPE;
  w[VTA_ISA_FM_SRAM] = VTA_ISA_W_SRAM_ADDR;
  w[VTA_ISA_FM_DRAM] = VTA_ISA_W_DRAM_ADDR;
  w[VTA_ISA_FM_YSIZE] = VTA_ISA_W_SIZE;
  w[VTA_ISA_FM_XSIZE] = VTA_ISA_W_SIZE;
  w[VTA_ISA_FM_XSTRIDE] = VTA_ISA_W_STRIDE;
  w[VTA_ISA_FM_YPAD0] = w[VTA_ISA_FM_YPAD1] = w[VTA_ISA_FM_XPAD0] = w[VTA_ISA_FM_XPAD1] =
      VTA_ISA_W_PAD;
  unsigned end;
  int failed = 0;
  int bad = place_fields(a->mem, w, VTA_ISA_FM_COUNT, 64, 128, &end);
  if (bad >= 0) {
    say(why, why_len, "LOAD/STORE field %s would end at bit %u > 128",
        field_name(k_mem_names, bad), end);
    failed = 1;
  }

  common_widths(w);
  w[VTA_ISA_FG_RESET] = 1;
  w[VTA_ISA_FG_UOP_BGN] = lu;
  w[VTA_ISA_FG_UOP_END] = (uint8_t)(lu + 1); /* uop_end may equal the depth */
  w[VTA_ISA_FG_ITER_OUT] = w[VTA_ISA_FG_ITER_IN] = VTA_ISA_W_LOOP_ITER;
  w[VTA_ISA_FG_DST_FO] = w[VTA_ISA_FG_DST_FI] = la;
  w[VTA_ISA_FG_SRC_FO] = w[VTA_ISA_FG_SRC_FI] = li;
  w[VTA_ISA_FG_WGT_FO] = w[VTA_ISA_FG_WGT_FI] = lw;
  bad = place_fields(a->gemm, w, VTA_ISA_FG_COUNT, 64, 128, &end);
  if (bad >= 0) {
    say(why, why_len, "GEMM field %s (%u bits) would end at bit %u > 128",
        field_name(k_gemm_names, bad), w[bad], end);
    failed = 1;
  }

  common_widths(w);
  w[VTA_ISA_FA_RESET] = 1;
  w[VTA_ISA_FA_UOP_BGN] = lu;
  w[VTA_ISA_FA_UOP_END] = (uint8_t)(lu + 1);
  w[VTA_ISA_FA_ITER_OUT] = w[VTA_ISA_FA_ITER_IN] = VTA_ISA_W_LOOP_ITER;
  w[VTA_ISA_FA_DST_FO] = w[VTA_ISA_FA_DST_FI] = la;
  w[VTA_ISA_FA_SRC_FO] = w[VTA_ISA_FA_SRC_FI] = la; /* ALU sources are ACC indices */
  w[VTA_ISA_FA_OPCODE] = VTA_ISA_W_ALU_OPCODE;
  w[VTA_ISA_FA_USE_IMM] = 1;
  w[VTA_ISA_FA_IMM] = VTA_ISA_W_IMM;
  bad = place_fields(a->alu, w, VTA_ISA_FA_COUNT, 64, 128, &end);
  if (bad >= 0) {
    say(why, why_len, "ALU field %s (%u bits) would end at bit %u > 128",
        field_name(k_alu_names, bad), w[bad], end);
    failed = 1;
  }

  /* A uop's src indexes INP (GEMM) or ACC (ALU), so it is as wide as the wider one. */
  w[VTA_ISA_FU_DST] = la;
  w[VTA_ISA_FU_SRC] = li > la ? li : la;
  w[VTA_ISA_FU_WGT] = lw;
  if (place_fields(a->uop, w, VTA_ISA_FU_COUNT, 32, 32, &end) >= 0) {
    say(why, why_len, "micro-op fields dst %d + src %d + wgt %d bits do not fit in 32 bits",
        w[VTA_ISA_FU_DST], w[VTA_ISA_FU_SRC], w[VTA_ISA_FU_WGT]);
    failed = 1;
  }
  if (failed) return -1;

  reserved_mask(a->reserved[VTA_ISA_LAYOUT_MEM], a->mem, VTA_ISA_FM_COUNT);
  reserved_mask(a->reserved[VTA_ISA_LAYOUT_GEMM], a->gemm, VTA_ISA_FG_COUNT);
  reserved_mask(a->reserved[VTA_ISA_LAYOUT_ALU], a->alu, VTA_ISA_FA_COUNT);
  reserved_mask(a->reserved[3], a->mem, VTA_ISA_F_COMMON_COUNT); /* FINISH: the header only */
  uint64_t u[2];
  reserved_mask(u, a->uop, VTA_ISA_FU_COUNT);
  a->uop_reserved = (uint32_t)u[0];
  a->shift_max = (1 << (c->LOG_ACC_WIDTH - 1)) - 1;
  a->shift_min = -(1 << (c->LOG_ACC_WIDTH - 1));
  return 0;
}

int vta_isa_check_config(const VTAISAConfig *cfg, char *why, size_t why_len) {
  VTAISAArch a;
  return vta_isa_arch_init(&a, cfg, why, why_len) ? 1 : 0;
}

int vta_isa_field_layout(const VTAISAArch *a, int32_t kind, const char *name, uint32_t *offset,
                         uint32_t *width) {
  if (!a || !name) return -1;
  /* hw_spec.h spells these pop_prev_dep ... push_next_dep and reset_reg. */
  static const char *const aliases[5][2] = {{"pop_prev_dep", "pop_prev"},
                                            {"pop_next_dep", "pop_next"},
                                            {"push_prev_dep", "push_prev"},
                                            {"push_next_dep", "push_next"},
                                            {"reset_reg", "reset"}};
  for (int i = 0; i < 5; i++)
    if (strcmp(name, aliases[i][0]) == 0) name = aliases[i][1];
  const VTAISAField *fields;
  const char *const *names;
  int n;
  switch (kind) {
    case VTA_ISA_LAYOUT_MEM: fields = a->mem, names = k_mem_names, n = VTA_ISA_FM_COUNT; break;
    case VTA_ISA_LAYOUT_GEMM: fields = a->gemm, names = k_gemm_names, n = VTA_ISA_FG_COUNT; break;
    case VTA_ISA_LAYOUT_ALU: fields = a->alu, names = k_alu_names, n = VTA_ISA_FA_COUNT; break;
    case VTA_ISA_LAYOUT_FINISH: fields = a->mem, names = k_mem_names, n = VTA_ISA_F_COMMON_COUNT; break;
    case VTA_ISA_LAYOUT_UOP: fields = a->uop, names = k_uop_names, n = VTA_ISA_FU_COUNT; break;
    default: return -1;
  }
  for (int i = 0; i < n; i++) {
    /* Instruction kinds share the common header fields; the uop has none. */
    const char *nm = kind == VTA_ISA_LAYOUT_UOP ? names[i] : field_name(names, i);
    if (strcmp(nm, name) == 0) {
      if (offset) *offset = fields[i].offset;
      if (width) *width = fields[i].width;
      return 0;
    }
  }
  return -1;
}
