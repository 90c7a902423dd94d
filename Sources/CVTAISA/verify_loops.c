/*
 * verify_loops.c — the GEMM/ALU loop nest over known micro-ops, in closed form.
 *
 * Executions run `for i < iter_out { for j < iter_in { for u in uop_bgn..<uop_end } }`
 * and an operand's index is base[u] + i*factor_out + j*factor_in. Nothing here iterates
 * over executions: a stream with 2^14 x 2^14 x 8192 of them costs as much as one with 8192
 * (the work is linear in uop_end - uop_bgn), as in the Swift UopLoopAnalysis.
 */
#include "verify_internal.h"

typedef struct {
  const char *name; /* "dst", "src", "wgt" */
  int field;        /* VTA_ISA_FU_* */
  uint32_t buffer;  /* VTA_ISA_MEM_UOP..ACC: the SRAM it indexes */
  uint64_t fo, fi;  /* factor_out, factor_in */
} operand;

static uint32_t base_of(const vctx *v, uint32_t slot, int field) {
  uint32_t f[3];
  vta_isa_uop_fields(v->a, v->uop_word[slot], &f[0], &f[1], &f[2]);
  return f[field];
}

static const char *buffer_name(uint32_t b) {
  static const char *const names[4] = {"UOP", "WGT", "INP", "ACC"};
  return names[b & 3];
}

static uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* Reports the first micro-op whose last index leaves the buffer, naming the first
 * iteration that does. Returns 1 if one does. */
static int check_operand(vctx *v, const VTAISAInsn *x, const operand *op) {
  const uint64_t depth = v->a->depth[op->buffer];
  const uint64_t io = x->iter_out - 1, ii = x->iter_in - 1;
  const uint64_t reach = io * op->fo + ii * op->fi;
  for (uint32_t u = x->uop_bgn; u < x->uop_end; u++) {
    const uint64_t base = base_of(v, u, op->field);
    if (base + reach < depth) continue;
    /* First i whose inner loop leaves the buffer, then the first such j. */
    uint64_t i = 0;
    if (base + ii * op->fi < depth) i = ceil_div(depth - base - ii * op->fi, op->fo);
    const uint64_t outer = base + i * op->fo;
    uint64_t j = outer >= depth ? 0 : ceil_div(depth - outer, op->fi ? op->fi : 1);
    if (j > ii) j = ii;
    v_report(v, x->index, VTA_VERIFY_RULE_SRAM_RANGE,
             "%s index of uop %u at i=%llu, j=%llu is %llu, past the end of the %llu-element %s "
             "buffer (base %llu, factors %llu,%llu)",
             op->name, u, (unsigned long long)i, (unsigned long long)j,
             (unsigned long long)(outer + j * op->fi), (unsigned long long)depth,
             buffer_name(op->buffer), (unsigned long long)base, (unsigned long long)op->fo,
             (unsigned long long)op->fi);
    return 1;
  }
  return 0;
}

typedef struct {
  uint32_t i, j, p; /* block (i, j), position p in uop_bgn..<uop_end */
} exec_pos;

static void report_hazard(vctx *v, const VTAISAInsn *x, exec_pos later, exec_pos earlier,
                          int distance) {
  const int64_t idx = (int64_t)base_of(v, x->uop_bgn + later.p, VTA_ISA_FU_DST) +
                      (int64_t)later.i * x->dst_fo + (int64_t)later.j * x->dst_fi;
  v_report(v, x->index, VTA_VERIFY_RULE_ACC_HAZARD,
           "uop %u at i=%u, j=%u writes ACC[%lld], which uop %u at i=%u, j=%u wrote %s earlier: "
           "the pipeline does not forward accumulators (move reductions out of the micro-op "
           "kernel)",
           x->uop_bgn + later.p, later.i, later.j, (long long)idx, x->uop_bgn + earlier.p, earlier.i,
           earlier.j, distance == 1 ? "one execution" : "two executions");
}

/*
 * The accumulator hazard: execution n writes the index execution n-1 or n-2 wrote. Only
 * differences between executions at most two apart matter, and they take few forms:
 * within a block the micro-ops' own bases; across a block boundary the bases shifted by
 * factor_in (j -> j+1) or by factor_out - (iter_in-1)*factor_in (i -> i+1, j wraps to 0);
 * with a single micro-op, two boundaries. Each form is the same at every occurrence, so
 * checking its first occurrence suffices: linear in the micro-op count.
 */
