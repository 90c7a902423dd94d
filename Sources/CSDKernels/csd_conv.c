/*
 * csd_conv.c — CONV_2D and DEPTHWISE_CONV_2D (int8, per-channel weights).
 *
 * Loop structure and arithmetic follow TFLite's reference_integer_ops::ConvPerChannel and
 * DepthwiseConvPerChannel: padded taps are skipped, the accumulator is int32, and each
 * output channel is requantized with MultiplyByQuantizedMultiplier (double rounding).
 */
#include "csd_internal.h"

/* Checks shared by both convolutions. */
static csd_status check_window(int32_t stride_h, int32_t stride_w, int32_t dilation_h,
                               int32_t dilation_w, int32_t pad_top, int32_t pad_left) {
  if (!csd_in_range(stride_h, 1, CSD_MAX_DIM) || !csd_in_range(stride_w, 1, CSD_MAX_DIM) ||
      !csd_in_range(dilation_h, 1, CSD_MAX_DIM) || !csd_in_range(dilation_w, 1, CSD_MAX_DIM) ||
      !csd_in_range(pad_top, 0, CSD_MAX_DIM) || !csd_in_range(pad_left, 0, CSD_MAX_DIM)) {
    return CSD_ERR_PARAM;
  }
  return CSD_OK;
}

static csd_status check_requant(int32_t input_offset, int32_t output_offset, int32_t act_min,
                                int32_t act_max, const int32_t *multiplier,
                                const int32_t *shift, int32_t channels) {
  if (!csd_in_range(input_offset, -255, 255) || !csd_in_range(output_offset, -128, 127) ||
      !csd_valid_act(act_min, act_max, -128, 127)) {
    return CSD_ERR_PARAM;
  }
  for (int32_t c = 0; c < channels; ++c) {
    if (!csd_valid_multiplier(multiplier[c], shift[c])) return CSD_ERR_PARAM;
  }
  return CSD_OK;
}

static int8_t requantize_channel(int32_t acc, int32_t multiplier, int32_t shift,
                                 int32_t output_offset, int32_t act_min, int32_t act_max) {
  const int64_t v = (int64_t)csd_mbqm(acc, multiplier, shift) + output_offset;
  return (int8_t)csd_clamp_i64(v, act_min, act_max);
}

csd_status csd_conv2d_s8(const csd_conv_params *p, csd_shape4 is, const int8_t *input,
                         csd_shape4 fs, const int8_t *filter, const int32_t *bias,
                         csd_shape4 os, int8_t *output) {
  if (!p || !input || !filter || !output || !p->multiplier || !p->shift) return CSD_ERR_NULL;
  const int64_t in_count = csd_shape_elements(is);
  const int64_t filter_count = csd_shape_elements(fs);
  const int64_t out_count = csd_shape_elements(os);
  if (in_count < 0 || filter_count < 0 || out_count < 0) return CSD_ERR_SHAPE;
  if (os.n != is.n || fs.n != os.c || is.c % fs.c != 0) return CSD_ERR_SHAPE;
  const int32_t groups = is.c / fs.c;
  if (os.c % groups != 0) return CSD_ERR_SHAPE;
  csd_status st = check_window(p->stride_h, p->stride_w, p->dilation_h, p->dilation_w,
                               p->pad_top, p->pad_left);
  if (st != CSD_OK) return st;
  st = check_requant(p->input_offset, p->output_offset, p->act_min, p->act_max, p->multiplier,
                     p->shift, os.c);
  if (st != CSD_OK) return st;
  if (csd_overlaps(input, (size_t)in_count, output, (size_t)out_count)) return CSD_ERR_ALIAS;

  const int32_t filters_per_group = os.c / groups;
  const int32_t kh = fs.h, kw = fs.w, kc = fs.c;
  for (int32_t b = 0; b < os.n; ++b) {
    for (int32_t oy = 0; oy < os.h; ++oy) {
      const int64_t iy0 = (int64_t)oy * p->stride_h - p->pad_top;
      for (int32_t ox = 0; ox < os.w; ++ox) {
        const int64_t ix0 = (int64_t)ox * p->stride_w - p->pad_left;
        int8_t *out = output + (((int64_t)b * os.h + oy) * os.w + ox) * os.c;
        for (int32_t oc = 0; oc < os.c; ++oc) {
          const int32_t group = oc / filters_per_group;
          uint32_t acc = 0; /* wraps like the reference's int32 */
          for (int32_t ky = 0; ky < kh; ++ky) {
            const int64_t iy = iy0 + (int64_t)p->dilation_h * ky;
            if (iy < 0 || iy >= is.h) continue;
            for (int32_t kx = 0; kx < kw; ++kx) {
              const int64_t ix = ix0 + (int64_t)p->dilation_w * kx;
              if (ix < 0 || ix >= is.w) continue;
              const int8_t *in = input + (((int64_t)b * is.h + iy) * is.w + ix) * is.c +
                                 (int64_t)group * kc;
              const int8_t *w = filter + (((int64_t)oc * kh + ky) * kw + kx) * kc;
              for (int32_t ic = 0; ic < kc; ++ic) {
                acc += (uint32_t)((int32_t)w[ic] * ((int32_t)in[ic] + p->input_offset));
              }
            }
          }
          if (bias) acc += (uint32_t)bias[oc];
          out[oc] = requantize_channel(csd_u32_to_s32(acc), p->multiplier[oc], p->shift[oc],
                                       p->output_offset, p->act_min, p->act_max);
        }
      }
    }
  }
  return CSD_OK;
}

