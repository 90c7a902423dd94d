/*
 * csd_kernels.h — the CPU kernels of the computational-storage drive runtime.
 *
 * These are the int8 TFLite operators that run on the drive's CPU instead of the VTA
 * accelerator. Each kernel reproduces, bit for bit, what the pinned golden interpreter
 * (ai-edge-litert 2.3.0 with OpResolverType.BUILTIN_REF, i.e. TFLite's reference kernels)
 * computes; see shared/spec/tflite-int8.md and the notes at each function.
 *
 * Conventions
 *   - Pure C11, no allocation, no global state, thread-safe. Only QUANTIZE, DEQUANTIZE
 *     and FULLY_CONNECTED (whose reference kernels compute in float/double) use floating
 *     point; nothing here calls libm.
 *   - Activations are NHWC, row-major, batch first. Shapes are csd_shape4 values; a
 *     tensor of rank < 4 is passed with leading dimensions of 1.
 *   - Every kernel validates its arguments first and returns a csd_status; on an error
 *     nothing has been written (except CSD_ERR_RUNTIME from softmax, see there).
 *   - Integer parameters (multipliers, shifts, offsets, activation ranges) are computed
 *     by the Swift module TFLiteArithmetic exactly as TFLite's Prepare computes them.
 *     A "shift" is TFLite's exponent: positive shifts left, negative shifts right.
 *   - 32-bit accumulators wrap modulo 2^32 on overflow, as the reference kernels do in
 *     practice (in C++ the overflow is undefined; the compiled interpreter wraps).
 *
 * Constants are macros and struct fields plain int32_t/double so that Swift imports them
 * as ordinary numbers.
 */
#ifndef VTAC_CSD_KERNELS_H_
#define VTAC_CSD_KERNELS_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- status codes */

/* The result of every kernel. */
typedef int32_t csd_status;

#define CSD_OK 0
/* A required pointer is NULL. */
#define CSD_ERR_NULL 1
/* A dimension is not positive or too large, or the shapes do not fit together. */
#define CSD_ERR_SHAPE 2
/* A parameter is outside its valid range (stride, shift, multiplier, offset, activation
 * range, rounding mode...). */
#define CSD_ERR_PARAM 3
/* The output buffer overlaps an input that the kernel still reads after writing. */
#define CSD_ERR_ALIAS 4
/* The reference kernel would abort: an average pool window without a single in-bounds tap
 * (detected before anything is written), or a softmax row whose sum of exponentials exceeds
 * what the fixed-point reciprocal handles (earlier rows are then already written). */
#define CSD_ERR_RUNTIME 5

/* Largest dimension, stride, dilation, padding or filter size any kernel accepts, and the
 * largest element count of any tensor. Keeps all index arithmetic far from overflow. */
#define CSD_MAX_DIM 65535
#define CSD_MAX_ELEMENTS 0x7FFFFFFF

/* A human-readable name of a status code (a static string, never NULL). */
const char *csd_status_name(csd_status status);

/* ---------------------------------------------------------------- shapes */

/* An NHWC shape: batch, height, width, channels. Every dimension must be >= 1. */
typedef struct {
  int32_t n;
  int32_t h;
  int32_t w;
  int32_t c;
} csd_shape4;

/* ---------------------------------------------------------------- arithmetic */
/*
 * TFLite's fixed-point primitives, exported so that other code (and the tests) can use the
 * very same arithmetic as the kernels. They are total functions: arguments outside the
 * documented range are clamped into it, never undefined.
 */

/* SaturatingRoundingDoublingHighMul: (a*b + 2^30) >> 31 rounded half up (towards +inf) on the
 * 64-bit product; the only overflow, a = b = INT32_MIN, saturates to INT32_MAX. */
int32_t csd_srdhm(int32_t a, int32_t b);

/* RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.
 * exponent is clamped to [0, 31]. */
int32_t csd_rounding_divide_by_pot(int32_t x, int32_t exponent);

