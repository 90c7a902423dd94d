/*
 * sim_exec_mem.c — LOAD and STORE: DMA between DRAM and the SRAM buffers.
 */
#include <string.h>

#include "sim_internal.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "CVTASim copies little-endian DRAM words directly: a little-endian host is required"
#endif

static const char *buf_name(int t) {
  static const char *const n[6] = {"UOP", "WGT", "INP", "ACC", "OUT", "ACC"};
  return n[t];
}

/*
 * Bookkeeping for writing SRAM elements [idx, idx+n) of buffer `t` (UOP/WGT/INP/ACC):
 * written flags for POISON mode, write-after-read race check against the module
 * that reads the buffer, and the state of the OUT mirror for ACC.
 */
static int note_writes(sim_device *d, const sim_insn *in, int t, uint32_t idx, uint32_t n) {
  if (n == 0) return 0;
  int races = d->opts.check_races;
  if (t == VTA_SIM_MEM_INP || t == VTA_SIM_MEM_WGT) {
    /* Written by the load module, read by compute. */
    uint32_t *writer = t == VTA_SIM_MEM_INP ? d->inp_writer : d->wgt_writer;
    uint32_t *reader = t == VTA_SIM_MEM_INP ? d->inp_reader : d->wgt_reader;
    uint8_t *w = t == VTA_SIM_MEM_INP ? d->inp_w : d->wgt_w;
    uint32_t seq = d->clock[MOD_LOAD][MOD_LOAD], known = d->clock[MOD_LOAD][MOD_COMPUTE];
    /* Writers are only read by the race checks, which a run without them skips. */
    for (uint32_t e = idx; races && e < idx + n; e++) {
      if (reader[e] > known)
        return sim_fail_insn(d, in, VTA_SIM_ERR_RACE,
                             "overwrites %s element %u that compute insn %u reads, and no token "
                             "chain orders that read before this load"
                             " (a missing l2g/g2l dependency?)",
                             buf_name(t), e, sim_index_of(d, MOD_COMPUTE, reader[e]));
      writer[e] = seq;
    }
    memset(w + idx, 1, n);
  } else if (t == VTA_SIM_MEM_ACC) {
    /* LOAD ACC runs on the compute module. The hardware does not copy it into the OUT
     * buffer, so the OUT mirror goes stale; the upstream simulator stores from ACC, so
     * for the two to agree a STORE must be ordered with respect to this write too. */
    uint32_t seq = d->clock[MOD_COMPUTE][MOD_COMPUTE], known = d->clock[MOD_COMPUTE][MOD_STORE];
    for (uint32_t e = idx; races && e < idx + n; e++) {
      if (d->out_reader[e] > known)
        return sim_fail_insn(d, in, VTA_SIM_ERR_RACE,
                             "overwrites ACC element %u that STORE insn %u reads, and no token "
                             "chain orders that store before this load"
                             " (a missing g2s/s2g dependency?)",
                             e, sim_index_of(d, MOD_STORE, d->out_reader[e]));
      d->out_writer[e] = seq;
    }
    memset(d->acc_w + idx, 1, n);
    memset(d->out_state + idx, OUT_STALE_LOAD, n);
  } else {
    memset(d->uop_w + idx, 1, n);
  }
  return 0;
}

static uint8_t *elem_ptr(sim_device *d, int t, uint32_t idx) {
  const sim_arch *a = &d->arch;
  switch (t) {
    case VTA_SIM_MEM_WGT: return (uint8_t *)d->wgt + (size_t)idx * a->wgt_lanes;
    case VTA_SIM_MEM_INP: return (uint8_t *)d->inp + (size_t)idx * a->inp_lanes;
    case VTA_SIM_MEM_ACC: return (uint8_t *)(d->acc + (size_t)idx * a->acc_lanes);
    default: return (uint8_t *)(d->uop + idx);
  }
}

static size_t sram_elem_bytes(const sim_arch *a, int t) {
  switch (t) {
    case VTA_SIM_MEM_WGT: return a->wgt_lanes;
    case VTA_SIM_MEM_INP: return a->inp_lanes;
    case VTA_SIM_MEM_ACC: return (size_t)a->acc_lanes * 4;
    default: return 4;
  }
}

