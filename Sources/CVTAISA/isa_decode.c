/*
 * isa_decode.c — instruction words to fields and back, with the layouts of a VTAISAArch.
 * Decoding reports what makes a word invalid (opcode, memory type, ALU opcode, stray
 * bits) but never decides what to do about it: that is the caller's policy.
 */
#include <string.h>

#include "include/vta_isa.h"

/* Fields never straddle bit 64 (the layout rule guarantees it). */
static uint32_t get(const uint64_t w[2], VTAISAField f) {
  uint64_t v = f.offset >= 64 ? w[1] >> (f.offset - 64) : w[0] >> f.offset;
  return (uint32_t)(v & ((1ull << f.width) - 1)); /* fields are at most 32 bits wide */
}

static int put(uint64_t w[2], VTAISAField f, uint64_t value) {
  uint64_t mask = (1ull << f.width) - 1;
  if (value > mask) return -1;
  if (f.offset >= 64)
    w[1] |= value << (f.offset - 64);
  else
    w[0] |= value << f.offset;
  return 0;
}

int vta_isa_module_of(uint32_t opcode, uint32_t mem_type) {
  switch (opcode) {
    case VTA_ISA_OP_LOAD:
      return mem_type == VTA_ISA_MEM_INP || mem_type == VTA_ISA_MEM_WGT ? VTA_ISA_MODULE_LOAD
                                                                        : VTA_ISA_MODULE_COMPUTE;
    case VTA_ISA_OP_STORE: return VTA_ISA_MODULE_STORE;
    default: return VTA_ISA_MODULE_COMPUTE;
  }
}

int vta_isa_queue_of(int32_t module, int32_t flag) {
  /* [module][pop_prev, pop_next, push_prev, push_next] */
  static const int8_t k_queue[VTA_ISA_MODULES][4] = {
      {-1, VTA_ISA_QUEUE_G2L, -1, VTA_ISA_QUEUE_L2G},
      {VTA_ISA_QUEUE_L2G, VTA_ISA_QUEUE_S2G, VTA_ISA_QUEUE_G2L, VTA_ISA_QUEUE_G2S},
      {VTA_ISA_QUEUE_G2S, -1, VTA_ISA_QUEUE_S2G, -1},
  };
  if (module < 0 || module >= VTA_ISA_MODULES || flag < 0 || flag > 3) return -1;
  return k_queue[module][flag];
}

const char *vta_isa_mem_type_name(uint32_t t) {
  static const char *const names[8] = {"UOP", "WGT", "INP", "ACC", "OUT", "ACC_8BIT", "type6", "type7"};
  return names[t & 7];
}

const char *vta_isa_queue_name(int32_t q) {
  static const char *const names[VTA_ISA_QUEUES] = {"l2g", "g2l", "g2s", "s2g"};
  return q >= 0 && q < VTA_ISA_QUEUES ? names[q] : "?";
}

const char *vta_isa_module_name(int32_t m) {
  static const char *const names[VTA_ISA_MODULES] = {"load", "compute", "store"};
  return m >= 0 && m < VTA_ISA_MODULES ? names[m] : "?";
}

const char *vta_isa_insn_name(const VTAISAInsn *insn) {
  static const char *const load[8] = {"LOAD UOP", "LOAD WGT",      "LOAD INP",   "LOAD ACC",
                                      "LOAD OUT", "LOAD ACC_8BIT", "LOAD type6", "LOAD type7"};
  static const char *const alu[8] = {"ALU MIN", "ALU MAX", "ALU ADD", "ALU SHR",
                                     "ALU MUL", "ALU op5", "ALU op6", "ALU op7"};
  switch (insn->opcode) {
    case VTA_ISA_OP_LOAD: return load[insn->mem_type & 7];
    case VTA_ISA_OP_STORE: return "STORE";
    case VTA_ISA_OP_GEMM: return "GEMM";
    case VTA_ISA_OP_FINISH: return "FINISH";
    case VTA_ISA_OP_ALU: return alu[insn->alu_op & 7];
    default: return "invalid opcode";
  }
}

static void read_word(const uint8_t *b, uint64_t w[2]) {
  /* Instructions are little-endian 128-bit words, whatever the host. */
  w[0] = w[1] = 0;
  for (int i = 7; i >= 0; i--) {
    w[0] = (w[0] << 8) | b[i];
    w[1] = (w[1] << 8) | b[8 + i];
  }
}

