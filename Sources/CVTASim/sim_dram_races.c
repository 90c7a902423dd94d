/*
 * sim_dram_races.c — race detection on DRAM: a STORE writing bytes that a LOAD of
 * the same run reads (or the reverse) with no token chain ordering the two.
 *
 * Shadow memory records, per 4-byte granule of each DRAM page touched, the last
 * store that wrote it and the last load-module and compute-module readers. It is
 * kept per device and per run (an epoch stamp avoids clearing it between runs).
 * Granules are 4 bytes because every element is a multiple of 4 bytes in useful
 * configurations; with 1- or 2-byte elements two modules touching different bytes
 * of one granule would be reported conservatively.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

enum {
  PAGE_BITS = 12,
  GRANULE_BITS = 2,
  GRANULES = 1 << (PAGE_BITS - GRANULE_BITS), /* per page */
  DIR = 1 << 10                               /* 2^10 x 2^10 pages cover 32 bits */
};

struct sim_shadow_page {
  uint32_t epoch;
  uint32_t store[GRANULES];   /* store-module seq of the last write */
  uint32_t load_rd[GRANULES]; /* load-module seq of the last read */
  uint32_t comp_rd[GRANULES]; /* compute-module seq of the last read */
};

/* Two-level table over the 2^20 pages of the 32-bit space: DIR directories of DIR pages. */
struct sim_shadow {
  struct sim_shadow_page **dir[DIR];
};

static struct sim_shadow_page *page_for(sim_device *d, uint32_t page) {
  if (!d->shadow && !(d->shadow = calloc(1, sizeof *d->shadow))) return NULL;
  struct sim_shadow_page ***slot = &d->shadow->dir[page / DIR];
  if (!*slot && !(*slot = calloc(DIR, sizeof **slot))) return NULL;
  struct sim_shadow_page **p = &(*slot)[page % DIR];
  if (!*p && !(*p = calloc(1, sizeof **p))) return NULL;
  if ((*p)->epoch != d->run_epoch) {
    memset(*p, 0, sizeof **p);
    (*p)->epoch = d->run_epoch;
  }
  return *p;
}

void sim_shadow_free(sim_device *d) {
  if (!d->shadow) return;
  for (int i = 0; i < DIR; i++) {
    if (!d->shadow->dir[i]) continue;
    for (int j = 0; j < DIR; j++) free(d->shadow->dir[i][j]);
    free(d->shadow->dir[i]);
  }
  free(d->shadow);
  d->shadow = NULL;
}

/* Check and record one page's granules [g0, g1) of an access; `base` is the page's first
 * byte address, for messages. */
typedef int (*span_fn)(sim_device *d, const sim_insn *in, struct sim_shadow_page *pg, uint32_t g0,
                       uint32_t g1, uint64_t base);

static int for_each_page(sim_device *d, const sim_insn *in, uint64_t phy, uint64_t len,
                         span_fn fn) {
  uint64_t a = phy >> GRANULE_BITS, e = (phy + len + (1u << GRANULE_BITS) - 1) >> GRANULE_BITS;
  while (a < e) {
    uint64_t page = a >> (PAGE_BITS - GRANULE_BITS);
    uint64_t stop = (page + 1) << (PAGE_BITS - GRANULE_BITS);
    if (stop > e) stop = e;
    struct sim_shadow_page *pg = page_for(d, (uint32_t)page);
    if (!pg) return sim_fail(d, VTA_SIM_ERR_NOMEM, "out of memory for DRAM race tracking");
    uint32_t g0 = (uint32_t)(a & (GRANULES - 1));
    int rc = fn(d, in, pg, g0, g0 + (uint32_t)(stop - a), page << PAGE_BITS);
    if (rc) return rc;
    a = stop;
  }
  return 0;
}

static int read_span(sim_device *d, const sim_insn *in, struct sim_shadow_page *pg, uint32_t g0,
                     uint32_t g1, uint64_t base) {
  int m = in->module;
  uint32_t seq = d->clock[m][m], known = d->clock[m][MOD_STORE];
  uint32_t *readers = m == MOD_LOAD ? pg->load_rd : pg->comp_rd;
  for (uint32_t g = g0; g < g1; g++) {
    if (pg->store[g] > known)
      return sim_fail_insn(d, in, VTA_SIM_ERR_RACE,
                           "reads DRAM 0x%llx written by STORE insn %u, and no token chain orders "
                           "that store before this read",
                           (unsigned long long)(base + ((uint64_t)g << GRANULE_BITS)),
                           sim_index_of(d, MOD_STORE, pg->store[g]));
    readers[g] = seq;
  }
  return 0;
}

static int write_span(sim_device *d, const sim_insn *in, struct sim_shadow_page *pg, uint32_t g0,
                      uint32_t g1, uint64_t base) {
  uint32_t seq = d->clock[MOD_STORE][MOD_STORE];
  uint32_t known_l = d->clock[MOD_STORE][MOD_LOAD], known_c = d->clock[MOD_STORE][MOD_COMPUTE];
  for (uint32_t g = g0; g < g1; g++) {
    int m = pg->load_rd[g] > known_l ? MOD_LOAD : pg->comp_rd[g] > known_c ? MOD_COMPUTE : -1;
    if (m >= 0)
      return sim_fail_insn(d, in, VTA_SIM_ERR_RACE,
                           "overwrites DRAM 0x%llx that %s insn %u reads, and no token chain "
                           "orders that read before this store",
                           (unsigned long long)(base + ((uint64_t)g << GRANULE_BITS)),
                           m == MOD_LOAD ? "load" : "compute",
                           sim_index_of(d, m, m == MOD_LOAD ? pg->load_rd[g] : pg->comp_rd[g]));
    pg->store[g] = seq;
  }
  return 0;
}

int sim_shadow_read(sim_device *d, const sim_insn *in, uint64_t phy, uint64_t len) {
  return for_each_page(d, in, phy, len, read_span);
}

int sim_shadow_write(sim_device *d, const sim_insn *in, uint64_t phy, uint64_t len) {
  return for_each_page(d, in, phy, len, write_span);
}
