/*
 * sim_exec_compute.c — GEMM and ALU: the micro-op loops of the compute module.
 *
 * Every index is range-checked once per instruction (indices grow monotonically with
 * the loop counters, so checking the last iteration of each uop suffices); the inner
 * loops then run without bounds checks. Optional checks (poison, races, hazards) cost
 * a few loads per uop execution and are skipped entirely when all are off.
 */
#include <string.h>

#include "sim_internal.h"

/* ---------------------------------------------------------------- GEMM kernels */

/*
 * One GEMM uop: acc[b][o] += sum_k inp[b][k] * wgt[o][k] (weights stored [out][in]),
 * with int32 wrap-around, and the low 8 bits into the OUT mirror. Written as plain
 * loops over int8 -> int32 products so that the compiler vectorizes the k loop; the
 * wrappers below give it a constant BLOCK_IN for the common sizes.
 */
static inline __attribute__((always_inline)) void gemm_uop_impl(
    int32_t *restrict acc, int8_t *restrict out, const int8_t *restrict inp,
    const int8_t *restrict wgt, uint32_t batch, uint32_t bi, uint32_t bo) {
  for (uint32_t b = 0; b < batch; b++) {
    const int8_t *x = inp + (size_t)b * bi;
    for (uint32_t o = 0; o < bo; o++) {
      const int8_t *w = wgt + (size_t)o * bi;
      int32_t s = 0;
      for (uint32_t k = 0; k < bi; k++) s += (int32_t)x[k] * (int32_t)w[k];
      uint32_t v = (uint32_t)acc[b * bo + o] + (uint32_t)s; /* wraps, no UB */
      acc[b * bo + o] = (int32_t)v;
      out[b * bo + o] = (int8_t)(uint8_t)v;
    }
  }
}

typedef void (*gemm_kernel)(int32_t *restrict, int8_t *restrict, const int8_t *restrict,
                            const int8_t *restrict, uint32_t, uint32_t, uint32_t);

#define GEMM_FIXED_BI(N)                                                                     \
  static void gemm_uop_bi##N(int32_t *restrict acc, int8_t *restrict out,                    \
                             const int8_t *restrict inp, const int8_t *restrict wgt,          \
                             uint32_t batch, uint32_t bi, uint32_t bo) {                      \
    (void)bi;                                                                                 \
    gemm_uop_impl(acc, out, inp, wgt, batch, N, bo);                                          \
  }
GEMM_FIXED_BI(8)
GEMM_FIXED_BI(16)
GEMM_FIXED_BI(32)
GEMM_FIXED_BI(64)

static void gemm_uop_any(int32_t *restrict acc, int8_t *restrict out, const int8_t *restrict inp,
                         const int8_t *restrict wgt, uint32_t batch, uint32_t bi, uint32_t bo) {
  gemm_uop_impl(acc, out, inp, wgt, batch, bi, bo);
}

static gemm_kernel pick_kernel(uint32_t bi) {
  switch (bi) {
    case 8: return gemm_uop_bi8;
    case 16: return gemm_uop_bi16;
    case 32: return gemm_uop_bi32;
    case 64: return gemm_uop_bi64;
    default: return gemm_uop_any;
  }
}

/* ---------------------------------------------------------------- shared setup */

enum { USE_SRC_INP = 1, USE_SRC_ACC = 2, USE_WGT = 4 };

static int range_fail(sim_device *d, const sim_insn *in, uint32_t u, const char *field,
                      uint32_t base, uint32_t fo, uint32_t fi, uint64_t v, const char *buf,
                      uint32_t depth) {
  return sim_fail_insn(d, in, VTA_SIM_ERR_SRAM,
                       "uop %u: %s %u + iter_out %u x %u + iter_in %u x %u = %llu exceeds %s "
                       "depth %u",
                       u, field, base, in->iter_out - 1, fo, in->iter_in - 1, fi,
                       (unsigned long long)v, buf, depth);
}

/*
 * Charge the work budget, then decode the uops [uop_bgn, uop_end) into d->uop_tmp
 * (dst, src, wgt triples) and check that every index they produce is in range.
 * Returns 0 with *iters = 0 if the loops are empty.
 */