static void decode_loops(const VTAISAField *f, const uint64_t w[2], VTAISAInsn *o) {
  /* GEMM and ALU declare reset, uop_bgn ... src_factor_in at the same indices. */
  o->reset = (uint8_t)get(w, f[VTA_ISA_FG_RESET]);
  o->uop_bgn = get(w, f[VTA_ISA_FG_UOP_BGN]);
  o->uop_end = get(w, f[VTA_ISA_FG_UOP_END]);
  o->iter_out = get(w, f[VTA_ISA_FG_ITER_OUT]);
  o->iter_in = get(w, f[VTA_ISA_FG_ITER_IN]);
  o->dst_fo = get(w, f[VTA_ISA_FG_DST_FO]);
  o->dst_fi = get(w, f[VTA_ISA_FG_DST_FI]);
  o->src_fo = get(w, f[VTA_ISA_FG_SRC_FO]);
  o->src_fi = get(w, f[VTA_ISA_FG_SRC_FI]);
}

uint32_t vta_isa_decode(const VTAISAArch *a, const uint8_t *b, uint32_t index, VTAISAInsn *o) {
  uint64_t w[2];
  read_word(b, w);
  memset(o, 0, sizeof *o);
  o->index = index;
  const VTAISAField *h = a->mem; /* the header is the same in every kind */
  o->opcode = (uint8_t)get(w, h[VTA_ISA_F_OPCODE]);
  o->pop_prev = (uint8_t)get(w, h[VTA_ISA_F_POP_PREV]);
  o->pop_next = (uint8_t)get(w, h[VTA_ISA_F_POP_NEXT]);
  o->push_prev = (uint8_t)get(w, h[VTA_ISA_F_PUSH_PREV]);
  o->push_next = (uint8_t)get(w, h[VTA_ISA_F_PUSH_NEXT]);
  o->module = VTA_ISA_MODULE_COMPUTE;
  const uint64_t *reserved;
  uint32_t problems = 0;
  switch (o->opcode) {
    case VTA_ISA_OP_LOAD:
    case VTA_ISA_OP_STORE: {
      const VTAISAField *f = a->mem;
      reserved = a->reserved[VTA_ISA_LAYOUT_MEM];
      o->mem_type = (uint8_t)get(w, f[VTA_ISA_FM_MEMTYPE]);
      o->sram_base = get(w, f[VTA_ISA_FM_SRAM]);
      o->dram_base = get(w, f[VTA_ISA_FM_DRAM]);
      o->y_size = get(w, f[VTA_ISA_FM_YSIZE]);
      o->x_size = get(w, f[VTA_ISA_FM_XSIZE]);
      o->x_stride = get(w, f[VTA_ISA_FM_XSTRIDE]);
      o->y_pad0 = get(w, f[VTA_ISA_FM_YPAD0]);
      o->y_pad1 = get(w, f[VTA_ISA_FM_YPAD1]);
      o->x_pad0 = get(w, f[VTA_ISA_FM_XPAD0]);
      o->x_pad1 = get(w, f[VTA_ISA_FM_XPAD1]);
      o->module = (uint8_t)vta_isa_module_of(o->opcode, o->mem_type);
      if (o->mem_type >= VTA_ISA_MEM_TYPES) problems |= VTA_ISA_BAD_MEM_TYPE;
      break;
    }
    case VTA_ISA_OP_GEMM: {
      const VTAISAField *f = a->gemm;
      reserved = a->reserved[VTA_ISA_LAYOUT_GEMM];
      decode_loops(f, w, o);
      o->wgt_fo = get(w, f[VTA_ISA_FG_WGT_FO]);
      o->wgt_fi = get(w, f[VTA_ISA_FG_WGT_FI]);
      break;
    }
    case VTA_ISA_OP_ALU: {
      const VTAISAField *f = a->alu;
      reserved = a->reserved[VTA_ISA_LAYOUT_ALU];
      decode_loops(f, w, o);
      o->alu_op = (uint8_t)get(w, f[VTA_ISA_FA_OPCODE]);
      o->use_imm = (uint8_t)get(w, f[VTA_ISA_FA_USE_IMM]);
      uint32_t raw = get(w, f[VTA_ISA_FA_IMM]);
      uint32_t sign = 1u << (f[VTA_ISA_FA_IMM].width - 1);
      o->imm = (int32_t)(raw ^ sign) - (int32_t)sign; /* sign-extend from the field width */
      if (o->alu_op > VTA_ISA_ALU_MUL) problems |= VTA_ISA_BAD_ALU_OPCODE;
      break;
    }
    case VTA_ISA_OP_FINISH: reserved = a->reserved[3]; break;
    default: return VTA_ISA_BAD_OPCODE;
  }
  if ((w[0] & reserved[0]) || (w[1] & reserved[1])) problems |= VTA_ISA_RESERVED_BITS;
  return problems;
}

