/*
 * sim_decode.c — instruction decoding with the configuration's derived layout, and
 * every check that depends only on the instruction word (not on SRAM or DRAM state).
 * Running these checks over the whole stream before executing anything means a
 * malformed stream fails without side effects, whatever its position.
 */
#include <stdio.h>
#include <string.h>

#include "sim_internal.h"

static uint32_t get(const uint64_t w[2], sim_field f) {
  uint64_t v = f.offset >= 64 ? w[1] >> (f.offset - 64) : w[0] >> f.offset;
  return (uint32_t)(v & ((1ull << f.width) - 1)); /* fields are at most 32 bits wide */
}

static const char *const k_mem_type_names[8] = {"UOP", "WGT", "INP", "ACC",
                                                "OUT", "ACC_8BIT", "type6", "type7"};

const char *sim_insn_name(const sim_insn *insn) {
  static const char *const load[8] = {"LOAD UOP", "LOAD WGT",      "LOAD INP",   "LOAD ACC",
                                      "LOAD OUT", "LOAD ACC_8BIT", "LOAD type6", "LOAD type7"};
  static const char *const alu[8] = {"ALU MIN", "ALU MAX", "ALU ADD", "ALU SHR",
                                     "ALU MUL", "ALU op5", "ALU op6", "ALU op7"};
  switch (insn->opcode) {
    case OP_LOAD: return load[insn->mem_type & 7];
    case OP_STORE: return "STORE";
    case OP_GEMM: return "GEMM";
    case OP_FINISH: return "FINISH";
    case OP_ALU: return alu[insn->alu_op & 7];
    default: return "invalid opcode";
  }
}

static int fail(const sim_insn *o, char *msg, size_t n, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
static int fail(const sim_insn *o, char *msg, size_t n, int code, const char *fmt, ...) {
  if (msg && n) {
    int k = snprintf(msg, n, "insn %u (%s): ", o->index, sim_insn_name(o));
    if (k >= 0 && (size_t)k < n) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(msg + k, n - (size_t)k, fmt, ap);
      va_end(ap);
    }
  }
  return code;
}