csd_status csd_depthwise_conv2d_s8(const csd_depthwise_params *p, csd_shape4 is,
                                   const int8_t *input, csd_shape4 fs, const int8_t *filter,
                                   const int32_t *bias, csd_shape4 os, int8_t *output) {
  if (!p || !input || !filter || !output || !p->multiplier || !p->shift) return CSD_ERR_NULL;
  const int64_t in_count = csd_shape_elements(is);
  const int64_t filter_count = csd_shape_elements(fs);
  const int64_t out_count = csd_shape_elements(os);
  if (in_count < 0 || filter_count < 0 || out_count < 0) return CSD_ERR_SHAPE;
  if (!csd_in_range(p->depth_multiplier, 1, CSD_MAX_DIM)) return CSD_ERR_PARAM;
  if (os.n != is.n || fs.n != 1 || fs.c != os.c ||
      (int64_t)is.c * p->depth_multiplier != os.c) {
    return CSD_ERR_SHAPE;
  }
  csd_status st = check_window(p->stride_h, p->stride_w, p->dilation_h, p->dilation_w,
                               p->pad_top, p->pad_left);
  if (st != CSD_OK) return st;
  st = check_requant(p->input_offset, p->output_offset, p->act_min, p->act_max, p->multiplier,
                     p->shift, os.c);
  if (st != CSD_OK) return st;
  if (csd_overlaps(input, (size_t)in_count, output, (size_t)out_count)) return CSD_ERR_ALIAS;

  const int32_t dm = p->depth_multiplier;
  for (int32_t b = 0; b < os.n; ++b) {
    for (int32_t oy = 0; oy < os.h; ++oy) {
      const int64_t iy0 = (int64_t)oy * p->stride_h - p->pad_top;
      for (int32_t ox = 0; ox < os.w; ++ox) {
        const int64_t ix0 = (int64_t)ox * p->stride_w - p->pad_left;
        int8_t *out = output + (((int64_t)b * os.h + oy) * os.w + ox) * os.c;
        for (int32_t ic = 0; ic < is.c; ++ic) {
          for (int32_t m = 0; m < dm; ++m) {
            const int32_t oc = ic * dm + m;
            uint32_t acc = 0;
            for (int32_t ky = 0; ky < fs.h; ++ky) {
              const int64_t iy = iy0 + (int64_t)p->dilation_h * ky;
              if (iy < 0 || iy >= is.h) continue;
              for (int32_t kx = 0; kx < fs.w; ++kx) {
                const int64_t ix = ix0 + (int64_t)p->dilation_w * kx;
                if (ix < 0 || ix >= is.w) continue;
                const int32_t x = input[(((int64_t)b * is.h + iy) * is.w + ix) * is.c + ic];
                const int32_t w = filter[((int64_t)ky * fs.w + kx) * fs.c + oc];
                acc += (uint32_t)(w * (x + p->input_offset));
              }
            }
            if (bias) acc += (uint32_t)bias[oc];
            out[oc] = requantize_channel(csd_u32_to_s32(acc), p->multiplier[oc], p->shift[oc],
                                         p->output_offset, p->act_min, p->act_max);
          }
        }
      }
    }
  }
  return CSD_OK;
}
