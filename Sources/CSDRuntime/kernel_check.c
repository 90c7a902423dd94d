/*
 * kernel_check.c — a CpuKernel's tensors and parameters proven to fit one another before any
 * kernel runs: tensor counts and types per kind, per-channel array lengths, shapes that
 * the kernels' loops may trust. Value ranges (shifts, offsets, activation bounds) are the
 * kernels' own first check at run time (CSDKernels validates every argument).
 *
 * How parameters are read (what the compiler must write):
 *  - softmax: rows x depth = the input's and output's element counts; int8 -> int8.
 *  - quantize: float32 -> int8/uint8 uses output_scale / output_zero_point; an int8/uint8
 *    input requantizes with multiplier, shift, input_zero_point, output_zero_point. count =
 *    the element count.
 *  - dequantize: int8/uint8 -> float32, count = the element count.
 *  - reshape: bytes = the input's and the output's byte size.
 *  - conv: NHWC int8 in/out; filter OHWI int8 ([1, kh, kw, C*m] when depthwise); bias int32,
 *    one per output channel, optional; one multiplier and shift per output channel.
 *  - fully_connected: weights [out_depth, accum_depth] int8; the input is read as rows of
 *    accum_depth; the output is rows x out_depth; multiplier/shift: one (per tensor) or
 *    out_depth (per channel); single_rounding picks TFLite's single-rounding requantization,
 *    else double rounding. Weights are symmetric (weights_offset 0).
 *  - add: two int8 inputs; equal shapes add element-wise, otherwise 4-D broadcasting.
 *  - pool: NHWC int8, average or max.
 */
#include <stdio.h>
#include <string.h>

#include "rt_internal.h"

#define VT(x) VTAC__BUNDLE__DATA_TYPE__DATA_TYPE_##x

static csd_shape4 shape_of(const rt_tensor *t) { return (csd_shape4){t->n, t->h, t->w, t->c}; }

static csdrt_status resolve(const Vtac__Bundle__TensorRef *ref, const rt_geometry *g,
                            const rt_plan *plan, rt_tensor *t, const char *what, char *err,
                            size_t err_len) {
  csdrt_status st = rt_tensor_resolve(ref, g, plan, t, what, err, err_len);
  if (st) return st;
  if (t->packed)
    return rt_fail(err, err_len, CSDRT_ERR_TENSOR, "%s is VTA_PACKED: CPU kernels read NHWC",
                   what);
  return CSDRT_OK;
}

static int is8(uint32_t type) { return type == VT(INT8) || type == VT(UINT8); }

