/*
 * verify_races.c — SRAM races between modules (race.sram) and STOREs of accumulators last
 * written by a LOAD (store.not-computed), as the Swift verifier's checkRaces finds them.
 *
 * Walks the instructions in the order the token simulation starts them. For each SRAM
 * element shared between two modules it remembers the last writer and the last reader
 * (the modules are fixed per buffer: INP and WGT are written by load and read by compute
 * (GEMM), ACC is written by compute (LOAD ACC, GEMM, ALU) and read by store). An access
 * races with the remembered access of the other module unless that one happens before it,
 * which the vector clocks tell: a (module m, m-th sequence number s) happens before b
 * when b's clock has component m >= s.
 *
 * Work per instruction is linear in the SRAM elements it touches plus, for GEMM/ALU, the
 * construction of the touched index set as bitmaps (word operations: the smaller of the
 * two loop counts, then the smaller of the micro-op count and the offset count, times
 * depth/64), never in the number of executions. Memory: 17 bytes per INP, WGT and ACC
 * element, and a few depth-sized scratch arrays.
 */
#include <stdlib.h>
#include <string.h>

#include "verify_internal.h"

enum { B_INP = 0, B_WGT = 1, B_ACC = 2, B_COUNT = 3 };

typedef struct {
  uint32_t earlier, element;
} vnote;

struct vraces {
  uint32_t depth[B_COUNT];
  int32_t *w_idx[B_COUNT]; /* last writer's stream index, -1 for none */
  uint32_t *w_seq[B_COUNT]; /* its sequence number within its module */
  int32_t *r_idx[B_COUNT]; /* last reader (from the reading module), -1 for none */
  uint32_t *r_seq[B_COUNT];
  uint8_t *w_load; /* ACC: the last writer is a LOAD (ACC / ACC_8BIT) */
  /* Scratch: index-set bitmaps (max depth bits each) and the notes of one access. */
  uint32_t words;
  uint64_t *set, *offsets, *steps, *bases;
  vnote *notes;
};

static const int k_writer[B_COUNT] = {VTA_ISA_MODULE_LOAD, VTA_ISA_MODULE_LOAD, VTA_ISA_MODULE_COMPUTE};
static const int k_reader[B_COUNT] = {VTA_ISA_MODULE_COMPUTE, VTA_ISA_MODULE_COMPUTE, VTA_ISA_MODULE_STORE};
static const char *const k_buffer_name[B_COUNT] = {"INP", "WGT", "ACC"};

int v_races_begin(vctx *v) {
  struct vraces *r = calloc(1, sizeof *r);
  if (!r) return -1;
  v->races = r;
  const uint32_t sram[B_COUNT] = {VTA_ISA_MEM_INP, VTA_ISA_MEM_WGT, VTA_ISA_MEM_ACC};
  uint32_t max = 0;
  for (int b = 0; b < B_COUNT; b++) {
    uint32_t d = r->depth[b] = v->a->depth[sram[b]];
    if (d > max) max = d;
    r->w_idx[b] = malloc(d * sizeof(int32_t));
    r->w_seq[b] = malloc(d * sizeof(uint32_t));
    r->r_idx[b] = malloc(d * sizeof(int32_t));
    r->r_seq[b] = malloc(d * sizeof(uint32_t));
    if (!r->w_idx[b] || !r->w_seq[b] || !r->r_idx[b] || !r->r_seq[b]) return -1;
    memset(r->w_idx[b], 0xff, d * sizeof(int32_t));
    memset(r->r_idx[b], 0xff, d * sizeof(int32_t));
  }
  r->w_load = calloc(r->depth[B_ACC], 1);
  r->words = (max + 63) / 64;
  r->set = malloc(r->words * sizeof(uint64_t));
  r->offsets = malloc(r->words * sizeof(uint64_t));
  r->steps = malloc(r->words * sizeof(uint64_t));
  r->bases = malloc(r->words * sizeof(uint64_t));
  r->notes = malloc(max * sizeof(vnote));
  if (!r->w_load || !r->set || !r->offsets || !r->steps || !r->bases || !r->notes) return -1;
  /* The micro-op model is replayed again, in the order compute runs. */
  memset(v->uop_defined, 0, v->a->depth[VTA_ISA_MEM_UOP]);
  return 0;
}