/* MultiplyByQuantizedMultiplier with double rounding (TFLite's default build; CONV_2D,
 * DEPTHWISE_CONV_2D, ADD, requantizing QUANTIZE):
 *   RoundingDivideByPOT(SRDHM(x * 2^max(shift, 0), multiplier), max(-shift, 0)).
 * The left shift wraps modulo 2^32 like the reference. shift is clamped to [-31, 31]. */
int32_t csd_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift);

/* MultiplyByQuantizedMultiplier with single rounding (TFLite built with
 * TFLITE_SINGLE_ROUNDING): (x*multiplier + 2^(n-1)) >> n with n = 31 - shift, ties towards
 * +inf, saturated to int32. shift is clamped to [-31, 30]. Not what the pinned interpreter
 * uses for any operator; provided for other runtimes and for comparisons. */
int32_t csd_multiply_by_quantized_multiplier_single_rounding(int32_t x, int32_t multiplier,
                                                             int32_t shift);

/* The requantization of ai-edge-litert 2.3.0's reference FULLY_CONNECTED:
 * round((double)acc * scale) with ties away from zero (C's round()), converted to int32
 * with saturation (NaN gives 0). */
int32_t csd_scale_and_round(int32_t acc, double scale);

/* ---------------------------------------------------------------- CONV_2D */

/* Parameters of csd_conv2d_s8 (per-channel int8 convolution, TFLite's
 * reference_integer_ops::ConvPerChannel). */
typedef struct {
  int32_t stride_h;   /* >= 1 */
  int32_t stride_w;   /* >= 1 */
  int32_t dilation_h; /* >= 1 */
  int32_t dilation_w; /* >= 1 */
  /* Padding before the first row/column, >= 0 (TFLite's padding_values: total / 2 for SAME,
   * 0 for VALID). Padding after the last row/column is implied by the output size. Padded
   * taps are skipped, i.e. they contribute as if the input were its zero point. */
  int32_t pad_top;
  int32_t pad_left;
  int32_t input_offset;  /* -(input zero point), in [-255, 255] */
  int32_t output_offset; /* output zero point, in [-128, 127] */
  int32_t act_min;       /* fused-activation clamp, -128 <= act_min <= act_max <= 127 */
  int32_t act_max;
  /* One multiplier (>= 0) and shift (in [-31, 30]) per output channel, from
   * QuantizeMultiplier(double(s_in) * double(s_w[c]) / double(s_out)). */
  const int32_t *multiplier;
  const int32_t *shift;
} csd_conv_params;

/* CONV_2D, int8 in/out, int8 weights with per-channel scales, optional int32 bias.
 *   input:  in_shape (NHWC)
 *   filter: filter_shape = [out_channels, kernel_h, kernel_w, in_channels / groups] (OHWI);
 *           in_shape.c must be a multiple of filter_shape.c (groups = in_c / filter_c) and
 *           out_shape.c = filter_shape.n a multiple of groups
 *   bias:   out_shape.c values, or NULL
 *   output: out_shape, with out_shape.n == in_shape.n; must not overlap input.
 * acc = sum w * (x + input_offset) (+ bias); out = clamp(MBQM(acc, M[c], shift[c]) +
 * output_offset, act_min, act_max). */
csd_status csd_conv2d_s8(const csd_conv_params *params, csd_shape4 in_shape, const int8_t *input,
                         csd_shape4 filter_shape, const int8_t *filter, const int32_t *bias,
                         csd_shape4 out_shape, int8_t *output);

/* ---------------------------------------------------------------- DEPTHWISE_CONV_2D */

/* Parameters of csd_depthwise_conv2d_s8 (TFLite's
 * reference_integer_ops::DepthwiseConvPerChannel). Fields as in csd_conv_params, plus the
 * depth multiplier. */