int vta_isa_encode(const VTAISAArch *a, const VTAISAInsn *in, uint8_t *b) {
  uint64_t w[2] = {0, 0};
  const VTAISAField *h = a->mem;
  int bad = 0;
#define PUT(fields, idx, value) \
  do {                          \
    if (!bad && put(w, (fields)[idx], (uint64_t)(value))) bad = 1 + (idx); \
  } while (0)
  PUT(h, VTA_ISA_F_OPCODE, in->opcode);
  PUT(h, VTA_ISA_F_POP_PREV, in->pop_prev);
  PUT(h, VTA_ISA_F_POP_NEXT, in->pop_next);
  PUT(h, VTA_ISA_F_PUSH_PREV, in->push_prev);
  PUT(h, VTA_ISA_F_PUSH_NEXT, in->push_next);
  switch (in->opcode) {
    case VTA_ISA_OP_LOAD:
    case VTA_ISA_OP_STORE:
      PUT(h, VTA_ISA_FM_MEMTYPE, in->mem_type);
      PUT(h, VTA_ISA_FM_SRAM, in->sram_base);
      PUT(h, VTA_ISA_FM_DRAM, in->dram_base);
      PUT(h, VTA_ISA_FM_YSIZE, in->y_size);
      PUT(h, VTA_ISA_FM_XSIZE, in->x_size);
      PUT(h, VTA_ISA_FM_XSTRIDE, in->x_stride);
      PUT(h, VTA_ISA_FM_YPAD0, in->y_pad0);
      PUT(h, VTA_ISA_FM_YPAD1, in->y_pad1);
      PUT(h, VTA_ISA_FM_XPAD0, in->x_pad0);
      PUT(h, VTA_ISA_FM_XPAD1, in->x_pad1);
      break;
    case VTA_ISA_OP_GEMM:
    case VTA_ISA_OP_ALU: {
      const VTAISAField *f = in->opcode == VTA_ISA_OP_GEMM ? a->gemm : a->alu;
      PUT(f, VTA_ISA_FG_RESET, in->reset);
      PUT(f, VTA_ISA_FG_UOP_BGN, in->uop_bgn);
      PUT(f, VTA_ISA_FG_UOP_END, in->uop_end);
      PUT(f, VTA_ISA_FG_ITER_OUT, in->iter_out);
      PUT(f, VTA_ISA_FG_ITER_IN, in->iter_in);
      PUT(f, VTA_ISA_FG_DST_FO, in->dst_fo);
      PUT(f, VTA_ISA_FG_DST_FI, in->dst_fi);
      PUT(f, VTA_ISA_FG_SRC_FO, in->src_fo);
      PUT(f, VTA_ISA_FG_SRC_FI, in->src_fi);
      if (in->opcode == VTA_ISA_OP_GEMM) {
        PUT(f, VTA_ISA_FG_WGT_FO, in->wgt_fo);
        PUT(f, VTA_ISA_FG_WGT_FI, in->wgt_fi);
      } else {
        PUT(f, VTA_ISA_FA_OPCODE, in->alu_op);
        PUT(f, VTA_ISA_FA_USE_IMM, in->use_imm);
        unsigned iw = f[VTA_ISA_FA_IMM].width;
        int32_t lo = -(1 << (iw - 1)), hi = (1 << (iw - 1)) - 1;
        if (!bad && (in->imm < lo || in->imm > hi)) bad = 1 + VTA_ISA_FA_IMM;
        PUT(f, VTA_ISA_FA_IMM, (uint32_t)in->imm & ((1u << iw) - 1u));
      }
      break;
    }
    default: break; /* FINISH (and invalid opcodes): the header only */
  }
#undef PUT
  if (bad) return bad;
  for (int i = 0; i < 8; i++) {
    b[i] = (uint8_t)(w[0] >> (8 * i));
    b[8 + i] = (uint8_t)(w[1] >> (8 * i));
  }
  return 0;
}

int vta_isa_encode_uop(const VTAISAArch *a, uint32_t dst, uint32_t src, uint32_t wgt,
                       uint32_t *word) {
  uint64_t w[2] = {0, 0};
  if (put(w, a->uop[VTA_ISA_FU_DST], dst) || put(w, a->uop[VTA_ISA_FU_SRC], src) ||
      put(w, a->uop[VTA_ISA_FU_WGT], wgt))
    return -1;
  *word = (uint32_t)w[0];
  return 0;
}