void v_races_end(vctx *v) {
  struct vraces *r = v->races;
  if (!r) return;
  for (int b = 0; b < B_COUNT; b++) {
    free(r->w_idx[b]);
    free(r->w_seq[b]);
    free(r->r_idx[b]);
    free(r->r_seq[b]);
  }
  free(r->w_load);
  free(r->set);
  free(r->offsets);
  free(r->steps);
  free(r->bases);
  free(r->notes);
  free(r);
  v->races = NULL;
}

/* ---------------------------------------------------------------- index sets as bitmaps */

static void bit_set(uint64_t *m, uint64_t i) { m[i >> 6] |= 1ull << (i & 63); }

/* Index of the lowest set bit of w != 0. */
static uint32_t ctz64(uint64_t w) {
#if defined(__GNUC__)
  return (uint32_t)__builtin_ctzll(w);
#else
  uint32_t n = 0;
  while (!(w & 1)) w >>= 1, n++;
  return n;
#endif
}

/* dst |= src << shift, over `words` words (bits shifted past the end are dropped). */
static void or_shifted(uint64_t *dst, const uint64_t *src, uint32_t words, uint64_t shift) {
  const uint64_t ws = shift >> 6, bs = shift & 63;
  for (uint64_t k = words; k-- > ws;) {
    uint64_t w = src[k - ws] << bs;
    if (bs && k > ws) w |= src[k - ws - 1] >> (64 - bs);
    dst[k] |= w;
  }
}

static uint64_t popcount(const uint64_t *m, uint32_t words) {
  uint64_t n = 0;
  for (uint32_t k = 0; k < words; k++) {
    uint64_t w = m[k];
    while (w) w &= w - 1, n++;
  }
  return n;
}

/* out |= b shifted by every set bit of a. */
static void minkowski(uint64_t *out, const uint64_t *a, const uint64_t *b, uint32_t words) {
  for (uint32_t k = 0; k < words; k++) {
    for (uint64_t w = a[k]; w; w &= w - 1) {
      uint64_t bit = (uint64_t)k * 64 + ctz64(w);
      or_shifted(out, b, words, bit);
    }
  }
}

/*
 * The elements an operand touches: {base[u] + i*fo + j*fi}. The loop checks proved every
 * one of them is below the buffer depth, so every bitmap stays within `words`.
 */
static void operand_set(vctx *v, const VTAISAInsn *x, int field, uint64_t fo, uint64_t fi,
                        uint32_t depth) {
  struct vraces *r = v->races;
  const uint32_t words = (depth + 63) / 64;
  const uint64_t I = fo ? x->iter_out : 1, J = fi ? x->iter_in : 1;
  /* offsets = {i*fo} (+) {j*fi}: OR the shorter progression's shifts of the longer one. */
  const uint64_t n_outer = I < J ? I : J, n_inner = I < J ? J : I;
  const uint64_t f_outer = I < J ? fo : fi, f_inner = I < J ? fi : fo;
  memset(r->steps, 0, words * sizeof(uint64_t));
  memset(r->offsets, 0, words * sizeof(uint64_t));
  for (uint64_t k = 0; k < n_inner; k++) bit_set(r->steps, k * f_inner);
  for (uint64_t k = 0; k < n_outer; k++) or_shifted(r->offsets, r->steps, words, k * f_outer);
  /* bases */
  memset(r->bases, 0, words * sizeof(uint64_t));
  for (uint32_t u = x->uop_bgn; u < x->uop_end; u++) {
    uint32_t f[3];
    vta_isa_uop_fields(v->a, v->uop_word[u], &f[0], &f[1], &f[2]);
    bit_set(r->bases, f[field]);
  }
  memset(r->set, 0, words * sizeof(uint64_t));
  if (popcount(r->bases, words) <= popcount(r->offsets, words))
    minkowski(r->set, r->bases, r->offsets, words);
  else
    minkowski(r->set, r->offsets, r->bases, words);
}

