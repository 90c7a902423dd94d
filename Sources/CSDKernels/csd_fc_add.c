/*
 * csd_fc_add.c — FULLY_CONNECTED and ADD (int8).
 */
#include "csd_internal.h"

/* ---------------------------------------------------------------- FULLY_CONNECTED */

csd_status csd_fully_connected_s8(const csd_fully_connected_params *p, int32_t batches,
                                  int32_t accum_depth, int32_t out_depth, const int8_t *input,
                                  const int8_t *weights, const int32_t *bias, int8_t *output) {
  if (!p || !input || !weights || !output) return CSD_ERR_NULL;
  if (batches < 1 || accum_depth < 1 || out_depth < 1 || batches > CSD_MAX_ELEMENTS ||
      accum_depth > CSD_MAX_ELEMENTS || out_depth > CSD_MAX_ELEMENTS) {
    return CSD_ERR_SHAPE;
  }
  const int64_t in_count = (int64_t)batches * accum_depth;
  const int64_t w_count = (int64_t)out_depth * accum_depth;
  const int64_t out_count = (int64_t)batches * out_depth;
  if (in_count > CSD_MAX_ELEMENTS || w_count > CSD_MAX_ELEMENTS || out_count > CSD_MAX_ELEMENTS) {
    return CSD_ERR_SHAPE;
  }
  if (!csd_in_range(p->input_offset, -255, 255) || !csd_in_range(p->weights_offset, -255, 255) ||
      !csd_in_range(p->output_offset, -128, 127) ||
      !csd_valid_act(p->act_min, p->act_max, -128, 127)) {
    return CSD_ERR_PARAM;
  }
  const int32_t n_scales = p->per_channel ? out_depth : 1;
  if (p->requant == CSD_REQUANT_FLOAT_SCALE) {
    if (!p->scale) return CSD_ERR_NULL;
    for (int32_t i = 0; i < n_scales; ++i) {
      const double s = p->scale[i];
      if (!(s >= 0.0 && s <= 1.0e300)) return CSD_ERR_PARAM; /* rejects NaN and inf */
    }
  } else if (p->requant == CSD_REQUANT_DOUBLE_ROUNDING ||
             p->requant == CSD_REQUANT_SINGLE_ROUNDING) {
    if (!p->multiplier || !p->shift) return CSD_ERR_NULL;
    for (int32_t i = 0; i < n_scales; ++i) {
      if (!csd_valid_multiplier(p->multiplier[i], p->shift[i])) return CSD_ERR_PARAM;
    }
  } else {
    return CSD_ERR_PARAM;
  }
  if (csd_overlaps(input, (size_t)in_count, output, (size_t)out_count)) return CSD_ERR_ALIAS;

  for (int32_t b = 0; b < batches; ++b) {
    const int8_t *x = input + (int64_t)b * accum_depth;
    for (int32_t o = 0; o < out_depth; ++o) {
      const int8_t *w = weights + (int64_t)o * accum_depth;
      uint32_t acc = 0;
      for (int32_t d = 0; d < accum_depth; ++d) {
        acc += (uint32_t)(((int32_t)w[d] + p->weights_offset) *
                          ((int32_t)x[d] + p->input_offset));
      }
      if (bias) acc += (uint32_t)bias[o];
      const int32_t a = csd_u32_to_s32(acc);
      const int32_t k = p->per_channel ? o : 0;
      int32_t scaled;
      switch (p->requant) {
        case CSD_REQUANT_FLOAT_SCALE: scaled = csd_scale_and_round(a, p->scale[k]); break;
        case CSD_REQUANT_DOUBLE_ROUNDING:
          scaled = csd_mbqm(a, p->multiplier[k], p->shift[k]);
          break;
        default:
          scaled = csd_multiply_by_quantized_multiplier_single_rounding(a, p->multiplier[k],
                                                                        p->shift[k]);
          break;
      }
      output[(int64_t)b * out_depth + o] =
          (int8_t)csd_clamp_i64((int64_t)scaled + p->output_offset, p->act_min, p->act_max);
    }
  }
  return CSD_OK;
}

/* ---------------------------------------------------------------- ADD */

static csd_status check_add(const csd_add_params *p) {
  if (!csd_in_range(p->input1_offset, -255, 255) || !csd_in_range(p->input2_offset, -255, 255) ||
      !csd_in_range(p->output_offset, -128, 127) || !csd_in_range(p->left_shift, 0, 30) ||
      !csd_valid_act(p->act_min, p->act_max, -128, 127)) {
    return CSD_ERR_PARAM;
  }
  if (p->input1_multiplier < 0 || p->input2_multiplier < 0 || p->output_multiplier < 0 ||
      !csd_in_range(p->input1_shift, -31, 0) || !csd_in_range(p->input2_shift, -31, 0) ||
      !csd_in_range(p->output_shift, -31, 0)) {
    return CSD_ERR_PARAM;
  }
  return CSD_OK;
}

