/*
 * copy_layout.c — moving a tensor's value between layouts (vtac_bundle.proto, TensorRef):
 *   NHWC:       C-order [N][H][W][C] elements;
 *   VTA_PACKED: [N/BATCH][ceil(C/BLOCK)][H+halo_top+halo_bottom][W+halo_left+halo_right]
 *               [BATCH][BLOCK] int8 elements; value element (n, h, w, c) sits at row
 *               h + halo_top, column w + halo_left.
 * A copy writes only the value: the halo and the channels past C keep what the fills (or
 * earlier steps) put there.
 */
#include <string.h>

#include "rt_internal.h"

uint64_t rt_tensor_elem_offset(const rt_tensor *t, const rt_geometry *g, int32_t n, int32_t h,
                               int32_t w, int32_t c) {
  if (!t->packed)
    return ((((uint64_t)n * (uint64_t)t->h + (uint64_t)h) * (uint64_t)t->w + (uint64_t)w) *
                (uint64_t)t->c + (uint64_t)c) * t->elem_size;
  uint64_t B = g->batch, BL = g->block_in;
  uint64_t blocks = ((uint64_t)t->c + BL - 1) / BL;
  uint64_t rows = (uint64_t)t->h + t->halo_top + t->halo_bottom;
  uint64_t cols = (uint64_t)t->w + t->halo_left + t->halo_right;
  uint64_t i = (uint64_t)n / B * blocks + (uint64_t)c / BL;
  i = i * rows + (uint64_t)h + t->halo_top;
  i = i * cols + (uint64_t)w + t->halo_left;
  i = i * B + (uint64_t)n % B;
  return i * BL + (uint64_t)c % BL;
}

/* Channels from c that are contiguous in t's layout. */
static int32_t run_length(const rt_tensor *t, const rt_geometry *g, int32_t c) {
  if (!t->packed) return t->c - c;
  int32_t left = (int32_t)(g->block_in - (uint32_t)c % g->block_in);
  return left < t->c - c ? left : t->c - c;
}

void rt_copy_tensor(const rt_tensor *from, const uint8_t *src, const rt_tensor *to, uint8_t *dst,
                    const rt_geometry *g) {
  size_t es = from->elem_size;
  for (int32_t n = 0; n < from->n; n++)
    for (int32_t h = 0; h < from->h; h++)
      for (int32_t w = 0; w < from->w; w++)
        for (int32_t c = 0; c < from->c;) {
          int32_t a = run_length(from, g, c), b = run_length(to, g, c);
          int32_t len = a < b ? a : b;
          memcpy(dst + rt_tensor_elem_offset(to, g, n, h, w, c),
                 src + rt_tensor_elem_offset(from, g, n, h, w, c), (size_t)len * es);
          c += len;
        }
}