static int prepare(sim_device *d, const sim_insn *in, int uses, uint64_t *iters) {
  const sim_arch *a = &d->arch;
  uint64_t n = (uint64_t)in->iter_out * in->iter_in * (in->uop_end - in->uop_bgn);
  *iters = n;
  if (n == 0) return 0;
  if (d->opts.max_uop_iters) {
    if (n > d->budget_left)
      return sim_fail_insn(d, in, VTA_SIM_ERR_TIMEOUT,
                           "%llu uop executions exceed what is left of the per-run budget "
                           "(VTASimOptions.max_uop_iters = %llu)",
                           (unsigned long long)n, (unsigned long long)d->opts.max_uop_iters);
    d->budget_left -= n;
  }
  uint64_t io = in->iter_out - 1, ii = in->iter_in - 1;
  uint32_t acc_depth = a->depth[VTA_SIM_MEM_ACC];
  uint32_t src_depth = uses & USE_SRC_INP ? a->depth[VTA_SIM_MEM_INP] : acc_depth;
  uint32_t wgt_depth = a->depth[VTA_SIM_MEM_WGT];
  int poison = d->opts.sram_init == VTA_SIM_SRAM_POISON;
  for (uint32_t u = in->uop_bgn; u < in->uop_end; u++) {
    if (poison && !d->uop_w[u])
      return sim_fail_insn(d, in, VTA_SIM_ERR_POISON,
                           "reads UOP element %u, which no LOAD UOP has written (poison)", u);
    uint32_t *t = d->uop_tmp + 3 * (size_t)(u - in->uop_bgn);
    sim_uop_fields(a, d->uop[u], &t[0], &t[1], &t[2]);
    uint64_t v = t[0] + io * in->dst_fo + ii * in->dst_fi;
    if (v >= acc_depth)
      return range_fail(d, in, u, "dst_idx", t[0], in->dst_fo, in->dst_fi, v, "ACC", acc_depth);
    sim_note_top(d, VTA_SIM_MEM_ACC, v + 1);
    if (uses & (USE_SRC_INP | USE_SRC_ACC)) {
      v = t[1] + io * in->src_fo + ii * in->src_fi;
      if (v >= src_depth)
        return range_fail(d, in, u, "src_idx", t[1], in->src_fo, in->src_fi, v,
                          uses & USE_SRC_INP ? "INP" : "ACC", src_depth);
      sim_note_top(d, uses & USE_SRC_INP ? VTA_SIM_MEM_INP : VTA_SIM_MEM_ACC, v + 1);
    }
    if (uses & USE_WGT) {
      v = t[2] + io * in->wgt_fo + ii * in->wgt_fi;
      if (v >= wgt_depth)
        return range_fail(d, in, u, "wgt_idx", t[2], in->wgt_fo, in->wgt_fi, v, "WGT", wgt_depth);
      sim_note_top(d, VTA_SIM_MEM_WGT, v + 1);
    }
  }
  sim_note_top(d, VTA_SIM_MEM_UOP, in->uop_end);
  return 0;
}

/* Per-uop-execution checks on the accumulator written: hazard, OUT write-after-read. */
static int check_dst(sim_device *d, const sim_insn *in, uint32_t dst, uint32_t prev1,
                     uint32_t prev2, uint32_t i, uint32_t j, uint32_t u, int hazard) {
  if (hazard && (dst == prev1 || dst == prev2))
    return sim_fail_insn(d, in, VTA_SIM_ERR_HAZARD,
                         "uop %u at iter_out %u, iter_in %u writes ACC element %u, which one of "
                         "the two uop executions before it also wrote (the pipeline does not "
                         "forward accumulators)",
                         u, i, j, dst);
  if (d->opts.check_races) {
    if (d->out_reader[dst] > d->clock[MOD_COMPUTE][MOD_STORE])
      return sim_fail_insn(d, in, VTA_SIM_ERR_RACE,
                           "overwrites ACC/OUT element %u that STORE insn %u reads, and no token "
                           "chain orders that store before this write"
                           " (a missing g2s/s2g dependency?)",
                           dst, sim_index_of(d, MOD_STORE, d->out_reader[dst]));
    d->out_writer[dst] = d->clock[MOD_COMPUTE][MOD_COMPUTE];
  }
  return 0;
}

static int poison_fail(sim_device *d, const sim_insn *in, const char *buf, uint32_t e) {
  return sim_fail_insn(d, in, VTA_SIM_ERR_POISON,
                       "reads %s element %u, which nothing has written (poison)", buf, e);
}

/* Read-after-write check on INP/WGT elements the load module writes. */
static int check_loaded(sim_device *d, const sim_insn *in, const char *buf, uint32_t e,
                        uint32_t *writer, uint32_t *reader) {
  if (writer[e] > d->clock[MOD_COMPUTE][MOD_LOAD])
    return sim_fail_insn(d, in, VTA_SIM_ERR_RACE,
                         "reads %s element %u written by LOAD insn %u, and no token chain "
                         "orders that load before this read"
                         " (a missing l2g/g2l dependency?)",
                         buf, e, sim_index_of(d, MOD_LOAD, writer[e]));
  reader[e] = d->clock[MOD_COMPUTE][MOD_COMPUTE];
  return 0;
}

