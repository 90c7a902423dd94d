/*
 * csd_pool_softmax.c — MAX_POOL_2D, AVERAGE_POOL_2D and SOFTMAX (int8).
 */
#include "csd_internal.h"

/* ---------------------------------------------------------------- pools */

static csd_status check_pool(const csd_pool_params *p, csd_shape4 is, csd_shape4 os,
                             const int8_t *input, int8_t *output) {
  if (!p || !input || !output) return CSD_ERR_NULL;
  const int64_t in_count = csd_shape_elements(is), out_count = csd_shape_elements(os);
  if (in_count < 0 || out_count < 0) return CSD_ERR_SHAPE;
  if (os.n != is.n || os.c != is.c) return CSD_ERR_SHAPE;
  if (!csd_in_range(p->filter_h, 1, CSD_MAX_DIM) || !csd_in_range(p->filter_w, 1, CSD_MAX_DIM) ||
      !csd_in_range(p->stride_h, 1, CSD_MAX_DIM) || !csd_in_range(p->stride_w, 1, CSD_MAX_DIM) ||
      !csd_in_range(p->pad_top, 0, CSD_MAX_DIM) || !csd_in_range(p->pad_left, 0, CSD_MAX_DIM) ||
      !csd_valid_act(p->act_min, p->act_max, -128, 127)) {
    return CSD_ERR_PARAM;
  }
  if (csd_overlaps(input, (size_t)in_count, output, (size_t)out_count)) return CSD_ERR_ALIAS;
  return CSD_OK;
}

/* The in-bounds part [y0, y1) x [x0, x1) of the filter window of output (oy, ox), in input
 * coordinates, as the reference computes filter_{x,y}_{start,end}. */
typedef struct {
  int64_t y0, y1, x0, x1;
} window;

static window pool_window(const csd_pool_params *p, csd_shape4 is, int32_t oy, int32_t ox) {
  const int64_t iy = (int64_t)oy * p->stride_h - p->pad_top;
  const int64_t ix = (int64_t)ox * p->stride_w - p->pad_left;
  window w;
  w.y0 = iy < 0 ? 0 : iy;
  w.y1 = iy + p->filter_h < is.h ? iy + p->filter_h : is.h;
  w.x0 = ix < 0 ? 0 : ix;
  w.x1 = ix + p->filter_w < is.w ? ix + p->filter_w : is.w;
  return w;
}

csd_status csd_max_pool2d_s8(const csd_pool_params *p, csd_shape4 is, const int8_t *input,
                             csd_shape4 os, int8_t *output) {
  const csd_status st = check_pool(p, is, os, input, output);
  if (st != CSD_OK) return st;
  for (int32_t b = 0; b < os.n; ++b) {
    for (int32_t oy = 0; oy < os.h; ++oy) {
      for (int32_t ox = 0; ox < os.w; ++ox) {
        const window w = pool_window(p, is, oy, ox);
        int8_t *out = output + (((int64_t)b * os.h + oy) * os.w + ox) * os.c;
        for (int32_t c = 0; c < os.c; ++c) {
          int32_t m = -128; /* numeric_limits<int8_t>::lowest() */
          for (int64_t y = w.y0; y < w.y1; ++y) {
            for (int64_t x = w.x0; x < w.x1; ++x) {
              const int32_t v = input[(((int64_t)b * is.h + y) * is.w + x) * is.c + c];
              if (v > m) m = v;
            }
          }
          out[c] = (int8_t)csd_clamp_i64(m, p->act_min, p->act_max);
        }
      }
    }
  }
  return CSD_OK;
}

