/*
 * sim_decode.c — every check that depends only on the instruction word (not on SRAM or
 * DRAM state), on top of CVTAISA's decoder (vta_isa_decode: the derived layouts). Running
 * these checks over the whole stream before executing anything means a malformed stream
 * fails without side effects, whatever its position. Like upstream, the simulator ignores
 * bits outside the fields (the stream verifier, vta_verify.h, rejects them).
 */
#include <stdio.h>
#include <string.h>

#include "sim_internal.h"

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

static int check_mem(const sim_arch *a, sim_insn *o, char *msg, size_t n) {
  int pads = o->y_pad0 || o->y_pad1 || o->x_pad0 || o->x_pad1;
  const char *tn = vta_isa_mem_type_name(o->mem_type);

  if (o->opcode == OP_STORE) {
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

  switch (o->mem_type) { /* vta_isa_decode assigned the module */
    case VTA_SIM_MEM_INP:
    case VTA_SIM_MEM_WGT:
    case VTA_SIM_MEM_UOP:
    case VTA_SIM_MEM_ACC: break;
    case VTA_SIM_MEM_ACC_8BIT:
      if (a->cfg.profile != VTA_SIM_PROFILE_EXTENDED)
        return fail(o, msg, n, VTA_SIM_ERR_DECODE,
                    "memory type ACC_8BIT (5) needs the extended ISA profile");
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

static int check_alu(const sim_arch *a, sim_insn *o, char *msg, size_t n) {
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
  uint32_t problems = vta_isa_decode(a, b, index, o);
  if (problems & VTA_ISA_BAD_OPCODE)
    return fail(o, msg, n, VTA_SIM_ERR_DECODE, "invalid opcode %u", o->opcode);
  /* Memory types and ALU opcodes are checked below with the simulator's own rules (a
   * STORE no-op may carry any memory type); reserved bits are ignored, as upstream. */
  switch (o->opcode) {
    case OP_LOAD:
    case OP_STORE: return check_mem(a, o, msg, n);
    case OP_GEMM: return check_uop_range(a, o, msg, n);
    case OP_ALU: return check_alu(a, o, msg, n);
    default: return 0; /* FINISH */
  }
}
