/*
 * tensor_check.c — TensorRefs proven to lie inside their regions.
 *
 * Shapes are read as NHWC: rank 4 as is; lower ranks keep the first dimension as N and the
 * last as C ([N, C] -> [N, 1, 1, C], [N, X, C] -> [N, 1, X, C], [C] -> [1, 1, 1, C]).
 * A VTA_PACKED tensor occupies
 *   N/BATCH x ceil(C/BLOCK) x (H + halo_top + halo_bottom) x (W + halo_left + halo_right)
 *   x BATCH x BLOCK bytes
 * (vtac_bundle.proto, TensorRef); an NHWC tensor N*H*W*C elements.
 */
#include <string.h>

#include "rt_internal.h"

enum { MAX_DIM = 65535 };
#define MAX_ELEMENTS 0x7FFFFFFFull

uint32_t rt_type_size(uint32_t type) {
  switch (type) {
  case VTAC__BUNDLE__DATA_TYPE__DATA_TYPE_INT8:
  case VTAC__BUNDLE__DATA_TYPE__DATA_TYPE_UINT8:
    return 1;
  case VTAC__BUNDLE__DATA_TYPE__DATA_TYPE_INT16:
    return 2;
  case VTAC__BUNDLE__DATA_TYPE__DATA_TYPE_INT32:
  case VTAC__BUNDLE__DATA_TYPE__DATA_TYPE_FLOAT32:
    return 4;
  default:
    return 0;
  }
}

const char *rt_type_name(uint32_t type) {
  static const char *const names[] = {"int8", "uint8", "int32", "float32", "int16"};
  return type < 5 ? names[type] : "unknown type";
}

csdrt_status rt_shape_nhwc(const int32_t *dims, size_t rank, int32_t nhwc[4], char *err,
                           size_t err_len) {
  if (rank > 4)
    return rt_fail(err, err_len, CSDRT_ERR_TENSOR, "rank %zu (at most 4)", rank);
  for (size_t i = 0; i < rank; i++)
    if (dims[i] < 1 || dims[i] > MAX_DIM)
      return rt_fail(err, err_len, CSDRT_ERR_TENSOR, "dimension %zu is %d (1 to %d)", i, dims[i],
                     MAX_DIM);
  nhwc[0] = nhwc[1] = nhwc[2] = nhwc[3] = 1;
  switch (rank) {
  case 0: break;
  case 1: nhwc[3] = dims[0]; break;
  case 2: nhwc[0] = dims[0]; nhwc[3] = dims[1]; break;
  case 3: nhwc[0] = dims[0]; nhwc[2] = dims[1]; nhwc[3] = dims[2]; break;
  default: memcpy(nhwc, dims, 4 * sizeof *dims); break;
  }
  uint64_t count = (uint64_t)nhwc[0] * (uint64_t)nhwc[1];
  if (count > MAX_ELEMENTS || (count *= (uint64_t)nhwc[2]) > MAX_ELEMENTS ||
      (count *= (uint64_t)nhwc[3]) > MAX_ELEMENTS)
    return rt_fail(err, err_len, CSDRT_ERR_TENSOR, "more than %llu elements",
                   (unsigned long long)MAX_ELEMENTS);
  return CSDRT_OK;
}

/* a * b, failing above 2^62 (far past any region). */
static int mul_ck(uint64_t a, uint64_t b, uint64_t *r) {
  if (a && b > (1ull << 62) / a) return 0;
  *r = a * b;
  return 1;
}