static void check_hazard(vctx *v, const VTAISAInsn *x) {
  const uint32_t L = x->uop_end - x->uop_bgn;
  const int64_t in_delta = x->dst_fi;
  const int64_t wrap_delta = (int64_t)x->dst_fo - (int64_t)(x->iter_in - 1) * x->dst_fi;
#define B(p) ((int64_t)base_of(v, x->uop_bgn + (p), VTA_ISA_FU_DST))
  /* Within a block. */
  for (uint32_t p = 0; p < L; p++) {
    for (uint32_t k = 1; k <= 2; k++) {
      if (p >= k && B(p - k) == B(p)) {
        report_hazard(v, x, (exec_pos){0, 0, p}, (exec_pos){0, 0, p - k}, (int)k);
        return;
      }
    }
  }
  /* Across one boundary: the later execution is at position p of the next block, the
   * earlier one at position p - k + L of the previous block. */
  struct {
    exec_pos from, to;
    int64_t delta;
    int present;
  } t[2] = {
      {{0, 0, 0}, {0, 1, 0}, in_delta, x->iter_in >= 2},
      {{0, x->iter_in - 1, 0}, {1, 0, 0}, wrap_delta, x->iter_out >= 2},
  };
  for (int n = 0; n < 2; n++) {
    if (!t[n].present) continue;
    for (uint32_t k = 1; k <= 2; k++) {
      for (uint32_t p = 0; p < k && p < L; p++) {
        if (p + L < k) continue;
        const uint32_t q = p + L - k;
        if (B(q) == B(p) + t[n].delta) {
          exec_pos later = t[n].to, earlier = t[n].from;
          later.p = p;
          earlier.p = q;
          report_hazard(v, x, later, earlier, (int)k);
          return;
        }
      }
    }
  }
#undef B
  /* Across two boundaries (a single micro-op, distance 2). */
  if (L == 1) {
    const uint32_t I = x->iter_out, J = x->iter_in;
    struct {
      exec_pos from, to;
      int64_t delta;
      int present;
    } pairs[4] = {
        {{0, 0, 0}, {0, 2, 0}, 2 * in_delta, J >= 3},
        {{0, J >= 2 ? J - 2 : 0, 0}, {1, 0, 0}, in_delta + wrap_delta, J >= 2 && I >= 2},
        {{0, J - 1, 0}, {1, 1, 0}, wrap_delta + in_delta, J >= 2 && I >= 2},
        {{0, 0, 0}, {2, 0, 0}, 2 * wrap_delta, J == 1 && I >= 3},
    };
    for (int n = 0; n < 4; n++) {
      if (pairs[n].present && pairs[n].delta == 0) {
        report_hazard(v, x, pairs[n].to, pairs[n].from, 2);
        return;
      }
    }
  }
}

int v_check_loop(vctx *v, const VTAISAInsn *x) {
  const uint32_t uop_depth = v->a->depth[VTA_ISA_MEM_UOP];
  if (x->uop_bgn > x->uop_end) {
    v_report(v, x->index, VTA_VERIFY_RULE_UOP_RANGE, "uop_bgn %u is after uop_end %u", x->uop_bgn,
             x->uop_end);
    return 0;
  }
  if (x->uop_end > uop_depth) {
    v_report(v, x->index, VTA_VERIFY_RULE_UOP_RANGE,
             "micro-ops %u..<%u run past the %u-entry micro-op buffer", x->uop_bgn, x->uop_end,
             uop_depth);
    return 0;
  }
  /* Loops that execute nothing touch nothing (the Swift verifier warns: loop.empty). */
  if (x->iter_out == 0 || x->iter_in == 0 || x->uop_bgn == x->uop_end) return 0;

  uint32_t undefined = 0, first_undefined = 0;
  for (uint32_t u = x->uop_bgn; u < x->uop_end; u++) {
    if (!v->uop_defined[u] && !undefined++) first_undefined = u;
  }
  if (undefined) {
    v_report(v, x->index, VTA_VERIFY_RULE_UOP_UNDEFINED,
             "micro-op slot %u (and %u more of %u..<%u) holds nothing a LOAD UOP of this stream put "
             "there",
             first_undefined, undefined - 1, x->uop_bgn, x->uop_end);
    return 0;
  }

  operand ops[3];
  int n = 0;
  ops[n++] = (operand){"dst", VTA_ISA_FU_DST, VTA_ISA_MEM_ACC, x->dst_fo, x->dst_fi};
  if (x->opcode == VTA_ISA_OP_ALU) {
    /* The source must be a valid index even when the immediate is used. */
    ops[n++] = (operand){"src", VTA_ISA_FU_SRC, VTA_ISA_MEM_ACC, x->src_fo, x->src_fi};
  } else if (!x->reset) {
    ops[n++] = (operand){"src", VTA_ISA_FU_SRC, VTA_ISA_MEM_INP, x->src_fo, x->src_fi};
    ops[n++] = (operand){"wgt", VTA_ISA_FU_WGT, VTA_ISA_MEM_WGT, x->wgt_fo, x->wgt_fi};
  }
  int out = 0;
  for (int k = 0; k < n; k++) out |= check_operand(v, x, &ops[k]);
  if (out) return 0;
  /* GEMM reset does not read the accumulators: no hazard. In the quiet race pass the
   * hazard decides nothing. */
  if (!v->quiet && (x->opcode == VTA_ISA_OP_ALU || !x->reset)) check_hazard(v, x);
  return 1;
}