csdrt_status rt_kernel_resolve(const Vtac__Bundle__CpuKernel *k, const rt_geometry *g,
                               const rt_plan *plan, rt_kernel *r, char *err, size_t err_len) {
  memset(r, 0, sizeof *r);
  r->k = k;
  r->kind = (uint32_t)k->params_case;
  uint32_t need_in;
  switch (k->params_case) {
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_SOFTMAX: need_in = 1; break;
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_QUANTIZE: need_in = 1; break;
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_DEQUANTIZE: need_in = 1; break;
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_RESHAPE: need_in = 1; break;
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_CONV: need_in = 1; break;
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_FULLY_CONNECTED: need_in = 1; break;
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_ADD: need_in = 2; break;
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_POOL: need_in = 1; break;
  default:
    return rt_fail(err, err_len, CSDRT_ERR_PARAMS, "no parameters (unknown kernel kind %d)",
                   (int)k->params_case);
  }
  if (!k->softmax) /* any member of the union: protobuf-c sets it with the case */
    return rt_fail(err, err_len, CSDRT_ERR_PARAMS, "parameters missing");
  if (k->n_inputs != need_in || k->n_outputs != 1)
    return rt_fail(err, err_len, CSDRT_ERR_PARAMS, "%zu inputs and %zu outputs (needs %u and 1)",
                   k->n_inputs, k->n_outputs, need_in);
  csdrt_status st;
  r->n_in = need_in;
  for (uint32_t i = 0; i < need_in; i++) {
    char what[32];
    snprintf(what, sizeof what, "input %u", i);
    if ((st = resolve(k->inputs[i], g, plan, &r->in[i], what, err, err_len))) return st;
    r->in_shape[i] = shape_of(&r->in[i]);
  }
  if ((st = resolve(k->outputs[0], g, plan, &r->out, "output", err, err_len)) ||
      (st = rt_tensor_writable(&r->out, "output", err, err_len)))
    return st;
  r->out_shape = shape_of(&r->out);
  const rt_tensor *in = &r->in[0], *out = &r->out;
  uint64_t count = in->count;

  switch (k->params_case) {
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_SOFTMAX: {
    const Vtac__Bundle__SoftmaxParams *p = k->softmax;
    if (in->type != VT(INT8) || out->type != VT(INT8))
      return rt_fail(err, err_len, CSDRT_ERR_PARAMS, "softmax needs int8 input and output");
    if (p->rows < 1 || p->depth < 1 || (uint64_t)p->rows * (uint64_t)p->depth != count ||
        out->count != count)
      return rt_fail(err, err_len, CSDRT_ERR_PARAMS,
                     "softmax of %d rows x %d does not match %llu input and %llu output elements",
                     p->rows, p->depth, (unsigned long long)count,
                     (unsigned long long)out->count);
    r->ops = count * 8;
    break;
  }
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_QUANTIZE:
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_DEQUANTIZE: {
    int quant = k->params_case == VTAC__BUNDLE__CPU_KERNEL__PARAMS_QUANTIZE;
    int64_t n = quant ? k->quantize->count : k->dequantize->count;
    int ok = quant ? ((in->type == VT(FLOAT32) || is8(in->type)) && is8(out->type))
                   : (is8(in->type) && out->type == VT(FLOAT32));
    if (!ok)
      return rt_fail(err, err_len, CSDRT_ERR_PARAMS, "%s from %s to %s is not supported",
                     quant ? "quantize" : "dequantize", rt_type_name(in->type),
                     rt_type_name(out->type));
    if (n < 0 || (uint64_t)n != count || out->count != count)
      return rt_fail(err, err_len, CSDRT_ERR_PARAMS,
                     "count %lld does not match %llu input and %llu output elements",
                     (long long)n, (unsigned long long)count, (unsigned long long)out->count);
    r->ops = count;
    break;
  }
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_RESHAPE: {
    uint64_t bytes = k->reshape->bytes;
    if (bytes != in->value_bytes || bytes != out->value_bytes)
      return rt_fail(err, err_len, CSDRT_ERR_PARAMS,
                     "reshape of %llu bytes between tensors of %llu and %llu bytes",
                     (unsigned long long)bytes, (unsigned long long)in->value_bytes,
                     (unsigned long long)out->value_bytes);
    r->ops = bytes;
    break;
  }
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_CONV: {
    const Vtac__Bundle__ConvParams *p = k->conv;
    if (in->type != VT(INT8) || out->type != VT(INT8))
      return rt_fail(err, err_len, CSDRT_ERR_PARAMS, "conv needs int8 input and output");
    if ((st = resolve(p->filter, g, plan, &r->filter, "filter", err, err_len))) return st;
    if (r->filter.type != VT(INT8))
      return rt_fail(err, err_len, CSDRT_ERR_PARAMS, "conv filter is %s, not int8",
                     rt_type_name(r->filter.type));
    r->filter_shape = shape_of(&r->filter);
    if (p->bias) {
      if ((st = resolve(p->bias, g, plan, &r->bias, "bias", err, err_len))) return st;
      if (r->bias.type != VT(INT32) || r->bias.count != (uint64_t)out->c)
        return rt_fail(err, err_len, CSDRT_ERR_PARAMS,
                       "conv bias is %llu %s values for %d output channels",
                       (unsigned long long)r->bias.count, rt_type_name(r->bias.type), out->c);
      r->has_bias = 1;
    }
    if (p->n_output_multiplier != (size_t)out->c || p->n_output_shift != (size_t)out->c)
      return rt_fail(err, err_len, CSDRT_ERR_PARAMS,
                     "%zu multipliers and %zu shifts for %d output channels",
                     p->n_output_multiplier, p->n_output_shift, out->c);
    uint64_t taps = (uint64_t)r->filter.h * (uint64_t)r->filter.w;
    r->ops = rt_sat_mul(rt_sat_mul(out->count, taps), p->depthwise ? 1u : (uint64_t)r->filter.c);
    break;
  }
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_FULLY_CONNECTED: {
    const Vtac__Bundle__FullyConnectedParams *p = k->fully_connected;
    if (in->type != VT(INT8) || out->type != VT(INT8))
      return rt_fail(err, err_len, CSDRT_ERR_PARAMS, "fully connected needs int8 input and output");
    if ((st = resolve(p->weights, g, plan, &r->filter, "weights", err, err_len))) return st;
    const rt_tensor *w = &r->filter;
    if (w->type != VT(INT8) || w->h != 1 || w->w != 1)
      return rt_fail(err, err_len, CSDRT_ERR_PARAMS,
                     "fully connected weights must be int8 [out_depth, accum_depth]");
    r->fc_out = w->n;
    r->fc_depth = w->c;
    if (count % (uint64_t)r->fc_depth)
      return rt_fail(err, err_len, CSDRT_ERR_PARAMS,
                     "%llu input elements are not rows of accum_depth %d",
                     (unsigned long long)count, r->fc_depth);
    r->fc_batches = (int32_t)(count / (uint64_t)r->fc_depth);
    if (out->count != (uint64_t)r->fc_batches * (uint64_t)r->fc_out)
      return rt_fail(err, err_len, CSDRT_ERR_PARAMS,
                     "output has %llu elements, not %d rows x %d", (unsigned long long)out->count,
                     r->fc_batches, r->fc_out);
    if (p->bias) {
      if ((st = resolve(p->bias, g, plan, &r->bias, "bias", err, err_len))) return st;
      if (r->bias.type != VT(INT32) || r->bias.count != (uint64_t)r->fc_out)
        return rt_fail(err, err_len, CSDRT_ERR_PARAMS,
                       "fully connected bias is %llu %s values for %d outputs",
                       (unsigned long long)r->bias.count, rt_type_name(r->bias.type), r->fc_out);
      r->has_bias = 1;
    }
    if (p->n_scale > 0) {
      if (p->n_scale != 1 && p->n_scale != (size_t)r->fc_out)
        return rt_fail(err, err_len, CSDRT_ERR_PARAMS,
                       "%zu scales (1, or one per each of %d outputs)", p->n_scale, r->fc_out);
      for (size_t i = 0; i < p->n_scale; i++)
        if (!(p->scale[i] >= 0.0 && p->scale[i] <= 1e300))
          return rt_fail(err, err_len, CSDRT_ERR_PARAMS,
                         "fully connected scale %zu is not a finite non-negative number", i);
    } else {
      size_t m = p->n_output_multiplier;
      if (m != p->n_output_shift || (m != 1 && m != (size_t)r->fc_out))
        return rt_fail(err, err_len, CSDRT_ERR_PARAMS,
                       "%zu multipliers and %zu shifts (1, or one per each of %d outputs)", m,
                       p->n_output_shift, r->fc_out);
    }
    r->ops = rt_sat_mul((uint64_t)r->fc_batches * (uint64_t)r->fc_out, (uint64_t)r->fc_depth);
    break;
  }
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_ADD:
    if (in->type != VT(INT8) || r->in[1].type != VT(INT8) || out->type != VT(INT8))
      return rt_fail(err, err_len, CSDRT_ERR_PARAMS, "add needs int8 inputs and output");
    r->ops = out->count * 4;
    break;
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_POOL: {
    const Vtac__Bundle__PoolParams *p = k->pool;
    if (in->type != VT(INT8) || out->type != VT(INT8))
      return rt_fail(err, err_len, CSDRT_ERR_PARAMS, "pool needs int8 input and output");
    if (p->filter_h < 1 || p->filter_w < 1 || p->filter_h > 65535 || p->filter_w > 65535)
      return rt_fail(err, err_len, CSDRT_ERR_PARAMS, "pool filter %dx%d", p->filter_h,
                     p->filter_w);
    r->ops = rt_sat_mul(out->count, (uint64_t)p->filter_h * (uint64_t)p->filter_w);
    break;
  }
  default:
    break;
  }
  return CSDRT_OK;
}