csdrt_status rt_tensor_resolve(const Vtac__Bundle__TensorRef *ref, const rt_geometry *g,
                               const rt_plan *plan, rt_tensor *t, const char *what, char *err,
                               size_t err_len) {
  memset(t, 0, sizeof *t);
  if (!ref) return rt_fail(err, err_len, CSDRT_ERR_MANIFEST, "%s is missing", what);
  uint32_t region = (uint32_t)ref->region;
  if (region != RT_REGION_CONSTANTS && region != RT_REGION_ACTIVATIONS &&
      region != RT_REGION_SCRATCH && region != RT_REGION_HOST)
    return rt_fail(err, err_len, CSDRT_ERR_TENSOR,
                   "%s is in region %d (%s): tensors live in CONSTANTS, ACTIVATIONS, SCRATCH or "
                   "HOST", what, (int)ref->region, rt_region_name(region));
  t->region = region;
  t->offset = ref->offset;
  t->type = (uint32_t)ref->type;
  t->elem_size = rt_type_size(t->type);
  if (!t->elem_size)
    return rt_fail(err, err_len, CSDRT_ERR_TENSOR, "%s has unknown data type %d", what,
                   (int)ref->type);
  int32_t s[4];
  csdrt_status st = rt_shape_nhwc(ref->shape, ref->n_shape, s, err, err_len);
  if (st) {
    rt_prefix(err, err_len, "%s", what);
    return st;
  }
  t->n = s[0], t->h = s[1], t->w = s[2], t->c = s[3];
  t->count = (uint64_t)s[0] * (uint64_t)s[1] * (uint64_t)s[2] * (uint64_t)s[3];
  t->value_bytes = t->count * t->elem_size;
  t->halo_top = ref->halo_top, t->halo_bottom = ref->halo_bottom;
  t->halo_left = ref->halo_left, t->halo_right = ref->halo_right;
  if (ref->layout == VTAC__BUNDLE__LAYOUT__LAYOUT_NHWC) {
    if (t->halo_top || t->halo_bottom || t->halo_left || t->halo_right)
      return rt_fail(err, err_len, CSDRT_ERR_TENSOR, "%s is NHWC but has a halo", what);
    /* Kernels take int32_t / float pointers: keep them aligned. */
    if (t->offset % t->elem_size)
      return rt_fail(err, err_len, CSDRT_ERR_TENSOR, "%s (%s) at offset %llu is not %u-aligned",
                     what, rt_type_name(t->type), (unsigned long long)t->offset, t->elem_size);
    t->span = t->value_bytes;
  } else if (ref->layout == VTAC__BUNDLE__LAYOUT__LAYOUT_VTA_PACKED) {
    t->packed = 1;
    if (t->elem_size != 1)
      return rt_fail(err, err_len, CSDRT_ERR_TENSOR, "%s is VTA_PACKED %s (packed tensors hold "
                     "8-bit elements)", what, rt_type_name(t->type));
    if (g->block_in != g->block_out)
      return rt_fail(err, err_len, CSDRT_ERR_TENSOR, "%s is VTA_PACKED but the device's "
                     "BLOCK_IN %u and BLOCK_OUT %u differ", what, g->block_in, g->block_out);
    if ((uint32_t)t->n % g->batch)
      return rt_fail(err, err_len, CSDRT_ERR_TENSOR, "%s is VTA_PACKED with N = %d, not a "
                     "multiple of BATCH %u", what, t->n, g->batch);
    if (t->halo_top > MAX_DIM || t->halo_bottom > MAX_DIM || t->halo_left > MAX_DIM ||
        t->halo_right > MAX_DIM)
      return rt_fail(err, err_len, CSDRT_ERR_TENSOR, "%s has a halo above %d", what, MAX_DIM);
    uint64_t blocks = ((uint64_t)t->c + g->block_in - 1) / g->block_in;
    uint64_t rows = (uint64_t)t->h + t->halo_top + t->halo_bottom;
    uint64_t cols = (uint64_t)t->w + t->halo_left + t->halo_right;
    uint64_t span = (uint64_t)t->n / g->batch;
    if (!mul_ck(span, blocks, &span) || !mul_ck(span, rows, &span) ||
        !mul_ck(span, cols, &span) || !mul_ck(span, (uint64_t)g->batch * g->block_in, &span))
      return rt_fail(err, err_len, CSDRT_ERR_TENSOR, "%s is impossibly large", what);
    t->span = span;
  } else {
    return rt_fail(err, err_len, CSDRT_ERR_TENSOR, "%s has unknown layout %d", what,
                   (int)ref->layout);
  }
  uint64_t size = plan->size[region];
  if (t->span > size || t->offset > size - t->span)
    return rt_fail(err, err_len, CSDRT_ERR_TENSOR,
                   "%s (%llu bytes at offset %llu) lies outside region %s (%llu bytes)", what,
                   (unsigned long long)t->span, (unsigned long long)t->offset,
                   rt_region_name(region), (unsigned long long)size);
  return CSDRT_OK;
}

csdrt_status rt_tensor_writable(const rt_tensor *t, const char *what, char *err, size_t err_len) {
  if (t->region == RT_REGION_CONSTANTS)
    return rt_fail(err, err_len, CSDRT_ERR_TENSOR,
                   "%s is in CONSTANTS, which nothing writes after loading", what);
  return CSDRT_OK;
}

int rt_tensor_same_value(const rt_tensor *a, const rt_tensor *b) {
  return a->n == b->n && a->h == b->h && a->w == b->w && a->c == b->c && a->type == b->type;
}

int rt_tensor_overlap(const rt_tensor *a, const rt_tensor *b) {
  if (a->region != b->region || a->region == RT_REGION_NONE) return 0;
  return a->offset < b->offset + b->span && b->offset < a->offset + a->span;
}
