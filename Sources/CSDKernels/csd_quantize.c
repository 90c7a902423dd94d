/*
 * csd_quantize.c — QUANTIZE (float and requantizing), DEQUANTIZE and RESHAPE.
 */
#include "csd_internal.h"

/* round() for floats, ties away from zero, without libm. */
static float csd_round_float(float v) {
  const float a = v < 0 ? -v : v;
  if (!(a < 8388608.0f)) return v; /* >= 2^23 (already integral), inf or NaN */
  float t = (float)(int32_t)a;      /* truncation; exact below 2^23 */
  if (a - t >= 0.5f) t += 1.0f;     /* a - t is exact */
  return v < 0 ? -t : t;
}

/* static_cast<int32_t>(float) as the x86-64 golden interpreter executes it (cvttss2si):
 * truncation when the value fits, INT32_MIN ("integer indefinite") for NaN and for values
 * outside [-2^31, 2^31). */
static int32_t csd_float_to_int32_x86(float r) {
  if (r >= -2147483648.0f && r < 2147483648.0f) return (int32_t)r;
  return INT32_MIN;
}

/* One element of reference_ops::AffineQuantize: float32 division, round(), int32, + zero
 * point (wrapping, as the interpreter's int32 addition does), clamp. */
static int32_t quantize_one(float x, float scale, int32_t zero_point, int32_t qmin,
                            int32_t qmax) {
  const int32_t q = csd_float_to_int32_x86(csd_round_float(x / scale));
  return csd_clamp_i64(csd_wrap_add(q, zero_point), qmin, qmax);
}

static csd_status check_quant(const csd_quant_params *p, int32_t count, const void *in,
                              const void *out, int32_t zmin, int32_t zmax) {
  if (!p || !in || !out) return CSD_ERR_NULL;
  if (count < 1) return CSD_ERR_SHAPE;
  if (!(p->scale > 0.0f && p->scale <= 3.4028234e38f) || !csd_in_range(p->zero_point, zmin, zmax)) {
    return CSD_ERR_PARAM;
  }
  return CSD_OK;
}

csd_status csd_quantize_f32_s8(const csd_quant_params *p, int32_t count, const float *input,
                               int8_t *output) {
  const csd_status st = check_quant(p, count, input, output, -128, 127);
  if (st != CSD_OK) return st;
  if (csd_overlaps(input, (size_t)count * sizeof(float), output, (size_t)count)) {
    return CSD_ERR_ALIAS;
  }
  for (int32_t i = 0; i < count; ++i) {
    output[i] = (int8_t)quantize_one(input[i], p->scale, p->zero_point, -128, 127);
  }
  return CSD_OK;
}

csd_status csd_quantize_f32_u8(const csd_quant_params *p, int32_t count, const float *input,
                               uint8_t *output) {
  const csd_status st = check_quant(p, count, input, output, 0, 255);
  if (st != CSD_OK) return st;
  if (csd_overlaps(input, (size_t)count * sizeof(float), output, (size_t)count)) {
    return CSD_ERR_ALIAS;
  }
  for (int32_t i = 0; i < count; ++i) {
    output[i] = (uint8_t)quantize_one(input[i], p->scale, p->zero_point, 0, 255);
  }
  return CSD_OK;
}

csd_status csd_dequantize_s8_f32(const csd_quant_params *p, int32_t count, const int8_t *input,
                                 float *output) {
  const csd_status st = check_quant(p, count, input, output, -128, 127);
  if (st != CSD_OK) return st;
  if (csd_overlaps(input, (size_t)count, output, (size_t)count * sizeof(float))) {
    return CSD_ERR_ALIAS;
  }
  const double scale = p->scale;
  for (int32_t i = 0; i < count; ++i) {
    output[i] = (float)(scale * (double)((int32_t)input[i] - p->zero_point));
  }
  return CSD_OK;
}