csd_status csd_avg_pool2d_s8(const csd_pool_params *p, csd_shape4 is, const int8_t *input,
                             csd_shape4 os, int8_t *output) {
  const csd_status st = check_pool(p, is, os, input, output);
  if (st != CSD_OK) return st;
  /* A window without an in-bounds tap makes the reference fail; rows and columns are
   * independent, so check them all before writing anything. */
  for (int32_t oy = 0; oy < os.h; ++oy) {
    const window w = pool_window(p, is, oy, 0);
    if (w.y1 <= w.y0) return CSD_ERR_RUNTIME;
  }
  for (int32_t ox = 0; ox < os.w; ++ox) {
    const window w = pool_window(p, is, 0, ox);
    if (w.x1 <= w.x0) return CSD_ERR_RUNTIME;
  }
  for (int32_t b = 0; b < os.n; ++b) {
    for (int32_t oy = 0; oy < os.h; ++oy) {
      for (int32_t ox = 0; ox < os.w; ++ox) {
        const window w = pool_window(p, is, oy, ox);
        const int64_t count = (w.y1 - w.y0) * (w.x1 - w.x0);
        int8_t *out = output + (((int64_t)b * os.h + oy) * os.w + ox) * os.c;
        for (int32_t c = 0; c < os.c; ++c) {
          /* |sum| <= 128 * CSD_MAX_DIM^2 < 2^39: exact in int64 (the reference's int32 holds
           * it for every window up to 2^24 taps). */
          int64_t acc = 0;
          for (int64_t y = w.y0; y < w.y1; ++y) {
            for (int64_t x = w.x0; x < w.x1; ++x) {
              acc += input[(((int64_t)b * is.h + y) * is.w + x) * is.c + c];
            }
          }
          /* Round half away from zero with C's truncating division. */
          acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          out[c] = (int8_t)csd_clamp_i64(acc, p->act_min, p->act_max);
        }
      }
    }
  }
  return CSD_OK;
}

/* ---------------------------------------------------------------- SOFTMAX */
/*
 * gemmlowp's fixed-point functions on raw int32 values. FixedPoint<int32, I> holds a value
 * v as raw = v * 2^(31 - I); a product of Q(a) and Q(b) is a Q(a + b) and is computed by
 * SRDHM; Rescale between formats multiplies by a power of two (saturating left shift or
 * rounding right shift).
 */

/* SaturatingRoundingMultiplyByPOT<exponent> for exponent in [1, 31]: a saturating shift. */
static int32_t sat_shl(int32_t x, int exponent) {
  const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return csd_wrap_shl(x, exponent);
}

/* exp(a) for a in [-1/4, 0), Q0.31 in and out: Taylor series around -1/8. */
static int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  const int32_t constant_term = 1895147668;     /* exp(-1/8) in Q0.31 */
  const int32_t constant_1_over_3 = 715827883;  /* 1/3 in Q0.31 */
  const int32_t x = csd_wrap_add(a, 1 << 28);   /* a + 1/8 */
  const int32_t x2 = csd_srdhm_inline(x, x);
  const int32_t x3 = csd_srdhm_inline(x2, x);
  const int32_t x4 = csd_srdhm_inline(x2, x2);
  const int32_t x4_over_4 = csd_rdpot(x4, 2);
  const int32_t poly = csd_rdpot(
      csd_wrap_add(csd_srdhm_inline(csd_wrap_add(x4_over_4, x3), constant_1_over_3), x2), 1);
  return csd_wrap_add(constant_term, csd_srdhm_inline(constant_term, csd_wrap_add(x, poly)));
}

/* exp(a) for a <= 0 given in Q5.26, result in Q0.31 (gemmlowp exp_on_negative_values with 5
 * integer bits). */
static int32_t exp_on_negative_values_q5(int32_t a) {
  const int32_t one_quarter = 1 << 24; /* 1/4 in Q5.26 */
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter =
      (int32_t)((uint32_t)a & (uint32_t)mask) - one_quarter;
  /* Rescale Q5.26 -> Q0.31: multiply the raw value by 2^5 (saturating). */
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      sat_shl(a_mod_quarter_minus_one_quarter, 5));
  const int32_t remainder = csd_wrap_add(a_mod_quarter_minus_one_quarter, csd_wrap_mul(a, -1));
  /* exp(-2^k) in Q0.31 for k = -2..4, applied for each bit of the remainder. */
  static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308,
                                         39332535,   720401,     242};
  for (int k = 0; k < 7; ++k) {
    const int bit = 26 + (k - 2); /* fractional bits + exponent */
    if ((uint32_t)remainder & ((uint32_t)1 << bit)) {
      result = csd_srdhm_inline(result, multipliers[k]);
    }
  }
  if (a == 0) result = INT32_MAX; /* exp(0) = One() in Q0.31 */
  return result;
}

/* gemmlowp RoundingHalfSum for int32. */
static int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + (int64_t)b;
  const int64_t sign = sum >= 0 ? 1 : -1;
  return (int32_t)((sum + sign) / 2);
}