typedef struct {
  int32_t stride_h;
  int32_t stride_w;
  int32_t dilation_h;
  int32_t dilation_w;
  int32_t pad_top;
  int32_t pad_left;
  int32_t depth_multiplier; /* >= 1: output channels per input channel */
  int32_t input_offset;
  int32_t output_offset;
  int32_t act_min;
  int32_t act_max;
  const int32_t *multiplier; /* per output channel */
  const int32_t *shift;      /* per output channel */
} csd_depthwise_params;

/* DEPTHWISE_CONV_2D, int8, per-channel weights.
 *   filter: filter_shape = [1, kernel_h, kernel_w, in_c * depth_multiplier]
 *   output channel oc = ic * depth_multiplier + m reads input channel ic.
 *   out_shape.c == filter_shape.c == in_shape.c * depth_multiplier. */
csd_status csd_depthwise_conv2d_s8(const csd_depthwise_params *params, csd_shape4 in_shape,
                                   const int8_t *input, csd_shape4 filter_shape,
                                   const int8_t *filter, const int32_t *bias,
                                   csd_shape4 out_shape, int8_t *output);

/* ---------------------------------------------------------------- FULLY_CONNECTED */

/* How FULLY_CONNECTED turns its int32 accumulator into the output scale. */
/* ai-edge-litert 2.3.0 reference (the goldens): round((double)acc * scale[c]), ties away from
 * zero, scale[c] = double(s_in) * double(s_w[c]) / double(s_out). Uses `scale`. */
#define CSD_REQUANT_FLOAT_SCALE 0
/* TFLite's MultiplyByQuantizedMultiplier with double rounding (optimized kernels and the
 * reference kernels of older TFLite, e.g. tflite-runtime 2.14). Uses multiplier/shift. */
#define CSD_REQUANT_DOUBLE_ROUNDING 1
/* Integer single rounding, (acc*M + 2^(n-1)) >> n (TFLITE_SINGLE_ROUNDING builds; the formula
 * of shared/spec/tflite-int8.md). Uses multiplier/shift. Equal to CSD_REQUANT_FLOAT_SCALE
 * except next to rounding ties: exact ties of negative values (e.g. power-of-two scales)
 * round up here and away from zero in the reference, so this is NOT bit-exact with the
 * goldens in general (the fc_ties probes of the tests show it). */
#define CSD_REQUANT_SINGLE_ROUNDING 2

/* Parameters of csd_fully_connected_s8. */
typedef struct {
  int32_t input_offset;   /* -(input zero point), in [-255, 255] */
  /* -(weights zero point), in [-255, 255]; TFLite applies it only for per-tensor weights, so
   * pass 0 for per-channel weights. */
  int32_t weights_offset;
  int32_t output_offset; /* output zero point, in [-128, 127] */
  int32_t act_min;       /* -128 <= act_min <= act_max <= 127 */
  int32_t act_max;
  int32_t requant;     /* CSD_REQUANT_FLOAT_SCALE (golden), _DOUBLE_ROUNDING or _SINGLE_ROUNDING */
  int32_t per_channel; /* 0: one scale/multiplier for every output; else one per output */
  const double *scale;       /* for CSD_REQUANT_FLOAT_SCALE: finite, >= 0 */
  const int32_t *multiplier; /* for the integer modes: >= 0 */
  const int32_t *shift;      /* for the integer modes: in [-31, 30] */
} csd_fully_connected_params;

/* FULLY_CONNECTED, int8: output[b][o] from input[b][0..depth) and weights[o][0..depth).
 *   input:   batches x accum_depth (the input tensor flattened to rows of accum_depth)
 *   weights: out_depth x accum_depth (row-major, TFLite's default weights format)
 *   bias:    out_depth values, or NULL
 *   output:  batches x out_depth; must not overlap input.
 * acc = sum (w + weights_offset) * (x + input_offset) (+ bias). */
csd_status csd_fully_connected_s8(const csd_fully_connected_params *params, int32_t batches,
                                  int32_t accum_depth, int32_t out_depth, const int8_t *input,
                                  const int8_t *weights, const int32_t *bias, int8_t *output);