static int zero_elems(sim_device *d, const sim_insn *in, int t, uint32_t idx, uint64_t n) {
  if (n == 0) return 0;
  int rc = note_writes(d, in, t, idx, (uint32_t)n);
  if (rc) return rc;
  memset(elem_ptr(d, t, idx), 0, (size_t)n * sram_elem_bytes(&d->arch, t));
  return 0;
}

static int dma_fault(sim_device *d, const sim_insn *in, const char *what, uint32_t row,
                     uint64_t phy, uint64_t len) {
  return sim_fail_insn(d, in, VTA_SIM_ERR_DMA,
                       "%s row %u: DRAM bytes 0x%llx..0x%llx are not inside one allocation "
                       "(dram_base %u, x_stride %u, element %u bytes)",
                       what, row, (unsigned long long)phy, (unsigned long long)(phy + len - 1),
                       in->dram_base, in->x_stride,
                       d->arch.elem_bytes[in->mem_type]);
}

static int load_uop(sim_device *d, const sim_insn *in) {
  uint64_t len = (uint64_t)in->x_size * UOP_BYTES;
  uint64_t phy = (uint64_t)in->dram_base * UOP_BYTES;
  const uint8_t *src = sim_dram_translate(phy, len, &d->dram_cache);
  if (!src) return dma_fault(d, in, "read", 0, phy, len);
  int rc = d->opts.check_races ? sim_shadow_read(d, in, phy, len) : 0;
  if (rc || (rc = note_writes(d, in, VTA_SIM_MEM_UOP, in->sram_base, in->x_size))) return rc;
  memcpy(d->uop + in->sram_base, src, (size_t)len);
  d->counters.bytes_uop += len;
  sim_note_top(d, VTA_SIM_MEM_UOP, (uint64_t)in->sram_base + in->x_size);
  return 0;
}

int sim_exec_load(sim_device *d, const sim_insn *in) {
  const sim_arch *a = &d->arch;
  VTASimCounters *c = &d->counters;
  int type = in->mem_type;
  switch (type) {
    case VTA_SIM_MEM_UOP: c->load_uop++; break;
    case VTA_SIM_MEM_WGT: c->load_wgt++; break;
    case VTA_SIM_MEM_INP: c->load_inp++; break;
    case VTA_SIM_MEM_ACC: c->load_acc++; break;
    default: c->load_acc_8bit++; break;
  }
  if (in->x_size == 0) {
    c->mem_noops++;
    return 0;
  }
  if (type == VTA_SIM_MEM_UOP) return load_uop(d, in);

  /* ACC_8BIT fills ACC from int8 DRAM; every other type copies elements verbatim. */
  int t = type == VTA_SIM_MEM_ACC_8BIT ? VTA_SIM_MEM_ACC : type;
  uint32_t eb = a->elem_bytes[type];
  uint64_t xtotal = (uint64_t)in->x_pad0 + in->x_size + in->x_pad1;
  uint32_t idx = in->sram_base; /* decode checked that every row fits the buffer */
  uint64_t len = (uint64_t)in->x_size * eb;
  int rc = zero_elems(d, in, t, idx, xtotal * in->y_pad0);
  if (rc) return rc;
  idx += (uint32_t)(xtotal * in->y_pad0);
  for (uint32_t y = 0; y < in->y_size; y++) {
    if ((rc = zero_elems(d, in, t, idx, in->x_pad0))) return rc;
    idx += in->x_pad0;
    uint64_t phy = ((uint64_t)in->dram_base + (uint64_t)y * in->x_stride) * eb;
    const uint8_t *src = sim_dram_translate(phy, len, &d->dram_cache);
    if (!src) return dma_fault(d, in, "read", y, phy, len);
    if (d->opts.check_races && (rc = sim_shadow_read(d, in, phy, len))) return rc;
    if ((rc = note_writes(d, in, t, idx, in->x_size))) return rc;
    uint8_t *dst = elem_ptr(d, t, idx);
    if (type == VTA_SIM_MEM_ACC_8BIT) {
      int32_t *acc = (int32_t *)dst;
      for (uint64_t i = 0; i < len; i++) acc[i] = (int8_t)src[i]; /* sign-extend */
    } else {
      memcpy(dst, src, (size_t)len);
    }
    idx += in->x_size;
    if ((rc = zero_elems(d, in, t, idx, in->x_pad1))) return rc;
    idx += in->x_pad1;
  }
  if ((rc = zero_elems(d, in, t, idx, xtotal * in->y_pad1))) return rc;
  sim_note_top(d, t, (uint64_t)idx + xtotal * in->y_pad1);

  uint64_t bytes = len * in->y_size;
  switch (type) {
    case VTA_SIM_MEM_WGT: c->bytes_wgt += bytes; break;
    case VTA_SIM_MEM_INP: c->bytes_inp += bytes; break;
    case VTA_SIM_MEM_ACC: c->bytes_acc += bytes; break;
    default: c->bytes_acc_8bit += bytes; break;
  }
  return 0;
}