/* 1 / (1 + a) for a in [0, 1), Q0.31 in and out (Newton-Raphson, 3 iterations, in Q2.29). */
static int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int32_t half_denominator = rounding_half_sum(a, INT32_MAX);
  const int32_t constant_48_over_17 = 1515870810;    /* Q2.29 */
  const int32_t constant_neg_32_over_17 = -1010580540; /* Q2.29 */
  int32_t x = csd_wrap_add(constant_48_over_17,
                           csd_srdhm_inline(half_denominator, constant_neg_32_over_17));
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = csd_srdhm_inline(half_denominator, x); /* Q2.29 */
    const int32_t one_minus = csd_wrap_add(1 << 29, csd_wrap_mul(half_denominator_times_x, -1));
    /* x * one_minus is Q4.27; Rescale to Q2.29 multiplies the raw value by 4. */
    x = csd_wrap_add(x, sat_shl(csd_srdhm_inline(x, one_minus), 2));
  }
  /* ExactMulByPot<-1> (Q2.29 -> Q1.30, same raw) then Rescale to Q0.31 (raw * 2). */
  return sat_shl(x, 1);
}

/* x * 2^n modulo 2^32 for n in [0, 32] (softmax's left shift reaches 32 when
 * beta * s_in * 2^26 saturates at 2^31 - 1; then only x = 0 passes diff_min). */
static int32_t shl_mod32(int32_t x, int n) { return n >= 32 ? 0 : csd_wrap_shl(x, n); }

static int count_leading_zeros(uint32_t x) {
  if (x == 0) return 32;
  int n = 0;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++n;
  }
  return n;
}

csd_status csd_softmax_s8(const csd_softmax_params *p, int32_t rows, int32_t depth,
                          const int8_t *input, int8_t *output) {
  if (!p || !input || !output) return CSD_ERR_NULL;
  if (rows < 1 || depth < 1 || (int64_t)rows * depth > CSD_MAX_ELEMENTS) return CSD_ERR_SHAPE;
  if (p->input_multiplier < 0 || !csd_in_range(p->input_left_shift, 0, 32) || p->diff_min > 0) {
    return CSD_ERR_PARAM;
  }
  /* Element c of a row is read before it is written, and the row maximum is known before
   * anything is written: exact in-place use is fine, other overlaps are not. */
  const size_t bytes = (size_t)rows * (size_t)depth;
  if (output != input && csd_overlaps(input, bytes, output, bytes)) return CSD_ERR_ALIAS;

  const int32_t multiplier = p->input_multiplier;
  const int left_shift = p->input_left_shift;
  for (int32_t r = 0; r < rows; ++r) {
    const int8_t *in = input + (int64_t)r * depth;
    int8_t *out = output + (int64_t)r * depth;
    int32_t max_in_row = -128;
    for (int32_t c = 0; c < depth; ++c) {
      if (in[c] > max_in_row) max_in_row = in[c];
    }
    /* Sum of exp in Q12.19. Kept in int64 so that the check below sees it before the
     * reference's int32 would overflow. */
    int64_t sum_of_exps = 0;
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t rescaled = csd_srdhm_inline(shl_mod32(diff, left_shift), multiplier);
        sum_of_exps += csd_rdpot(exp_on_negative_values_q5(rescaled), 12);
      }
    }
    /* GetReciprocal(sum, 12 integer bits): the reference checks that the final right shift
     * num_bits_over_unit + 23 is at most 31, i.e. sum < 2^28 (and > 0). */
    if (sum_of_exps <= 0 || sum_of_exps >= ((int64_t)1 << 28)) return CSD_ERR_RUNTIME;
    const uint32_t sum = (uint32_t)sum_of_exps;
    const int headroom_plus_one = count_leading_zeros(sum);
    const int num_bits_over_unit = 12 - headroom_plus_one;
    const int32_t shifted_sum_minus_one =
        csd_u32_to_s32((sum << headroom_plus_one) - ((uint32_t)1 << 31));
    const int32_t shifted_scale = one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
    const int exponent = num_bits_over_unit + 31 - 8;
    if (exponent < 0 || exponent > 31) return CSD_ERR_RUNTIME;

    for (int32_t c = 0; c < depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t rescaled = csd_srdhm_inline(shl_mod32(diff, left_shift), multiplier);
        const int32_t exp_in_0 = exp_on_negative_values_q5(rescaled);
        const int32_t unsat = csd_rdpot(csd_srdhm_inline(shifted_scale, exp_in_0), exponent);
        out[c] = (int8_t)csd_clamp_i64((int64_t)unsat - 128, -128, 127);
      } else {
        out[c] = -128;
      }
    }
  }
  return CSD_OK;
}