/* ---------------------------------------------------------------- ADD */

/* Parameters of csd_add_s8 (TFLite's int8 ADD, general rescaling path). */
typedef struct {
  int32_t input1_offset; /* -(zero point of input 1), in [-255, 255] */
  int32_t input2_offset; /* -(zero point of input 2), in [-255, 255] */
  int32_t output_offset; /* output zero point, in [-128, 127] */
  int32_t left_shift;    /* 20 for int8, in [0, 30] */
  /* s_i / (2 max(s1, s2)) and 2 max(s1, s2) / (2^left_shift s_out) as QuantizeMultiplier
   * results: multipliers >= 0, shifts in [-31, 0]. */
  int32_t input1_multiplier;
  int32_t input1_shift;
  int32_t input2_multiplier;
  int32_t input2_shift;
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t act_min; /* -128 <= act_min <= act_max <= 127 */
  int32_t act_max;
} csd_add_params;

/* ADD of two int8 tensors of `count` elements each (equal shapes). In place is allowed
 * (output may be input1 or input2 exactly). */
csd_status csd_add_s8(const csd_add_params *params, int32_t count, const int8_t *input1,
                      const int8_t *input2, int8_t *output);

/* ADD with 4-D broadcasting: every dimension of shape1 and shape2 equals the output's or is
 * 1 (numpy rules after padding the ranks to 4 with leading 1s). The arithmetic per element
 * is that of csd_add_s8 (TFLite's BroadcastAdd4DSlow). The output must not overlap an input
 * unless it is that input exactly and has the output's shape. */
csd_status csd_add_broadcast_s8(const csd_add_params *params, csd_shape4 shape1,
                                const int8_t *input1, csd_shape4 shape2, const int8_t *input2,
                                csd_shape4 out_shape, int8_t *output);

/* ---------------------------------------------------------------- pools */

/* Parameters of csd_max_pool2d_s8 and csd_avg_pool2d_s8. Input and output share one
 * quantization (TFLite's int8 pools do not rescale). */
typedef struct {
  int32_t filter_h; /* >= 1 */
  int32_t filter_w; /* >= 1 */
  int32_t stride_h; /* >= 1 */
  int32_t stride_w; /* >= 1 */
  int32_t pad_top;  /* >= 0, as for csd_conv_params */
  int32_t pad_left;
  int32_t act_min; /* -128 <= act_min <= act_max <= 127 */
  int32_t act_max;
} csd_pool_params;

/* MAX_POOL_2D: the maximum over the in-bounds taps of each window, clamped to the
 * activation range. out_shape.n/.c must equal in_shape.n/.c; no overlap. */
csd_status csd_max_pool2d_s8(const csd_pool_params *params, csd_shape4 in_shape,
                             const int8_t *input, csd_shape4 out_shape, int8_t *output);

/* AVERAGE_POOL_2D: acc = sum of the raw int8 values of the n in-bounds taps (padding is not
 * counted), out = acc > 0 ? (acc + n/2) / n : (acc - n/2) / n (C division, truncating),
 * clamped. Returns CSD_ERR_RUNTIME, writing nothing, if a window has no in-bounds tap (the
 * reference fails there). */
csd_status csd_avg_pool2d_s8(const csd_pool_params *params, csd_shape4 in_shape,
                             const int8_t *input, csd_shape4 out_shape, int8_t *output);

/* ---------------------------------------------------------------- SOFTMAX */

/* Parameters of csd_softmax_s8, from PreprocessSoftmaxScaling(beta, s_in, 5) and
 * CalculateInputRadius(5, input_left_shift). */
typedef struct {
  int32_t input_multiplier; /* >= 0 */
  int32_t input_left_shift; /* in [0, 32] (32 only when beta * s_in * 2^26 >= 2^31 - 1) */
  int32_t diff_min;         /* <= 0: differences to the row maximum below it give exp = 0 */
} csd_softmax_params;