/* ---------------------------------------------------------------- GEMM */

int sim_exec_gemm(sim_device *d, const sim_insn *in) {
  const sim_arch *a = &d->arch;
  VTASimCounters *c = &d->counters;
  c->gemm++;
  if (in->reset) c->gemm_reset++;
  uint64_t iters;
  int rc = prepare(d, in, in->reset ? 0 : USE_SRC_INP | USE_WGT, &iters);
  if (rc || iters == 0) return rc;

  const uint32_t nu = in->uop_end - in->uop_bgn;
  const uint32_t *ut = d->uop_tmp;
  const uint32_t al = a->acc_lanes, il = a->inp_lanes, wl = a->wgt_lanes;
  const int poison = d->opts.sram_init == VTA_SIM_SRAM_POISON;
  const int races = d->opts.check_races;
  const int hazard = d->opts.check_hazards && !in->reset; /* reset does not read ACC */
  const int checks = poison || races || hazard;
  uint32_t prev1 = UINT32_MAX, prev2 = UINT32_MAX;

  if (in->reset) {
    c->gemm_reset_uop_iters += iters;
    for (uint32_t i = 0; i < in->iter_out; i++)
      for (uint32_t j = 0; j < in->iter_in; j++)
        for (uint32_t u = 0; u < nu; u++) {
          uint32_t dst = ut[3 * u] + i * in->dst_fo + j * in->dst_fi;
          if (checks && (rc = check_dst(d, in, dst, prev1, prev2, i, j, in->uop_bgn + u, 0)))
            return rc;
          memset(d->acc + (size_t)dst * al, 0, (size_t)al * sizeof(int32_t));
          d->acc_w[dst] = 1;
          /* The hardware writes acc + dot product into OUT here, not 0: a later STORE
           * of this element without an intervening GEMM/ALU is flagged. */
          d->out_state[dst] = OUT_STALE_RESET;
        }
    return 0;
  }

  c->gemm_uop_iters += iters;
  c->macs += iters * a->batch * a->block_in * a->block_out;
  gemm_kernel kernel = pick_kernel(a->block_in);
  for (uint32_t i = 0; i < in->iter_out; i++) {
    for (uint32_t j = 0; j < in->iter_in; j++) {
      uint32_t doff = i * in->dst_fo + j * in->dst_fi;
      uint32_t soff = i * in->src_fo + j * in->src_fi;
      uint32_t woff = i * in->wgt_fo + j * in->wgt_fi;
      for (uint32_t u = 0; u < nu; u++) {
        uint32_t dst = ut[3 * u] + doff, src = ut[3 * u + 1] + soff, wgt = ut[3 * u + 2] + woff;
        if (checks) {
          if (poison) {
            if (!d->inp_w[src]) return poison_fail(d, in, "INP", src);
            if (!d->wgt_w[wgt]) return poison_fail(d, in, "WGT", wgt);
            if (!d->acc_w[dst]) return poison_fail(d, in, "ACC", dst);
          }
          if (races) {
            if ((rc = check_loaded(d, in, "INP", src, d->inp_writer, d->inp_reader))) return rc;
            if ((rc = check_loaded(d, in, "WGT", wgt, d->wgt_writer, d->wgt_reader))) return rc;
          }
          if ((rc = check_dst(d, in, dst, prev1, prev2, i, j, in->uop_bgn + u, hazard)))
            return rc;
          prev2 = prev1;
          prev1 = dst;
        }
        kernel(d->acc + (size_t)dst * al, d->out + (size_t)dst * al, d->inp + (size_t)src * il,
               d->wgt + (size_t)wgt * wl, a->batch, a->block_in, a->block_out);
        d->out_state[dst] = OUT_VALID;
      }
    }
  }
  return 0;
}

/* ---------------------------------------------------------------- ALU */

/* Shift by a signed amount: non-negative = arithmetic right, negative = left. Amounts
 * past the word width saturate (sign fill / zero) instead of being undefined. */
static inline int32_t shift(int32_t x, int32_t y) {
  if (y >= 0) return y > 31 ? (x < 0 ? -1 : 0) : x >> y;
  uint32_t n = (uint32_t)(-(int64_t)y);
  return n > 31 ? 0 : (int32_t)((uint32_t)x << n);
}

