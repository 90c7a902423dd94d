/*
 * steps.c — one inference: the steps of the manifest in order. RunSegment hands the
 * relocated, verified slice of the instruction region to VTADeviceRun; Copy moves a tensor
 * between regions changing its layout (copy_layout.c) with the cache maintenance the board
 * needs (CMA memory is cached and not coherent with the accelerator); RunKernel runs a CPU
 * kernel (kernels.c). Errors name the step.
 */
#include <stdio.h>

#include "rt_driver.h"
#include "rt_internal.h"

static csdrt_status run_segment(csdrt_bundle *b, uint32_t step, uint32_t index, char *err,
                                size_t err_len) {
  const rt_segment *s = &b->man.segments[index];
  uint32_t phys = b->regions[RT_REGION_INSTRUCTIONS].phys + (uint32_t)(s->word_offset * 16);
  int rc = VTADeviceRun(b->device, phys, s->count, b->opts.wait_cycles);
  if (rc == 0) return CSDRT_OK;
  const char *why = b->opts.device_error ? b->opts.device_error(b->device) : NULL;
  return rt_fail(err, err_len, CSDRT_ERR_DEVICE,
                 "step %u (run segment %u): VTADeviceRun failed with %d%s%s", step, index, rc,
                 why && *why ? ": " : (rc == 1 ? " (did not finish in time)" : ""),
                 why && *why ? why : "");
}

static void run_copy(csdrt_bundle *b, const rt_step *s) {
  rt_region *from = &b->regions[s->from.region], *to = &b->regions[s->to.region];
  rt_region_invalidate(from, s->from.offset, s->from.span);
  rt_copy_tensor(&s->from, from->host + s->from.offset, &s->to, to->host + s->to.offset, &b->geo);
  rt_region_flush(to, s->to.offset, s->to.span);
}

csdrt_status rt_run_steps(csdrt_bundle *b, char *err, size_t err_len) {
  const rt_manifest *rm = &b->man;
  for (size_t i = 0; i < rm->m->n_steps; i++) {
    const rt_step *s = &rm->steps[i];
    csdrt_status st = CSDRT_OK;
    switch (s->kind) {
    case VTAC__BUNDLE__STEP__KIND_RUN_SEGMENT:
      st = run_segment(b, (uint32_t)i, s->index, err, err_len);
      break;
    case VTAC__BUNDLE__STEP__KIND_RUN_KERNEL:
      st = rt_kernel_run(&rm->kernels[s->index], b->regions, err, err_len);
      if (st) {
        char nb[64];
        rt_prefix(err, err_len, "step %zu (kernel %u '%s')", i, s->index,
                  rt_safe_name(rm->m->kernels[s->index]->name, nb, sizeof nb));
      }
      break;
    case VTAC__BUNDLE__STEP__KIND_COPY:
      run_copy(b, s);
      break;
    default:
      st = rt_fail(err, err_len, CSDRT_ERR_MANIFEST, "step %zu has no kind", i);
      break;
    }
    if (st) return st;
  }
  return CSDRT_OK;
}
