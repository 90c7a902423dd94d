/*
 * csd_internal.h — helpers shared by the kernel files (not installed).
 *
 * Everything here is written so that no operation has undefined or implementation-defined
 * behaviour in C11: signed right shifts, wrapping additions and int32 conversions of
 * out-of-range values go through unsigned arithmetic.
 */
#ifndef VTAC_CSD_INTERNAL_H_
#define VTAC_CSD_INTERNAL_H_

#include <stdint.h>

#include "csd_kernels.h"

/* uint32 -> int32 with two's-complement wrap (a plain cast is implementation-defined). */
static inline int32_t csd_u32_to_s32(uint32_t u) {
  return u <= 0x7FFFFFFFu ? (int32_t)u : (int32_t)(u - 0x80000000u) + INT32_MIN;
}

/* a + b modulo 2^32. */
static inline int32_t csd_wrap_add(int32_t a, int32_t b) {
  return csd_u32_to_s32((uint32_t)a + (uint32_t)b);
}

/* a * b modulo 2^32. */
static inline int32_t csd_wrap_mul(int32_t a, int32_t b) {
  return csd_u32_to_s32((uint32_t)a * (uint32_t)b);
}

/* x * 2^n modulo 2^32, n in [0, 31]. */
static inline int32_t csd_wrap_shl(int32_t x, int n) {
  return csd_u32_to_s32((uint32_t)x << n);
}

/* Arithmetic (flooring) right shift, n in [0, 31]. */
static inline int32_t csd_asr32(int32_t x, int n) {
  return x < 0 ? ~(int32_t)((uint32_t)~x >> n) : (int32_t)((uint32_t)x >> n);
}

/* Arithmetic (flooring) right shift of an int64, n in [0, 63]. */
static inline int64_t csd_asr64(int64_t x, int n) {
  return x < 0 ? ~(int64_t)((uint64_t)~x >> n) : (int64_t)((uint64_t)x >> n);
}

static inline int32_t csd_clamp_i64(int64_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : (int32_t)v);
}

/* RoundingDivideByPOT for exponent in [0, 31] (no clamping). */
static inline int32_t csd_rdpot(int32_t x, int exponent) {
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = (int32_t)((uint32_t)x & (uint32_t)mask);
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return csd_asr32(x, exponent) + (remainder > threshold ? 1 : 0);
}

/* SaturatingRoundingDoublingHighMul. */
static inline int32_t csd_srdhm_inline(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
  /* C division truncates towards zero, as the reference's does. */
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* MultiplyByQuantizedMultiplier (double rounding), shift in [-31, 31]. */
static inline int32_t csd_mbqm(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  return csd_rdpot(csd_srdhm_inline(csd_wrap_shl(x, left), multiplier), right);
}

/* A valid per-tensor/per-channel multiplier and shift for the integer kernels. */
static inline int csd_valid_multiplier(int32_t multiplier, int32_t shift) {
  return multiplier >= 0 && shift >= -31 && shift <= 30;
}

static inline int csd_valid_act(int32_t act_min, int32_t act_max, int32_t qmin, int32_t qmax) {
  return act_min >= qmin && act_max <= qmax && act_min <= act_max;
}

/* Elements of a shape, or -1 if a dimension is out of [1, CSD_MAX_DIM] or the product
 * exceeds CSD_MAX_ELEMENTS. */
static inline int64_t csd_shape_elements(csd_shape4 s) {
  if (s.n < 1 || s.h < 1 || s.w < 1 || s.c < 1) return -1;
  if (s.n > CSD_MAX_DIM || s.h > CSD_MAX_DIM || s.w > CSD_MAX_DIM || s.c > CSD_MAX_DIM) return -1;
  const int64_t hw = (int64_t)s.h * s.w;
  const int64_t nc = (int64_t)s.n * s.c;
  if (hw > CSD_MAX_ELEMENTS || nc > CSD_MAX_ELEMENTS) return -1;
  if (nc != 0 && hw > CSD_MAX_ELEMENTS / nc) return -1;
  return hw * nc;
}

/* True if [a, a + a_bytes) and [b, b + b_bytes) overlap. Compares addresses as integers,
 * which is what every supported platform does for flat memory. */
static inline int csd_overlaps(const void *a, size_t a_bytes, const void *b, size_t b_bytes) {
  const uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;
  return pa < pb + b_bytes && pb < pa + a_bytes;
}

static inline int csd_in_range(int32_t v, int32_t lo, int32_t hi) { return v >= lo && v <= hi; }

#endif /* VTAC_CSD_INTERNAL_H_ */