/* One element of TFLite's int8 AddFunc: three MultiplyByQuantizedMultiplierSmallerThanOneExp. */
static int8_t add_element(const csd_add_params *p, int32_t x1, int32_t x2) {
  const int32_t shifted1 = csd_wrap_shl(x1 + p->input1_offset, p->left_shift);
  const int32_t shifted2 = csd_wrap_shl(x2 + p->input2_offset, p->left_shift);
  const int32_t scaled1 = csd_mbqm(shifted1, p->input1_multiplier, p->input1_shift);
  const int32_t scaled2 = csd_mbqm(shifted2, p->input2_multiplier, p->input2_shift);
  const int32_t sum = csd_wrap_add(scaled1, scaled2);
  const int64_t out =
      (int64_t)csd_mbqm(sum, p->output_multiplier, p->output_shift) + p->output_offset;
  return (int8_t)csd_clamp_i64(out, p->act_min, p->act_max);
}

csd_status csd_add_s8(const csd_add_params *p, int32_t count, const int8_t *input1,
                      const int8_t *input2, int8_t *output) {
  if (!p || !input1 || !input2 || !output) return CSD_ERR_NULL;
  if (count < 1) return CSD_ERR_SHAPE;
  const csd_status st = check_add(p);
  if (st != CSD_OK) return st;
  /* Element i is read before it is written: exact in-place use is fine, offsets are not. */
  if ((output != input1 && csd_overlaps(input1, (size_t)count, output, (size_t)count)) ||
      (output != input2 && csd_overlaps(input2, (size_t)count, output, (size_t)count))) {
    return CSD_ERR_ALIAS;
  }
  for (int32_t i = 0; i < count; ++i) output[i] = add_element(p, input1[i], input2[i]);
  return CSD_OK;
}

static int broadcastable(csd_shape4 in, csd_shape4 out) {
  return (in.n == out.n || in.n == 1) && (in.h == out.h || in.h == 1) &&
         (in.w == out.w || in.w == 1) && (in.c == out.c || in.c == 1);
}

static int same_shape(csd_shape4 a, csd_shape4 b) {
  return a.n == b.n && a.h == b.h && a.w == b.w && a.c == b.c;
}

csd_status csd_add_broadcast_s8(const csd_add_params *p, csd_shape4 s1, const int8_t *input1,
                                csd_shape4 s2, const int8_t *input2, csd_shape4 os,
                                int8_t *output) {
  if (!p || !input1 || !input2 || !output) return CSD_ERR_NULL;
  const int64_t n1 = csd_shape_elements(s1), n2 = csd_shape_elements(s2);
  const int64_t no = csd_shape_elements(os);
  if (n1 < 0 || n2 < 0 || no < 0) return CSD_ERR_SHAPE;
  if (!broadcastable(s1, os) || !broadcastable(s2, os)) return CSD_ERR_SHAPE;
  const csd_status st = check_add(p);
  if (st != CSD_OK) return st;
  const int in_place1 = output == input1 && same_shape(s1, os);
  const int in_place2 = output == input2 && same_shape(s2, os);
  if ((!in_place1 && csd_overlaps(input1, (size_t)n1, output, (size_t)no)) ||
      (!in_place2 && csd_overlaps(input2, (size_t)n2, output, (size_t)no))) {
    return CSD_ERR_ALIAS;
  }
  /* Strides of each input over the output's index space (0 along broadcast dimensions). */
  const int64_t c1 = s1.c == 1 ? 0 : 1, w1 = s1.w == 1 ? 0 : s1.c;
  const int64_t h1 = s1.h == 1 ? 0 : (int64_t)s1.w * s1.c;
  const int64_t b1 = s1.n == 1 ? 0 : (int64_t)s1.h * s1.w * s1.c;
  const int64_t c2 = s2.c == 1 ? 0 : 1, w2 = s2.w == 1 ? 0 : s2.c;
  const int64_t h2 = s2.h == 1 ? 0 : (int64_t)s2.w * s2.c;
  const int64_t b2 = s2.n == 1 ? 0 : (int64_t)s2.h * s2.w * s2.c;
  int8_t *out = output;
  for (int32_t b = 0; b < os.n; ++b) {
    for (int32_t y = 0; y < os.h; ++y) {
      for (int32_t x = 0; x < os.w; ++x) {
        const int8_t *p1 = input1 + b * b1 + y * h1 + x * w1;
        const int8_t *p2 = input2 + b * b2 + y * h2 + x * w2;
        for (int32_t c = 0; c < os.c; ++c) *out++ = add_element(p, p1[c * c1], p2[c * c2]);
      }
    }
  }
  return CSD_OK;
}