static int alu_uop(sim_device *d, const sim_insn *in, int32_t *dst, const int32_t *src,
                   int8_t *out, uint32_t lanes, uint32_t dst_idx) {
  const int32_t imm = in->imm;
  const int use_imm = in->use_imm;
  switch (in->alu_op) {
    case ALU_MIN:
      for (uint32_t l = 0; l < lanes; l++) {
        int32_t y = use_imm ? imm : src[l];
        dst[l] = dst[l] < y ? dst[l] : y;
      }
      break;
    case ALU_MAX:
      for (uint32_t l = 0; l < lanes; l++) {
        int32_t y = use_imm ? imm : src[l];
        dst[l] = dst[l] > y ? dst[l] : y;
      }
      break;
    case ALU_ADD:
      for (uint32_t l = 0; l < lanes; l++)
        dst[l] = (int32_t)((uint32_t)dst[l] + (uint32_t)(use_imm ? imm : src[l]));
      break;
    case ALU_MUL: /* low 32 bits of the product */
      for (uint32_t l = 0; l < lanes; l++)
        dst[l] = (int32_t)((uint32_t)dst[l] * (uint32_t)(use_imm ? imm : src[l]));
      break;
    default: /* ALU_SHR; decode rejected every other opcode */
      if (!use_imm && d->arch.cfg.profile == VTA_SIM_PROFILE_STOCK) {
        /* Decode checked immediates; tensor amounts can only be checked here. */
        int32_t lim = 1 << (d->arch.cfg.LOG_ACC_WIDTH - 1);
        for (uint32_t l = 0; l < lanes; l++)
          if (src[l] < -lim || src[l] >= lim)
            return sim_fail_insn(d, in, VTA_SIM_ERR_DECODE,
                                 "SHR amount %d (lane %u of the source of ACC element %u) is "
                                 "outside %d..%d, the range the stock hardware reads",
                                 src[l], l, dst_idx, -lim, lim - 1);
      }
      for (uint32_t l = 0; l < lanes; l++) dst[l] = shift(dst[l], use_imm ? imm : src[l]);
      break;
  }
  for (uint32_t l = 0; l < lanes; l++) out[l] = (int8_t)(uint8_t)(uint32_t)dst[l];
  return 0;
}

int sim_exec_alu(sim_device *d, const sim_insn *in) {
  const sim_arch *a = &d->arch;
  VTASimCounters *c = &d->counters;
  switch (in->alu_op) {
    case ALU_MIN: c->alu_min++; break;
    case ALU_MAX: c->alu_max++; break;
    case ALU_ADD: c->alu_add++; break;
    case ALU_SHR: c->alu_shr++; break;
    default: c->alu_mul++; break;
  }
  uint64_t iters;
  /* The source index must be valid even with use_imm: the hardware reads it anyway. */
  int rc = prepare(d, in, USE_SRC_ACC, &iters);
  if (rc || iters == 0) return rc;
  c->alu_uop_iters += iters;

  const uint32_t nu = in->uop_end - in->uop_bgn, lanes = a->acc_lanes;
  const uint32_t *ut = d->uop_tmp;
  const int poison = d->opts.sram_init == VTA_SIM_SRAM_POISON;
  const int hazard = d->opts.check_hazards;
  const int checks = poison || hazard || d->opts.check_races;
  uint32_t prev1 = UINT32_MAX, prev2 = UINT32_MAX;
  for (uint32_t i = 0; i < in->iter_out; i++) {
    for (uint32_t j = 0; j < in->iter_in; j++) {
      uint32_t doff = i * in->dst_fo + j * in->dst_fi, soff = i * in->src_fo + j * in->src_fi;
      for (uint32_t u = 0; u < nu; u++) {
        uint32_t dst = ut[3 * u] + doff, src = ut[3 * u + 1] + soff;
        if (checks) {
          if (poison) {
            if (!d->acc_w[dst]) return poison_fail(d, in, "ACC", dst);
            if (!in->use_imm && !d->acc_w[src]) return poison_fail(d, in, "ACC", src);
          }
          if ((rc = check_dst(d, in, dst, prev1, prev2, i, j, in->uop_bgn + u, hazard)))
            return rc;
          prev2 = prev1;
          prev1 = dst;
        }
        rc = alu_uop(d, in, d->acc + (size_t)dst * lanes, d->acc + (size_t)src * lanes,
                     d->out + (size_t)dst * lanes, lanes, dst);
        if (rc) return rc;
        d->out_state[dst] = OUT_VALID;
      }
    }
  }
  return 0;
}
