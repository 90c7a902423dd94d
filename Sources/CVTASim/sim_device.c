/*
 * sim_device.c — device lifetime, options, counters and error reporting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

void VTASimDefaultOptions(VTASimOptions *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->sram_init = VTA_SIM_SRAM_FILL;
  o->fill_byte = 0;
  o->schedule = VTA_SIM_SCHED_PROGRAM_ORDER;
  o->check_races = 1;
  o->check_hazards = 1;
  o->queue_capacity = 1024; /* the hardware FIFO depth */
  /* About a minute of GEMM work at the default configuration: far above any single
   * layer, low enough that a runaway loop count fails instead of appearing to hang. */
  o->max_uop_iters = 1ull << 28;
}

VTADeviceHandle VTASimDeviceAllocWithConfig(const VTASimConfig *cfg) {
  sim_device *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  if (sim_arch_init(&d->arch, cfg, NULL, 0)) {
    free(d);
    return NULL;
  }
  VTASimDefaultOptions(&d->opts);
  if (sim_sram_alloc(d)) {
    VTADeviceFree(d);
    return NULL;
  }
  return d;
}

VTADeviceHandle VTADeviceAlloc(void) {
  VTASimConfig cfg;
  VTASimGetNextConfig(&cfg);
  return VTASimDeviceAllocWithConfig(&cfg);
}

void VTADeviceFree(VTADeviceHandle h) {
  sim_device *d = h;
  if (!d) return;
  sim_sram_free(d);
  sim_shadow_free(d);
  for (int q = 0; q < Q_COUNT; q++) sim_queue_free(&d->queue[q]);
  for (int m = 0; m < MOD_COUNT; m++) free(d->mod[m].list);
  free(d->stream);
  free(d);
}

void VTASimDeviceGetConfig(VTADeviceHandle h, VTASimConfig *out) {
  sim_device *d = h;
  if (d && out) sim_config_from_isa(&d->arch.cfg, out);
}

int VTASimSetOptions(VTADeviceHandle h, const VTASimOptions *o) {
  sim_device *d = h;
  if (!d || !o) return 1;
  if ((o->sram_init != VTA_SIM_SRAM_FILL && o->sram_init != VTA_SIM_SRAM_POISON) ||
      o->fill_byte < 0 || o->fill_byte > 255 ||
      (o->schedule != VTA_SIM_SCHED_PROGRAM_ORDER && o->schedule != VTA_SIM_SCHED_EAGER))
    return 1;
  int reset = o->sram_init != d->opts.sram_init || o->fill_byte != d->opts.fill_byte;
  d->opts = *o;
  if (reset) sim_sram_reset(d);
  return 0;
}

void VTASimGetOptions(VTADeviceHandle h, VTASimOptions *out) {
  sim_device *d = h;
  if (d && out) *out = d->opts;
}

void VTASimResetSRAM(VTADeviceHandle h) {
  if (h) sim_sram_reset((sim_device *)h);
}

void VTASimGetCounters(VTADeviceHandle h, VTASimCounters *out) {
  sim_device *d = h;
  if (!out) return;
  if (d)
    *out = d->counters;
  else
    memset(out, 0, sizeof *out);
}

const char *VTASimLastError(VTADeviceHandle h) {
  sim_device *d = h;
  return d ? d->err : "no device";
}

int32_t VTASimLastErrorCode(VTADeviceHandle h) {
  sim_device *d = h;
  return d ? d->err_code : VTA_SIM_ERR_ARG;
}

int sim_fail(sim_device *d, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->err, sizeof d->err, fmt, ap);
  va_end(ap);
  d->err_code = code;
  return code;
}

int sim_fail_insn(sim_device *d, const sim_insn *insn, int code, const char *fmt, ...) {
  int k = snprintf(d->err, sizeof d->err, "insn %u (%s): ", insn->index, sim_insn_name(insn));
  if (k >= 0 && (size_t)k < sizeof d->err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err + k, sizeof d->err - (size_t)k, fmt, ap);
    va_end(ap);
  }
  d->err_code = code;
  return code;
}

uint32_t sim_index_of(const sim_device *d, int module, uint32_t seq) {
  const sim_module *m = &d->mod[module];
  return seq >= 1 && seq <= m->count ? m->list[seq - 1] : UINT32_MAX;
}