/* Check the OUT elements [idx, idx+n) one STORE row reads. */
static int check_out_reads(sim_device *d, const sim_insn *in, uint32_t idx, uint32_t n) {
  uint32_t seq = d->clock[MOD_STORE][MOD_STORE], known = d->clock[MOD_STORE][MOD_COMPUTE];
  int races = d->opts.check_races, poison = d->opts.sram_init == VTA_SIM_SRAM_POISON;
  for (uint32_t e = idx; e < idx + n; e++) {
    if (races && d->out_writer[e] > known)
      return sim_fail_insn(d, in, VTA_SIM_ERR_RACE,
                           "reads OUT element %u written by compute insn %u, and no token chain "
                           "orders that write before this store"
                           " (a missing g2s/s2g dependency?)",
                           e, sim_index_of(d, MOD_COMPUTE, d->out_writer[e]));
    switch (d->out_state[e]) {
      case OUT_NEVER:
        if (poison)
          return sim_fail_insn(d, in, VTA_SIM_ERR_POISON,
                               "reads OUT element %u, which no GEMM/ALU has written (poison)", e);
        break;
      case OUT_STALE_LOAD:
        return sim_fail_insn(d, in, VTA_SIM_ERR_STALE_OUT,
                             "stores element %u whose last write was a LOAD ACC: the hardware "
                             "stores from the OUT buffer, which only GEMM and ALU write", e);
      case OUT_STALE_RESET:
        return sim_fail_insn(d, in, VTA_SIM_ERR_STALE_OUT,
                             "stores element %u whose last write was a GEMM reset: the hardware "
                             "OUT buffer then holds acc + dot product, not 0", e);
      default: break;
    }
    d->out_reader[e] = seq;
  }
  return 0;
}

int sim_exec_store(sim_device *d, const sim_insn *in) {
  const sim_arch *a = &d->arch;
  VTASimCounters *c = &d->counters;
  c->store++;
  if (in->x_size == 0) {
    c->mem_noops++;
    return 0;
  }
  uint32_t eb = a->elem_bytes[VTA_SIM_MEM_OUT];
  uint64_t len = (uint64_t)in->x_size * eb;
  for (uint32_t y = 0; y < in->y_size; y++) {
    uint32_t idx = in->sram_base + y * in->x_size; /* decode checked the range */
    int rc = check_out_reads(d, in, idx, in->x_size);
    if (rc) return rc;
    uint64_t phy = ((uint64_t)in->dram_base + (uint64_t)y * in->x_stride) * eb;
    uint8_t *dst = sim_dram_translate(phy, len, &d->dram_cache);
    if (!dst) return dma_fault(d, in, "write", y, phy, len);
    if (d->opts.check_races && (rc = sim_shadow_write(d, in, phy, len))) return rc;
    /* OUT already holds the int8 truncation GEMM/ALU produced. */
    memcpy(dst, d->out + (size_t)idx * a->acc_lanes, (size_t)len);
    c->bytes_out += len;
  }
  if (in->y_size > 0) sim_note_top(d, VTA_SIM_MEM_ACC, (uint64_t)in->sram_base + in->y_size * in->x_size);
  return 0;
}