/* ---------------------------------------------------------------- accesses */

static int by_earlier(const void *pa, const void *pb) {
  const vnote *a = pa, *b = pb;
  if (a->earlier != b->earlier) return a->earlier < b->earlier ? -1 : 1;
  return a->element < b->element ? -1 : a->element > b->element;
}

typedef struct {
  uint32_t index, seq;
  const uint32_t *clock;
  int is_load, is_store;
} vaccess;

/* One element of an access; unordered earlier accesses of the other module become notes. */
static void touch(struct vraces *r, int b, int write, const vaccess *acc, uint32_t e, uint32_t *notes,
                  uint64_t *from_load, uint32_t *first_load, int32_t *first_writer) {
  if (!write) {
    const int32_t w = r->w_idx[b][e];
    if (w >= 0 && acc->clock[k_writer[b]] < r->w_seq[b][e])
      r->notes[(*notes)++] = (vnote){(uint32_t)w, e};
    r->r_idx[b][e] = (int32_t)acc->index;
    r->r_seq[b][e] = acc->seq;
    if (acc->is_store && w >= 0 && r->w_load[e]) {
      if (!(*from_load)++) *first_load = e, *first_writer = w;
    }
  } else {
    const int32_t rd = r->r_idx[b][e];
    if (rd >= 0 && acc->clock[k_reader[b]] < r->r_seq[b][e])
      r->notes[(*notes)++] = (vnote){(uint32_t)rd, e};
    r->r_idx[b][e] = -1;
    r->w_idx[b][e] = (int32_t)acc->index;
    r->w_seq[b][e] = acc->seq;
    if (b == B_ACC) r->w_load[e] = (uint8_t)acc->is_load;
  }
}

/* One race finding per earlier instruction among the notes. */
static void report_races(vctx *v, int b, int write, uint32_t later, uint32_t n) {
  struct vraces *r = v->races;
  if (!n) return;
  qsort(r->notes, n, sizeof *r->notes, by_earlier);
  for (uint32_t i = 0; i < n;) {
    uint32_t j = i;
    while (j < n && r->notes[j].earlier == r->notes[i].earlier) j++;
    const uint32_t earlier = r->notes[i].earlier;
    VTAISAInsn e;
    vta_isa_decode(v->a, v->words + (size_t)earlier * VTA_ISA_INSN_BYTES, earlier, &e);
    const int later_module = write ? k_writer[b] : k_reader[b];
    const int earlier_module = write ? k_reader[b] : k_writer[b];
    v_report(v, later, VTA_VERIFY_RULE_RACE,
             "%s what #%u %s %s in %s (%u element(s), first %s[%u]) with no token ordering them (%s vs "
             "%s module)",
             write ? "overwrites" : "reads", earlier, vta_isa_insn_name(&e), write ? "reads" : "writes",
             k_buffer_name[b], j - i, k_buffer_name[b], r->notes[i].element,
             vta_isa_module_name(earlier_module), vta_isa_module_name(later_module));
    i = j;
  }
}

/* A contiguous range [lo, hi) of buffer b, or (set != NULL) the set bits of a bitmap. */
static void access(vctx *v, int b, int write, const vaccess *acc, uint32_t lo, uint32_t hi,
                   const uint64_t *set) {
  struct vraces *r = v->races;
  uint32_t n = 0, first_load = 0;
  uint64_t from_load = 0;
  int32_t first_writer = -1;
  if (set) {
    const uint32_t words = (r->depth[b] + 63) / 64;
    for (uint32_t k = 0; k < words; k++)
      for (uint64_t w = set[k]; w; w &= w - 1)
        touch(r, b, write, acc, k * 64 + ctz64(w), &n, &from_load, &first_load,
              &first_writer);
  } else {
    for (uint32_t e = lo; e < hi; e++)
      touch(r, b, write, acc, e, &n, &from_load, &first_load, &first_writer);
  }
  if (from_load) {
    VTAISAInsn w;
    vta_isa_decode(v->a, v->words + (size_t)first_writer * VTA_ISA_INSN_BYTES, (uint32_t)first_writer,
                   &w);
    v_report(v, acc->index, VTA_VERIFY_RULE_STORE_NOT_COMPUTED,
             "STORE reads %llu accumulator(s) whose last write is #%d %s (first: ACC[%u]): hardware "
             "stores from the output buffer, which only GEMM and ALU write; pass the values through "
             "an ALU op",
             (unsigned long long)from_load, first_writer, vta_isa_insn_name(&w), first_load);
  }
  report_races(v, b, write, acc->index, n);
}

