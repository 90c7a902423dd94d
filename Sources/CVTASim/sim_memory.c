/*
 * sim_memory.c — simulated DRAM: a table of allocations, each a host buffer with a
 * 32-bit physical address, and the DMA address translation that uses it.
 *
 * The table is process-wide because VTAMemAlloc takes no device argument (on the
 * board, too, all devices share one physical memory); a mutex guards it so devices
 * may run on several threads.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

enum { PAGE = 4096 };
/* Physical addresses are 32-bit and nonzero. Automatic placement starts at HINT so
 * that low addresses stay free for images placed with VTASimMemAllocAt, then falls
 * back to the whole space. */
#define PHY_END 0x100000000ull
#define AUTO_HINT 0x10000000ull
#define AUTO_LOW 0x1000ull
#define MAX_ALLOC 0xF0000000ull

typedef struct {
  uint64_t phy, size; /* [phy, phy+size): exactly what the caller asked for */
  uint8_t *host;
} alloc_entry;

static alloc_entry *g_tab; /* sorted by phy */
static size_t g_n, g_cap;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t round_page(uint64_t v) { return (v + PAGE - 1) & ~(uint64_t)(PAGE - 1); }

/* Index of the first entry whose phy is greater than p. */
static size_t upper_bound(uint64_t p) {
  size_t lo = 0, hi = g_n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (g_tab[mid].phy <= p)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static int overlaps(uint64_t lo, uint64_t hi) {
  size_t i = upper_bound(lo);
  if (i > 0 && g_tab[i - 1].phy + g_tab[i - 1].size > lo) return 1;
  if (i < g_n && g_tab[i].phy < hi) return 1;
  return 0;
}

/*
 * First page-aligned address >= from where `size` bytes fit below `limit`, keeping an
 * unmapped guard page after every automatic allocation: a DMA that runs off the end of
 * one buffer then faults instead of silently reaching the next one.
 */
static uint64_t find_gap(uint64_t size, uint64_t from, uint64_t limit) {
  uint64_t need = round_page(size) + PAGE;
  uint64_t cand = round_page(from);
  for (size_t i = 0; i < g_n; i++) {
    uint64_t end = round_page(g_tab[i].phy + g_tab[i].size) + PAGE;
    if (end <= cand) continue;
    if (cand + need <= g_tab[i].phy) return cand;
    cand = end;
  }
  return cand + need <= limit ? cand : 0;
}

static int insert_entry(uint64_t phy, uint64_t size, uint8_t *host) {
  if (g_n == g_cap) {
    size_t cap = g_cap ? g_cap * 2 : 64;
    alloc_entry *t = realloc(g_tab, cap * sizeof *t);
    if (!t) return -1;
    g_tab = t;
    g_cap = cap;
  }
  size_t i = upper_bound(phy);
  memmove(g_tab + i + 1, g_tab + i, (g_n - i) * sizeof *g_tab);
  g_tab[i].phy = phy;
  g_tab[i].size = size;
  g_tab[i].host = host;
  g_n++;
  return 0;
}

/* Entry whose host range contains p (interior pointers included), or -1. */
static long find_host(const void *p) {
  uintptr_t a = (uintptr_t)p;
  for (size_t i = 0; i < g_n; i++) {
    uintptr_t b = (uintptr_t)g_tab[i].host;
    if (a >= b && a - b < g_tab[i].size) return (long)i;
  }
  return -1;
}

static uint8_t *host_alloc(uint64_t size) {
  /* Cache-line aligned (C11 aligned_alloc wants a multiple of the alignment), and
   * zeroed so that results never depend on what the allocator handed out. */
  uint8_t *p = aligned_alloc(64, (size_t)((size + 63) & ~63ull));
  if (p) memset(p, 0, (size_t)size);
  return p;
}

static void *alloc_at(size_t req, uint64_t phy, int automatic) {
  if (req > MAX_ALLOC) return NULL;
  uint64_t size = req ? req : 1;
  uint8_t *host = host_alloc(size);
  if (!host) return NULL;
  pthread_mutex_lock(&g_lock);
  if (automatic) {
    phy = find_gap(size, AUTO_HINT, PHY_END - PAGE);
    if (!phy) phy = find_gap(size, AUTO_LOW, PHY_END - PAGE);
  } else if (phy == 0 || phy + size > PHY_END || overlaps(phy, phy + size)) {
    phy = 0;
  }
  if (!phy || insert_entry(phy, size, host)) {
    pthread_mutex_unlock(&g_lock);
    free(host);
    return NULL;
  }
  pthread_mutex_unlock(&g_lock);
  return host;
}

void *VTAMemAlloc(size_t size, int cached) {
  (void)cached; /* simulated memory is coherent */
  return alloc_at(size, 0, 1);
}

void *VTASimMemAllocAt(size_t size, vta_phy_addr_t phy) { return alloc_at(size, phy, 0); }

void VTAMemFree(void *buf) {
  if (!buf) return;
  pthread_mutex_lock(&g_lock);
  long i = find_host(buf);
  /* Only a base pointer frees; anything else is ignored rather than corrupting. */
  if (i >= 0 && g_tab[i].host == buf) {
    memmove(g_tab + i, g_tab + i + 1, (g_n - (size_t)i - 1) * sizeof *g_tab);
    g_n--;
    pthread_mutex_unlock(&g_lock);
    free(buf);
    return;
  }
  pthread_mutex_unlock(&g_lock);
}

vta_phy_addr_t VTAMemGetPhyAddr(void *buf) {
  if (!buf) return 0;
  pthread_mutex_lock(&g_lock);
  long i = find_host(buf);
  uint64_t phy = i < 0 ? 0 : g_tab[i].phy + ((uint8_t *)buf - g_tab[i].host);
  pthread_mutex_unlock(&g_lock);
  return (vta_phy_addr_t)phy;
}

uint8_t *sim_dram_translate(uint64_t phy, uint64_t len, sim_extent *cache) {
  if (cache && cache->host && phy >= cache->phy && len <= cache->size &&
      phy - cache->phy <= cache->size - len)
    return cache->host + (phy - cache->phy);
  uint8_t *p = NULL;
  pthread_mutex_lock(&g_lock);
  size_t i = upper_bound(phy);
  if (i > 0) {
    const alloc_entry *e = &g_tab[i - 1];
    if (len <= e->size && phy - e->phy <= e->size - len) {
      p = e->host + (phy - e->phy);
      if (cache) {
        cache->phy = e->phy;
        cache->size = e->size;
        cache->host = e->host;
      }
    }
  }
  pthread_mutex_unlock(&g_lock);
  return p;
}

void *VTASimPhyToVirt(vta_phy_addr_t phy) { return sim_dram_translate(phy, 1, NULL); }

void VTAMemCopyFromHost(void *dst, const void *src, size_t size) {
  if (dst && src && size) memcpy(dst, src, size);
}

void VTAMemCopyToHost(void *dst, const void *src, size_t size) {
  if (dst && src && size) memcpy(dst, src, size);
}

/* Simulated DRAM is the host memory itself: there is nothing to flush or invalidate. */
void VTAFlushCache(void *vir_addr, vta_phy_addr_t phy_addr, int size) {
  (void)vir_addr;
  (void)phy_addr;
  (void)size;
}

void VTAInvalidateCache(void *vir_addr, vta_phy_addr_t phy_addr, int size) {
  (void)vir_addr;
  (void)phy_addr;
  (void)size;
}