/* SOFTMAX int8 -> int8 (output scale 1/256, zero point -128) over the last dimension:
 * `rows` rows of `depth` values. The fixed-point path of TFLite's reference_ops::Softmax
 * (gemmlowp exp_on_negative_values, Q12.19 sum, one_over_one_plus_x_for_x_in_0_1), which is
 * what BUILTIN_REF runs (the optimized kernel uses a float lookup table instead). In place
 * is allowed. CSD_ERR_RUNTIME if a row's sum of exponentials reaches 2^28 (more than 511
 * maximal terms), where the reference aborts. */
csd_status csd_softmax_s8(const csd_softmax_params *params, int32_t rows, int32_t depth,
                          const int8_t *input, int8_t *output);

/* ---------------------------------------------------------------- QUANTIZE / DEQUANTIZE */

/* Per-tensor affine quantization: real = scale * (q - zero_point). */
typedef struct {
  float scale;        /* finite, > 0 */
  int32_t zero_point; /* within the integer type's range */
} csd_quant_params;

/* QUANTIZE float32 -> int8 / uint8 (reference_ops::AffineQuantize):
 * q = clamp(round(x / scale) + zero_point) with a float32 division and round() ties away
 * from zero. Where x / scale is NaN or outside the int32 range the reference's float->int32
 * conversion is undefined; the x86-64 golden interpreter gets INT32_MIN there and adds the
 * zero point with wrap-around (so NaN, +-inf and huge values of either sign give 127 when
 * zero_point < 0 and -128 otherwise for int8). These kernels reproduce that. In place is
 * not possible (different element sizes); no overlap. */
csd_status csd_quantize_f32_s8(const csd_quant_params *params, int32_t count, const float *input,
                               int8_t *output);
csd_status csd_quantize_f32_u8(const csd_quant_params *params, int32_t count, const float *input,
                               uint8_t *output);

/* DEQUANTIZE int8 / uint8 -> float32: (float)((double)scale * (q - zero_point)). */
csd_status csd_dequantize_s8_f32(const csd_quant_params *params, int32_t count,
                                 const int8_t *input, float *output);
csd_status csd_dequantize_u8_f32(const csd_quant_params *params, int32_t count,
                                 const uint8_t *input, float *output);

/* Parameters of the requantizing QUANTIZE (integer input). */
typedef struct {
  /* QuantizeMultiplier(double(s_in) / double(s_out)): multiplier >= 0, shift in [-31, 30]. */
  int32_t multiplier;
  int32_t shift;
  int32_t input_zero_point;  /* within the input type's range */
  int32_t output_zero_point; /* within the output type's range */
} csd_requantize_params;

/* QUANTIZE with an integer input (reference_ops::Requantize):
 * q_out = clamp(MBQM(q_in - zp_in, multiplier, shift) + zp_out) with double rounding.
 * uint8 <-> int8 with equal scales and zero points 128 apart is the pure XOR 0x80 the
 * reference's fast path does (the general formula gives the same bytes). In place is
 * allowed (output == input exactly). */
csd_status csd_requantize_s8_s8(const csd_requantize_params *params, int32_t count,
                                const int8_t *input, int8_t *output);
csd_status csd_requantize_u8_s8(const csd_requantize_params *params, int32_t count,
                                const uint8_t *input, int8_t *output);
csd_status csd_requantize_s8_u8(const csd_requantize_params *params, int32_t count,
                                const int8_t *input, uint8_t *output);
csd_status csd_requantize_u8_u8(const csd_requantize_params *params, int32_t count,
                                const uint8_t *input, uint8_t *output);

/* ---------------------------------------------------------------- RESHAPE */

/* RESHAPE: copies `bytes` bytes (overlapping buffers allowed). Shapes are the caller's
 * business: the data of a reshaped tensor do not change. */
csd_status csd_reshape(const void *input, void *output, size_t bytes);

#ifdef __cplusplus
}
#endif

#endif /* VTAC_CSD_KERNELS_H_ */