static int decode_mem(const sim_arch *a, const uint64_t w[2], sim_insn *o, char *msg, size_t n) {
  const sim_field *f = a->mem;
  o->mem_type = (uint8_t)get(w, f[FM_MEMTYPE]);
  o->sram_base = get(w, f[FM_SRAM]);
  o->dram_base = get(w, f[FM_DRAM]);
  o->y_size = get(w, f[FM_YSIZE]);
  o->x_size = get(w, f[FM_XSIZE]);
  o->x_stride = get(w, f[FM_XSTRIDE]);
  o->y_pad0 = get(w, f[FM_YPAD0]);
  o->y_pad1 = get(w, f[FM_YPAD1]);
  o->x_pad0 = get(w, f[FM_XPAD0]);
  o->x_pad1 = get(w, f[FM_XPAD1]);
  int pads = o->y_pad0 || o->y_pad1 || o->x_pad0 || o->x_pad1;
  const char *tn = k_mem_type_names[o->mem_type & 7];

  if (o->opcode == OP_STORE) {
    o->module = MOD_STORE;
    /* The store module has no next module: these bits name queues that do not exist. */
    if (o->pop_next || o->push_next)
      return fail(o, msg, n, VTA_SIM_ERR_DECODE,
                  "a store-module instruction must not set pop_next/push_next");
    /* A no-op that only moves tokens. Its memory type is irrelevant (TVM's runtime emits
     * store no-ops with memory type UOP; the hardware ignores the field). */
    if (o->x_size == 0) return 0;
    if (o->mem_type != VTA_SIM_MEM_OUT)
      return fail(o, msg, n, VTA_SIM_ERR_DECODE,
                  "STORE of memory type %s (%u): only OUT can be stored", tn, o->mem_type);
    if (pads)
      return fail(o, msg, n, VTA_SIM_ERR_DECODE, "STORE with padding (pads must be 0)");
    uint64_t end = (uint64_t)o->sram_base + (uint64_t)o->y_size * o->x_size;
    if (end > a->depth[VTA_SIM_MEM_ACC])
      return fail(o, msg, n, VTA_SIM_ERR_SRAM,
                  "OUT range sram_base %u + y_size %u x x_size %u = %llu exceeds OUT depth %u",
                  o->sram_base, o->y_size, o->x_size, (unsigned long long)end,
                  a->depth[VTA_SIM_MEM_ACC]);
    return 0;
  }

  switch (o->mem_type) {
    case VTA_SIM_MEM_INP:
    case VTA_SIM_MEM_WGT: o->module = MOD_LOAD; break;
    case VTA_SIM_MEM_UOP:
    case VTA_SIM_MEM_ACC: o->module = MOD_COMPUTE; break;
    case VTA_SIM_MEM_ACC_8BIT:
      if (a->cfg.profile != VTA_SIM_PROFILE_EXTENDED)
        return fail(o, msg, n, VTA_SIM_ERR_DECODE,
                    "memory type ACC_8BIT (5) needs the extended ISA profile");
      o->module = MOD_COMPUTE;
      break;
    default:
      return fail(o, msg, n, VTA_SIM_ERR_DECODE, "invalid LOAD memory type %s (%u)", tn,
                  o->mem_type);
  }
  if (o->module == MOD_LOAD && (o->pop_prev || o->push_prev))
    return fail(o, msg, n, VTA_SIM_ERR_DECODE,
                "a load-module instruction must not set pop_prev/push_prev");
  if (o->x_size == 0) return 0;

  uint32_t depth = a->depth[o->mem_type == VTA_SIM_MEM_ACC_8BIT ? VTA_SIM_MEM_ACC : o->mem_type];
  uint64_t rows = o->y_size, cols = o->x_size;
  if (o->mem_type == VTA_SIM_MEM_UOP || o->mem_type == VTA_SIM_MEM_WGT) {
    /* The HLS design has no padding logic for these buffers. */
    if (pads)
      return fail(o, msg, n, VTA_SIM_ERR_DECODE, "%s loads cannot be padded (pads must be 0)", tn);
    /* The HLS design copies x_size uops and ignores y_size/x_stride; the upstream
     * simulator walks y_size rows. They agree only for one row. */
    if (o->mem_type == VTA_SIM_MEM_UOP && o->y_size != 1)
      return fail(o, msg, n, VTA_SIM_ERR_DECODE,
                  "UOP loads must have y_size 1 (got %u): the hardware ignores y_size", o->y_size);
  } else {
    rows += (uint64_t)o->y_pad0 + o->y_pad1;
    cols += (uint64_t)o->x_pad0 + o->x_pad1;
  }
  uint64_t end = o->sram_base + rows * cols;
  if (end > depth)
    return fail(o, msg, n, VTA_SIM_ERR_SRAM,
                "%s range sram_base %u + %llu rows x %llu elements = %llu exceeds depth %u", tn,
                o->sram_base, (unsigned long long)rows, (unsigned long long)cols,
                (unsigned long long)end, depth);
  return 0;
}

static int check_uop_range(const sim_arch *a, sim_insn *o, char *msg, size_t n) {
  if (o->uop_bgn > o->uop_end)
    return fail(o, msg, n, VTA_SIM_ERR_DECODE, "uop_bgn %u > uop_end %u", o->uop_bgn, o->uop_end);
  if (o->uop_end > a->depth[VTA_SIM_MEM_UOP])
    return fail(o, msg, n, VTA_SIM_ERR_SRAM, "uop_end %u exceeds UOP depth %u", o->uop_end,
                a->depth[VTA_SIM_MEM_UOP]);
  return 0;
}

static int decode_gemm(const sim_arch *a, const uint64_t w[2], sim_insn *o, char *msg, size_t n) {
  const sim_field *f = a->gemm;
  o->module = MOD_COMPUTE;
  o->reset = (uint8_t)get(w, f[FG_RESET]);
  o->uop_bgn = get(w, f[FG_UOP_BGN]);
  o->uop_end = get(w, f[FG_UOP_END]);
  o->iter_out = get(w, f[FG_ITER_OUT]);
  o->iter_in = get(w, f[FG_ITER_IN]);
  o->dst_fo = get(w, f[FG_DST_FO]);
  o->dst_fi = get(w, f[FG_DST_FI]);
  o->src_fo = get(w, f[FG_SRC_FO]);
  o->src_fi = get(w, f[FG_SRC_FI]);
  o->wgt_fo = get(w, f[FG_WGT_FO]);
  o->wgt_fi = get(w, f[FG_WGT_FI]);
  return check_uop_range(a, o, msg, n);
}