csd_status csd_dequantize_u8_f32(const csd_quant_params *p, int32_t count, const uint8_t *input,
                                 float *output) {
  const csd_status st = check_quant(p, count, input, output, 0, 255);
  if (st != CSD_OK) return st;
  if (csd_overlaps(input, (size_t)count, output, (size_t)count * sizeof(float))) {
    return CSD_ERR_ALIAS;
  }
  const double scale = p->scale;
  for (int32_t i = 0; i < count; ++i) {
    output[i] = (float)(scale * (double)((int32_t)input[i] - p->zero_point));
  }
  return CSD_OK;
}

static csd_status check_requantize(const csd_requantize_params *p, int32_t count,
                                   const void *in, const void *out, int32_t in_min,
                                   int32_t in_max, int32_t out_min, int32_t out_max) {
  if (!p || !in || !out) return CSD_ERR_NULL;
  if (count < 1) return CSD_ERR_SHAPE;
  if (!csd_valid_multiplier(p->multiplier, p->shift) ||
      !csd_in_range(p->input_zero_point, in_min, in_max) ||
      !csd_in_range(p->output_zero_point, out_min, out_max)) {
    return CSD_ERR_PARAM;
  }
  /* Same element size: exact in-place use is fine, partial overlap is not. */
  if (in != out && csd_overlaps(in, (size_t)count, out, (size_t)count)) return CSD_ERR_ALIAS;
  return CSD_OK;
}

static int32_t requantize_one(const csd_requantize_params *p, int32_t q, int32_t qmin,
                              int32_t qmax) {
  const int64_t v =
      (int64_t)csd_mbqm(q - p->input_zero_point, p->multiplier, p->shift) + p->output_zero_point;
  return csd_clamp_i64(v, qmin, qmax);
}

csd_status csd_requantize_s8_s8(const csd_requantize_params *p, int32_t count,
                                const int8_t *input, int8_t *output) {
  const csd_status st = check_requantize(p, count, input, output, -128, 127, -128, 127);
  if (st != CSD_OK) return st;
  for (int32_t i = 0; i < count; ++i) output[i] = (int8_t)requantize_one(p, input[i], -128, 127);
  return CSD_OK;
}

csd_status csd_requantize_u8_s8(const csd_requantize_params *p, int32_t count,
                                const uint8_t *input, int8_t *output) {
  const csd_status st = check_requantize(p, count, input, output, 0, 255, -128, 127);
  if (st != CSD_OK) return st;
  for (int32_t i = 0; i < count; ++i) output[i] = (int8_t)requantize_one(p, input[i], -128, 127);
  return CSD_OK;
}

csd_status csd_requantize_s8_u8(const csd_requantize_params *p, int32_t count,
                                const int8_t *input, uint8_t *output) {
  const csd_status st = check_requantize(p, count, input, output, -128, 127, 0, 255);
  if (st != CSD_OK) return st;
  for (int32_t i = 0; i < count; ++i) output[i] = (uint8_t)requantize_one(p, input[i], 0, 255);
  return CSD_OK;
}

csd_status csd_requantize_u8_u8(const csd_requantize_params *p, int32_t count,
                                const uint8_t *input, uint8_t *output) {
  const csd_status st = check_requantize(p, count, input, output, 0, 255, 0, 255);
  if (st != CSD_OK) return st;
  for (int32_t i = 0; i < count; ++i) output[i] = (uint8_t)requantize_one(p, input[i], 0, 255);
  return CSD_OK;
}

csd_status csd_reshape(const void *input, void *output, size_t bytes) {
  if (!input || !output) return CSD_ERR_NULL;
  const unsigned char *src = (const unsigned char *)input;
  unsigned char *dst = (unsigned char *)output;
  if (dst == src || bytes == 0) return CSD_OK;
  if ((uintptr_t)dst < (uintptr_t)src) {
    for (size_t i = 0; i < bytes; ++i) dst[i] = src[i];
  } else {
    for (size_t i = bytes; i > 0; --i) dst[i - 1] = src[i - 1];
  }
  return CSD_OK;
}
