/*
 * kernels.c — RunKernel: a validated CpuKernel (kernel_check.c) handed to CSDKernels.
 * Tensors in accelerator regions are invalidated before the CPU reads them and flushed after
 * it writes them; the host region needs neither.
 */
#include "rt_internal.h"

#define VT(x) VTAC__BUNDLE__DATA_TYPE__DATA_TYPE_##x

static uint8_t *at(rt_region regions[RT_REGIONS], const rt_tensor *t) {
  return regions[t->region].host + t->offset;
}

csdrt_status rt_kernel_run(const rt_kernel *r, rt_region regions[RT_REGIONS], char *err,
                           size_t err_len) {
  const Vtac__Bundle__CpuKernel *k = r->k;
  for (uint32_t i = 0; i < r->n_in; i++)
    rt_region_invalidate(&regions[r->in[i].region], r->in[i].offset, r->in[i].span);
  if (r->filter.span) rt_region_invalidate(&regions[r->filter.region], r->filter.offset, r->filter.span);
  if (r->has_bias) rt_region_invalidate(&regions[r->bias.region], r->bias.offset, r->bias.span);
  const void *in = at(regions, &r->in[0]);
  void *out = at(regions, &r->out);
  int32_t count = (int32_t)r->in[0].count;
  csd_status s = CSD_ERR_PARAM;
  switch (k->params_case) {
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_SOFTMAX: {
    const Vtac__Bundle__SoftmaxParams *p = k->softmax;
    csd_softmax_params q = {p->input_multiplier, p->input_left_shift, p->diff_min};
    s = csd_softmax_s8(&q, p->rows, p->depth, in, out);
    break;
  }
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_QUANTIZE: {
    const Vtac__Bundle__QuantizeParams *p = k->quantize;
    uint32_t ti = r->in[0].type, to = r->out.type;
    if (ti == VT(FLOAT32)) {
      csd_quant_params q = {p->output_scale, p->output_zero_point};
      s = to == VT(INT8) ? csd_quantize_f32_s8(&q, count, in, out)
                         : csd_quantize_f32_u8(&q, count, in, out);
    } else {
      csd_requantize_params q = {p->multiplier, p->shift, p->input_zero_point,
                                 p->output_zero_point};
      if (ti == VT(INT8))
        s = to == VT(INT8) ? csd_requantize_s8_s8(&q, count, in, out)
                           : csd_requantize_s8_u8(&q, count, in, out);
      else
        s = to == VT(INT8) ? csd_requantize_u8_s8(&q, count, in, out)
                           : csd_requantize_u8_u8(&q, count, in, out);
    }
    break;
  }
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_DEQUANTIZE: {
    const Vtac__Bundle__DequantizeParams *p = k->dequantize;
    csd_quant_params q = {p->scale, p->zero_point};
    s = r->in[0].type == VT(INT8) ? csd_dequantize_s8_f32(&q, count, in, out)
                                  : csd_dequantize_u8_f32(&q, count, in, out);
    break;
  }
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_RESHAPE:
    s = csd_reshape(in, out, (size_t)k->reshape->bytes);
    break;
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_CONV: {
    const Vtac__Bundle__ConvParams *p = k->conv;
    const int8_t *filter = (const int8_t *)at(regions, &r->filter);
    const int32_t *bias = r->has_bias ? (const int32_t *)at(regions, &r->bias) : NULL;
    if (p->depthwise) {
      csd_depthwise_params q = {p->stride_h,         p->stride_w,       p->dilation_h,
                                p->dilation_w,       p->pad_top,        p->pad_left,
                                p->depth_multiplier, p->input_offset,   p->output_offset,
                                p->activation_min,   p->activation_max, p->output_multiplier,
                                p->output_shift};
      s = csd_depthwise_conv2d_s8(&q, r->in_shape[0], in, r->filter_shape, filter, bias,
                                  r->out_shape, out);
    } else {
      csd_conv_params q = {p->stride_h,      p->stride_w,       p->dilation_h,
                           p->dilation_w,    p->pad_top,        p->pad_left,
                           p->input_offset,  p->output_offset,  p->activation_min,
                           p->activation_max, p->output_multiplier, p->output_shift};
      s = csd_conv2d_s8(&q, r->in_shape[0], in, r->filter_shape, filter, bias, r->out_shape, out);
    }
    break;
  }
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_FULLY_CONNECTED: {
    const Vtac__Bundle__FullyConnectedParams *p = k->fully_connected;
    /* With per-channel scales, the golden rounding of double(acc) × scale; otherwise the
     * integer multiplier modes. */
    csd_fully_connected_params q = {
        p->input_offset, 0, p->output_offset, p->activation_min, p->activation_max,
        p->n_scale > 0 ? CSD_REQUANT_FLOAT_SCALE
                       : (p->single_rounding ? CSD_REQUANT_SINGLE_ROUNDING : CSD_REQUANT_DOUBLE_ROUNDING),
        p->n_scale > 0 ? p->n_scale != 1 : p->n_output_multiplier != 1, p->scale,
        p->output_multiplier, p->output_shift};
    s = csd_fully_connected_s8(&q, r->fc_batches, r->fc_depth, r->fc_out, in,
                               (const int8_t *)at(regions, &r->filter),
                               r->has_bias ? (const int32_t *)at(regions, &r->bias) : NULL, out);
    break;
  }
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_ADD: {
    const Vtac__Bundle__AddParams *p = k->add;
    csd_add_params q = {p->input1_offset,     p->input2_offset,     p->output_offset,
                        p->left_shift,        p->input1_multiplier, p->input1_shift,
                        p->input2_multiplier, p->input2_shift,      p->output_multiplier,
                        p->output_shift,      p->activation_min,    p->activation_max};
    const rt_tensor *a = &r->in[0], *b = &r->in[1];
    const void *in2 = at(regions, b);
    if (rt_tensor_same_value(a, b) && rt_tensor_same_value(a, &r->out))
      s = csd_add_s8(&q, count, in, in2, out);
    else
      s = csd_add_broadcast_s8(&q, r->in_shape[0], in, r->in_shape[1], in2, r->out_shape, out);
    break;
  }
  case VTAC__BUNDLE__CPU_KERNEL__PARAMS_POOL: {
    const Vtac__Bundle__PoolParams *p = k->pool;
    csd_pool_params q = {p->filter_h, p->filter_w, p->stride_h,       p->stride_w,
                         p->pad_top,  p->pad_left, p->activation_min, p->activation_max};
    s = p->average ? csd_avg_pool2d_s8(&q, r->in_shape[0], in, r->out_shape, out)
                   : csd_max_pool2d_s8(&q, r->in_shape[0], in, r->out_shape, out);
    break;
  }
  default:
    break;
  }
  rt_region_flush(&regions[r->out.region], r->out.offset, r->out.span);
  if (s != CSD_OK)
    return rt_fail(err, err_len, CSDRT_ERR_KERNEL, "the kernel failed with %s",
                   csd_status_name(s));
  return CSDRT_OK;
}