static int decode_alu(const sim_arch *a, const uint64_t w[2], sim_insn *o, char *msg, size_t n) {
  const sim_field *f = a->alu;
  o->module = MOD_COMPUTE;
  o->reset = (uint8_t)get(w, f[FA_RESET]);
  o->uop_bgn = get(w, f[FA_UOP_BGN]);
  o->uop_end = get(w, f[FA_UOP_END]);
  o->iter_out = get(w, f[FA_ITER_OUT]);
  o->iter_in = get(w, f[FA_ITER_IN]);
  o->dst_fo = get(w, f[FA_DST_FO]);
  o->dst_fi = get(w, f[FA_DST_FI]);
  o->src_fo = get(w, f[FA_SRC_FO]);
  o->src_fi = get(w, f[FA_SRC_FI]);
  o->alu_op = (uint8_t)get(w, f[FA_OPCODE]);
  o->use_imm = (uint8_t)get(w, f[FA_USE_IMM]);
  uint32_t raw = get(w, f[FA_IMM]);
  uint32_t wbits = f[FA_IMM].width;
  /* Sign-extend the immediate from its field width. */
  o->imm = (int32_t)(raw ^ (1u << (wbits - 1))) - (int32_t)(1u << (wbits - 1));

  if (o->alu_op > ALU_MUL)
    return fail(o, msg, n, VTA_SIM_ERR_DECODE, "invalid ALU opcode %u", o->alu_op);
  if (o->alu_op == ALU_MUL && a->cfg.profile != VTA_SIM_PROFILE_EXTENDED)
    return fail(o, msg, n, VTA_SIM_ERR_DECODE, "ALU MUL (4) needs the extended ISA profile");
  if (o->alu_op == ALU_SHR && o->use_imm && a->cfg.profile == VTA_SIM_PROFILE_STOCK) {
    /* The HLS ALU reads the shift amount as a signed LOG_ACC_WIDTH-bit number. */
    int32_t lim = 1 << (a->cfg.LOG_ACC_WIDTH - 1);
    if (o->imm < -lim || o->imm >= lim)
      return fail(o, msg, n, VTA_SIM_ERR_DECODE,
                  "SHR amount %d is outside %d..%d, the range the stock hardware reads",
                  o->imm, -lim, lim - 1);
  }
  return check_uop_range(a, o, msg, n);
}

int sim_decode(const sim_arch *a, const uint8_t *b, uint32_t index, sim_insn *o, char *msg,
               size_t n) {
  uint64_t w[2] = {0, 0};
  /* Instructions are little-endian 128-bit words, whatever the host. */
  for (int i = 7; i >= 0; i--) {
    w[0] = (w[0] << 8) | b[i];
    w[1] = (w[1] << 8) | b[8 + i];
  }
  memset(o, 0, sizeof *o);
  o->index = index;
  o->opcode = (uint8_t)get(w, a->mem[F_OPCODE]);
  o->pop_prev = (uint8_t)get(w, a->mem[F_POP_PREV]);
  o->pop_next = (uint8_t)get(w, a->mem[F_POP_NEXT]);
  o->push_prev = (uint8_t)get(w, a->mem[F_PUSH_PREV]);
  o->push_next = (uint8_t)get(w, a->mem[F_PUSH_NEXT]);
  switch (o->opcode) {
    case OP_LOAD:
    case OP_STORE: return decode_mem(a, w, o, msg, n);
    case OP_GEMM: return decode_gemm(a, w, o, msg, n);
    case OP_ALU: return decode_alu(a, w, o, msg, n);
    case OP_FINISH: o->module = MOD_COMPUTE; return 0;
    default: return fail(o, msg, n, VTA_SIM_ERR_DECODE, "invalid opcode %u", o->opcode);
  }
}