/* ---------------------------------------------------------------- per instruction */

void v_races_step(vctx *v, uint32_t index, const uint32_t clock[VTA_ISA_MODULES]) {
  struct vraces *r = v->races;
  VTAISAInsn x;
  vta_isa_decode(v->a, v->words + (size_t)index * VTA_ISA_INSN_BYTES, index, &x);
  vaccess acc = {index, clock[x.module], clock, x.opcode == VTA_ISA_OP_LOAD,
                 x.opcode == VTA_ISA_OP_STORE};
  /* The same gates as the per-instruction checks: only well-defined accesses count. */
  const int quiet = v->quiet;
  v->quiet = 1;
  switch (x.opcode) {
    case VTA_ISA_OP_LOAD: {
      const uint32_t t = x.mem_type;
      if (t == VTA_ISA_MEM_OUT || x.x_size == 0) break;
      const uint32_t buffer = t == VTA_ISA_MEM_ACC_8BIT ? VTA_ISA_MEM_ACC : t;
      const uint64_t rows = (uint64_t)x.y_pad0 + x.y_size + x.y_pad1;
      const uint64_t cols = (uint64_t)x.x_pad0 + x.x_size + x.x_pad1;
      const uint64_t end = x.sram_base + rows * cols;
      if (end > v->a->depth[buffer]) break;
      if (t == VTA_ISA_MEM_UOP) {
        v_replay_uop_load(v, &x);
        break;
      }
      const int b = t == VTA_ISA_MEM_INP ? B_INP : t == VTA_ISA_MEM_WGT ? B_WGT : B_ACC;
      v->quiet = quiet;
      access(v, b, 1, &acc, x.sram_base, (uint32_t)end, NULL);
      break;
    }
    case VTA_ISA_OP_STORE: {
      if (x.x_size == 0 || x.mem_type != VTA_ISA_MEM_OUT) break;
      const uint64_t end = x.sram_base + (uint64_t)x.y_size * x.x_size;
      if (end > r->depth[B_ACC] || end == x.sram_base) break;
      v->quiet = quiet;
      access(v, B_ACC, 0, &acc, x.sram_base, (uint32_t)end, NULL);
      break;
    }
    case VTA_ISA_OP_GEMM:
    case VTA_ISA_OP_ALU: {
      if (!v_check_loop(v, &x)) break;
      v->quiet = quiet;
      /* Reads before writes: an instruction reads its operands before it writes results.
       * (ALU sources are ACC, which only compute writes: no cross-module access.) */
      if (x.opcode == VTA_ISA_OP_GEMM && !x.reset) {
        operand_set(v, &x, VTA_ISA_FU_SRC, x.src_fo, x.src_fi, r->depth[B_INP]);
        access(v, B_INP, 0, &acc, 0, 0, r->set);
        operand_set(v, &x, VTA_ISA_FU_WGT, x.wgt_fo, x.wgt_fi, r->depth[B_WGT]);
        access(v, B_WGT, 0, &acc, 0, 0, r->set);
      }
      operand_set(v, &x, VTA_ISA_FU_DST, x.dst_fo, x.dst_fi, r->depth[B_ACC]);
      access(v, B_ACC, 1, &acc, 0, 0, r->set);
      break;
    }
    default: break;
  }
  v->quiet = quiet;
}
