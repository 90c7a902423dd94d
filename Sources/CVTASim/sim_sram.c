/*
 * sim_sram.c — the on-chip buffers of one device (UOP, WGT, INP, ACC and the int8
 * OUT buffer that mirrors ACC), with the bookkeeping the checks need.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

static void *zalloc(size_t n, size_t size) { return calloc(n ? n : 1, size); }

int sim_sram_alloc(sim_device *d) {
  const sim_arch *a = &d->arch;
  size_t nu = a->depth[VTA_SIM_MEM_UOP], nw = a->depth[VTA_SIM_MEM_WGT];
  size_t ni = a->depth[VTA_SIM_MEM_INP], na = a->depth[VTA_SIM_MEM_ACC];
  d->uop = zalloc(nu, sizeof *d->uop);
  d->wgt = zalloc(nw * a->wgt_lanes, 1);
  d->inp = zalloc(ni * a->inp_lanes, 1);
  d->acc = zalloc(na * a->acc_lanes, sizeof *d->acc);
  d->out = zalloc(na * a->acc_lanes, 1);
  d->uop_w = zalloc(nu, 1);
  d->wgt_w = zalloc(nw, 1);
  d->inp_w = zalloc(ni, 1);
  d->acc_w = zalloc(na, 1);
  d->out_state = zalloc(na, 1);
  d->inp_writer = zalloc(ni, sizeof(uint32_t));
  d->inp_reader = zalloc(ni, sizeof(uint32_t));
  d->wgt_writer = zalloc(nw, sizeof(uint32_t));
  d->wgt_reader = zalloc(nw, sizeof(uint32_t));
  d->out_writer = zalloc(na, sizeof(uint32_t));
  d->out_reader = zalloc(na, sizeof(uint32_t));
  d->uop_tmp = zalloc(nu * 3, sizeof(uint32_t));
  if (!d->uop || !d->wgt || !d->inp || !d->acc || !d->out || !d->uop_w || !d->wgt_w ||
      !d->inp_w || !d->acc_w || !d->out_state || !d->inp_writer || !d->inp_reader ||
      !d->wgt_writer || !d->wgt_reader || !d->out_writer || !d->out_reader || !d->uop_tmp)
    return -1;
  sim_sram_reset(d);
  return 0;
}

void sim_sram_free(sim_device *d) {
  void *ptrs[] = {d->uop,        d->wgt,        d->inp,        d->acc,        d->out,
                  d->uop_w,      d->wgt_w,      d->inp_w,      d->acc_w,      d->out_state,
                  d->inp_writer, d->inp_reader, d->wgt_writer, d->wgt_reader, d->out_writer,
                  d->out_reader, d->uop_tmp};
  for (size_t i = 0; i < sizeof ptrs / sizeof ptrs[0]; i++) free(ptrs[i]);
}

void sim_sram_reset(sim_device *d) {
  const sim_arch *a = &d->arch;
  size_t nu = a->depth[VTA_SIM_MEM_UOP], nw = a->depth[VTA_SIM_MEM_WGT];
  size_t ni = a->depth[VTA_SIM_MEM_INP], na = a->depth[VTA_SIM_MEM_ACC];
  /* In FILL mode never-written SRAM reads as fill_byte, so results cannot depend on
   * what an earlier process left behind; POISON mode tracks the same flags and fails. */
  int fill = d->opts.fill_byte & 0xff;
  memset(d->uop, fill, nu * sizeof *d->uop);
  memset(d->wgt, fill, nw * a->wgt_lanes);
  memset(d->inp, fill, ni * a->inp_lanes);
  memset(d->acc, fill, na * a->acc_lanes * sizeof *d->acc);
  memset(d->out, fill, na * a->acc_lanes);
  memset(d->uop_w, 0, nu);
  memset(d->wgt_w, 0, nw);
  memset(d->inp_w, 0, ni);
  memset(d->acc_w, 0, na);
  memset(d->out_state, OUT_NEVER, na);
}

/* Sequence numbers restart with every run; zero means "before this run", which every
 * instruction of the run is ordered after. */
void sim_race_reset(sim_device *d) {
  const sim_arch *a = &d->arch;
  size_t nw = a->depth[VTA_SIM_MEM_WGT], ni = a->depth[VTA_SIM_MEM_INP];
  size_t na = a->depth[VTA_SIM_MEM_ACC];
  memset(d->inp_writer, 0, ni * sizeof(uint32_t));
  memset(d->inp_reader, 0, ni * sizeof(uint32_t));
  memset(d->wgt_writer, 0, nw * sizeof(uint32_t));
  memset(d->wgt_reader, 0, nw * sizeof(uint32_t));
  memset(d->out_writer, 0, na * sizeof(uint32_t));
  memset(d->out_reader, 0, na * sizeof(uint32_t));
}

int VTASimReadSRAM(VTADeviceHandle h, int32_t mem_type, uint32_t index, uint32_t count,
                   void *dst) {
  sim_device *d = h;
  if (!d || (!dst && count)) return -1;
  const sim_arch *a = &d->arch;
  const void *base;
  size_t esize;
  switch (mem_type) {
    case VTA_SIM_MEM_UOP: base = d->uop, esize = 4; break;
    case VTA_SIM_MEM_WGT: base = d->wgt, esize = a->wgt_lanes; break;
    case VTA_SIM_MEM_INP: base = d->inp, esize = a->inp_lanes; break;
    case VTA_SIM_MEM_ACC: base = d->acc, esize = (size_t)a->acc_lanes * 4; break;
    case VTA_SIM_MEM_OUT: base = d->out, esize = a->acc_lanes; break;
    default: return -1;
  }
  /* OUT mirrors ACC, index for index. */
  uint32_t depth = a->depth[mem_type == VTA_SIM_MEM_OUT ? VTA_SIM_MEM_ACC : mem_type];
  if ((uint64_t)index + count > depth) return -1;
  memcpy(dst, (const uint8_t *)base + (size_t)index * esize, (size_t)count * esize);
  return 0;
}
