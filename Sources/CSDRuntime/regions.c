/*
 * regions.c — the memory one loaded bundle owns: five accelerator regions from VTAMemAlloc
 * (constants, activations, scratch, uops, instructions) and the host region from malloc.
 *
 * Every region starts zeroed (results never depend on what an allocator left behind), the
 * CONSTANTS / UOPS / INSTRUCTIONS sections are copied in, then the fills are applied. Bases
 * are aligned to the plan's alignment, in physical addresses for the accelerator regions.
 */
#include <stdlib.h>
#include <string.h>

#include "rt_driver.h"
#include "rt_internal.h"

static csdrt_status alloc_device(rt_region *r, uint64_t size, uint64_t alignment, const char *name,
                                 char *err, size_t err_len) {
  memset(r, 0, sizeof *r);
  if (size == 0) return CSDRT_OK;
  /* CMA buffers are page-aligned; allocate slack only when the plan wants more. */
  for (int attempt = 0; attempt < 2; attempt++) {
    uint64_t slack = attempt ? alignment - 1 : 0;
    void *buf = VTAMemAlloc((size_t)(size + slack), RT_VTA_CACHED);
    if (!buf)
      return rt_fail(err, err_len, CSDRT_ERR_NO_MEMORY,
                     "VTAMemAlloc of %llu bytes for region %s failed", (unsigned long long)size,
                     name);
    uint32_t phys = VTAMemGetPhyAddr(buf);
    uint64_t skip = (alignment - phys % alignment) % alignment;
    if (phys == 0 || skip > slack || (uint64_t)phys + skip + size > 0x100000000ull) {
      VTAMemFree(buf);
      if (phys == 0 || attempt)
        return rt_fail(err, err_len, CSDRT_ERR_NO_MEMORY,
                       "no %llu-aligned physical address for region %s",
                       (unsigned long long)alignment, name);
      continue;
    }
    r->alloc = buf;
    r->host = (uint8_t *)buf + skip;
    r->phys = phys + (uint32_t)skip;
    r->size = size;
    r->device = 1;
    memset(r->host, 0, (size_t)size);
    return CSDRT_OK;
  }
  return CSDRT_ERR_NO_MEMORY; /* not reached */
}

csdrt_status rt_regions_alloc(rt_region regions[RT_REGIONS], const rt_manifest *rm,
                              const rt_container *c, const csdrt_options *o, char *err,
                              size_t err_len) {
  (void)o;
  memset(regions, 0, sizeof(rt_region) * RT_REGIONS);
  const rt_plan *p = &rm->plan;
  csdrt_status st;
  for (uint32_t i = RT_REGION_CONSTANTS; i <= RT_REGION_INSTRUCTIONS; i++)
    if ((st = alloc_device(&regions[i], p->size[i], p->alignment, rt_region_name(i), err, err_len)))
      goto fail;
  if (p->size[RT_REGION_HOST]) {
    void *h = NULL;
    if (posix_memalign(&h, (size_t)(p->alignment < sizeof(void *) ? sizeof(void *) : p->alignment),
                       (size_t)p->size[RT_REGION_HOST])) {
      st = rt_fail(err, err_len, CSDRT_ERR_NO_MEMORY, "no memory for the host region (%llu bytes)",
                   (unsigned long long)p->size[RT_REGION_HOST]);
      goto fail;
    }
    memset(h, 0, (size_t)p->size[RT_REGION_HOST]);
    regions[RT_REGION_HOST] = (rt_region){h, h, 0, p->size[RT_REGION_HOST], 0};
  }
  static const struct {
    int section, region;
  } copies[] = {{RT_SECTION_CONSTANTS, RT_REGION_CONSTANTS},
                {RT_SECTION_UOPS, RT_REGION_UOPS},
                {RT_SECTION_INSTRUCTIONS, RT_REGION_INSTRUCTIONS}};
  for (size_t i = 0; i < sizeof copies / sizeof copies[0]; i++) {
    const rt_section *s = &c->section[copies[i].section];
    if (s->size) memcpy(regions[copies[i].region].host, s->data, (size_t)s->size);
  }
  /* Fills were proven inside their regions (manifest_check.c). */
  const Vtac__Bundle__Manifest *m = rm->m;
  for (size_t i = 0; i < m->n_fills; i++) {
    const Vtac__Bundle__Fill *f = m->fills[i];
    if (f->size) memset(regions[f->region].host + f->offset, (int)f->value, (size_t)f->size);
  }
  return CSDRT_OK;
fail:
  rt_regions_free(regions);
  return st;
}

void rt_regions_free(rt_region regions[RT_REGIONS]) {
  for (uint32_t i = 0; i < RT_REGIONS; i++) {
    if (!regions[i].alloc) continue;
    if (regions[i].device)
      VTAMemFree(regions[i].alloc);
    else
      free(regions[i].alloc);
  }
  memset(regions, 0, sizeof(rt_region) * RT_REGIONS);
}

/* VTAFlushCache takes an int size; regions stay below 2 GiB (manifest_check.c). */
void rt_region_flush(const rt_region *r, uint64_t offset, uint64_t size) {
  if (r->device && size) VTAFlushCache(r->host + offset, r->phys + (uint32_t)offset, (int)size);
}

void rt_region_invalidate(const rt_region *r, uint64_t offset, uint64_t size) {
  if (r->device && size)
    VTAInvalidateCache(r->host + offset, r->phys + (uint32_t)offset, (int)size);
}
