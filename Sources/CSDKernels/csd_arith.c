/*
 * csd_arith.c — TFLite's fixed-point primitives and the status names.
 */
#include "csd_internal.h"

const char *csd_status_name(csd_status status) {
  switch (status) {
    case CSD_OK: return "ok";
    case CSD_ERR_NULL: return "null pointer";
    case CSD_ERR_SHAPE: return "bad shape";
    case CSD_ERR_PARAM: return "bad parameter";
    case CSD_ERR_ALIAS: return "output overlaps an input";
    case CSD_ERR_RUNTIME: return "reference kernel would abort on these data";
    default: return "unknown status";
  }
}

int32_t csd_srdhm(int32_t a, int32_t b) { return csd_srdhm_inline(a, b); }

int32_t csd_rounding_divide_by_pot(int32_t x, int32_t exponent) {
  if (exponent < 0) exponent = 0;
  if (exponent > 31) exponent = 31;
  return csd_rdpot(x, exponent);
}

int32_t csd_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift) {
  if (shift < -31) shift = -31;
  if (shift > 31) shift = 31;
  return csd_mbqm(x, multiplier, shift);
}

int32_t csd_multiply_by_quantized_multiplier_single_rounding(int32_t x, int32_t multiplier,
                                                             int32_t shift) {
  if (shift < -31) shift = -31;
  if (shift > 30) shift = 30;
  const int total = 31 - shift; /* 1..62 */
  /* |x * multiplier| <= 2^62 and the rounding term <= 2^61: no int64 overflow. */
  const int64_t product = (int64_t)x * (int64_t)multiplier + ((int64_t)1 << (total - 1));
  const int64_t result = csd_asr64(product, total);
  return csd_clamp_i64(result, INT32_MIN, INT32_MAX);
}

/* round() for doubles, ties away from zero, without libm. */
static double csd_round_double(double v) {
  const double a = v < 0 ? -v : v;
  if (!(a < 4503599627370496.0)) return v; /* >= 2^52 (already integral), inf or NaN */
  double t = (double)(int64_t)a;          /* truncation; exact below 2^52 */
  if (a - t >= 0.5) t += 1.0;             /* a - t is exact */
  return v < 0 ? -t : t;
}

int32_t csd_scale_and_round(int32_t acc, double scale) {
  const double r = csd_round_double((double)acc * scale);
  if (r != r) return 0;
  if (r >= 2147483647.0) return INT32_MAX;
  if (r <= -2147483648.0) return INT32_MIN;
  return (int32_t)r;
}
