/*
 * verify.c — vta_verify_stream: decoding, the per-instruction rules (dependency bits,
 * profile, memory types, padding, SRAM and DRAM ranges) and the micro-op SRAM replay.
 * Loops are analysed in verify_loops.c, tokens and FINISH in verify_tokens.c.
 *
 * Findings, rules and their order follow vtac's Swift StreamVerifier so that both give
 * the same verdict, with the same rule identifiers, on the same stream.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify_internal.h"

/* ---------------------------------------------------------------- findings */

void v_report(vctx *v, uint32_t index, const char *rule, const char *fmt, ...) {
  if (v->quiet) return;
  VTAVerifyFinding f;
  memset(&f, 0, sizeof f);
  f.instruction = index;
  snprintf(f.rule, sizeof f.rule, "%s", rule);
  int k = 0;
  if (index != VTA_VERIFY_STREAM_LEVEL && index < v->count && v->a) {
    VTAISAInsn x;
    vta_isa_decode(v->a, v->words + (size_t)index * VTA_ISA_INSN_BYTES, index, &x);
    k = snprintf(f.message, sizeof f.message, "#%u %s: ", index, vta_isa_insn_name(&x));
    if (k < 0 || (size_t)k >= sizeof f.message) k = 0;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f.message + k, sizeof f.message - (size_t)k, fmt, ap);
  va_end(ap);
  if (v->errors < 0x7fffffff) v->errors++;
  if (v->first && (!v->have_first || index < v->first->instruction)) {
    *v->first = f;
    v->have_first = 1;
  }
  if (v->on_finding) v->on_finding(v->context, &f);
}

void v_header(const vctx *v, uint32_t i, uint32_t *opcode, uint32_t *module, uint32_t *flags) {
  const uint8_t *b = v->words + (size_t)i * VTA_ISA_INSN_BYTES;
  uint32_t lo = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  const VTAISAField *h = v->a->mem;
  *opcode = (lo >> h[VTA_ISA_F_OPCODE].offset) & 7u;
  *flags = ((lo >> h[VTA_ISA_F_POP_PREV].offset) & 1u) | ((lo >> h[VTA_ISA_F_POP_NEXT].offset) & 1u) << 1 |
           ((lo >> h[VTA_ISA_F_PUSH_PREV].offset) & 1u) << 2 |
           ((lo >> h[VTA_ISA_F_PUSH_NEXT].offset) & 1u) << 3;
  uint32_t mem_type = (lo >> h[VTA_ISA_FM_MEMTYPE].offset) & 7u;
  *module = (uint32_t)vta_isa_module_of(*opcode, mem_type);
}

/* ---------------------------------------------------------------- decoding */

static void report_decode(vctx *v, uint32_t i, uint32_t problems, const VTAISAInsn *x) {
  /* One finding per word, naming the first problem in the Swift codec's order. */
  if (problems & VTA_ISA_BAD_OPCODE) {
    v_report(v, i, VTA_VERIFY_RULE_DECODE,
             "word %u: unknown opcode %u (LOAD 0, STORE 1, GEMM 2, FINISH 3, ALU 4)", i, x->opcode);
  } else if (problems & VTA_ISA_RESERVED_BITS) {
    static const char *const kinds[5] = {"LOAD", "STORE", "GEMM", "FINISH", "ALU"};
    v_report(v, i, VTA_VERIFY_RULE_DECODE, "word %u: %s has bits set outside its fields", i,
             kinds[x->opcode]);
  } else if (problems & VTA_ISA_BAD_MEM_TYPE) {
    v_report(v, i, VTA_VERIFY_RULE_DECODE,
             "word %u: unknown memory type %u (UOP 0, WGT 1, INP 2, ACC 3, OUT 4, ACC_8BIT 5)", i,
             x->mem_type);
  } else {
    v_report(v, i, VTA_VERIFY_RULE_DECODE,
             "word %u: unknown ALU opcode %u (MIN 0, MAX 1, ADD 2, SHR 3, MUL 4)", i, x->alu_op);
  }
}

/* ---------------------------------------------------------------- DRAM */

/* The region's byte range, clipped to the 32-bit physical address space. */
static void region_bounds(const VTAVerifyRegion *r, uint64_t *lo, uint64_t *hi) {
  const uint64_t limit = 1ull << 32;
  *lo = r->phys_base;
  *hi = r->size > limit - *lo ? limit : *lo + r->size;
}

static const char *region_name(const VTAVerifyRegion *r) { return r->name ? r->name : "(unnamed)"; }

/* "a, b, c" of the regions allowing `type` (truncated to fit). */
static void allowed_names(const vctx *v, uint32_t type, char *buf, size_t n) {
  size_t k = 0;
  buf[0] = 0;
  for (uint32_t j = 0; j < v->region_count; j++) {
    if (!(v->regions[j].memory_types & (1u << type))) continue;
    int w = snprintf(buf + k, n - k, "%s%s", k ? ", " : "", region_name(&v->regions[j]));
    if (w < 0 || (size_t)w >= n - k) break;
    k += (size_t)w;
  }
  if (!buf[0]) snprintf(buf, n, "none");
}

/*
 * Every row of a LOAD/STORE inside one region that allows its memory type. Row r covers
 * bytes [(B + r*S) * E, (B + r*S + X) * E); rows start further on as r grows, so the rows
 * one region holds form an interval whose end has a closed form. Starting from row 0, take
 * the region holding the current row that holds the most rows after it, and jump past
 * them: no region is taken twice, so the cost is quadratic in the region count and
 * independent of y_size.
 */
static void check_dram(vctx *v, const VTAISAInsn *x) {
  if (x->y_size == 0) return;
  const uint32_t type = x->mem_type;
  const uint64_t E = v->a->elem_bytes[type];
  const uint64_t B = x->dram_base, S = x->x_stride, X = x->x_size, Y = x->y_size;
  const uint64_t span_end = B + (Y - 1) * S + X; /* elements; < 2^34 */
  if (span_end * E > (1ull << 32)) {
    v_report(v, x->index, VTA_VERIFY_RULE_DRAM_OVERFLOW,
             "the last row ends at byte 0x%llx (%s element %llu of %llu bytes), past the 32-bit "
             "physical address space",
             (unsigned long long)(span_end * E), vta_isa_mem_type_name(type),
             (unsigned long long)span_end, (unsigned long long)E);
    return;
  }
  uint64_t r = 0;
  while (r < Y) {
    const uint64_t start = (B + r * S) * E, end = (B + r * S + X) * E;
    uint64_t best = 0;
    int found = 0;
    for (uint32_t j = 0; j < v->region_count; j++) {
      const VTAVerifyRegion *g = &v->regions[j];
      if (!(g->memory_types & (1u << type))) continue;
      uint64_t lo, hi;
      region_bounds(g, &lo, &hi);
      if (start < lo || end > hi) continue;
      /* Last row whose end stays within hi: B + r'S + X <= floor(hi / E). */
      uint64_t last = Y - 1;
      if (S) {
        uint64_t lim = (hi / E - B - X) / S; /* hi/E >= B + rS + X, so no wrap */
        if (lim < last) last = lim;
      }
      if (!found || last > best) best = last, found = 1;
    }
    if (!found) {
      char names[128];
      allowed_names(v, type, names, sizeof names);
      v_report(v, x->index, VTA_VERIFY_RULE_DRAM_REGION,
               "row %llu %s DRAM bytes [0x%llx, 0x%llx) (%s elements %llu..<%llu), outside every "
               "region allowed for %s (allowed: %s)",
               (unsigned long long)r, x->opcode == VTA_ISA_OP_STORE ? "writes" : "reads",
               (unsigned long long)start, (unsigned long long)end, vta_isa_mem_type_name(type),
               (unsigned long long)(B + r * S), (unsigned long long)(B + r * S + X),
               vta_isa_mem_type_name(type), names);
      return;
    }
    r = best + 1;
  }
}

/* ---------------------------------------------------------------- micro-op replay */

/* Regions LOAD UOP can read micro-ops from: UOP allowed and a host view. Element e (4
 * bytes at e*4) is covered when lo <= 4e and 4e + 4 <= hi. */
static int uop_image(const VTAVerifyRegion *g, uint64_t *first_elem, uint64_t *end_elem) {
  if (!(g->memory_types & (1u << VTA_ISA_MEM_UOP)) || !g->host) return 0;
  uint64_t lo, hi;
  region_bounds(g, &lo, &hi);
  *first_elem = (lo + 3) / 4;
  *end_elem = hi / 4;
  return *first_elem < *end_elem;
}

static uint32_t read_uop(const VTAVerifyRegion *g, uint64_t elem) {
  const uint8_t *p = (const uint8_t *)g->host + (elem * 4 - g->phys_base);
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set_slot(vctx *v, uint32_t slot, int defined, uint32_t word) {
  v->uop_defined[slot] = (uint8_t)defined;
  v->uop_word[slot] = word;
}

/*
 * Replays a LOAD UOP (already known to fit the micro-op buffer) the way the simulator
 * executes it: padding slots get the zero micro-op, data slots the micro-op the first
 * region with a host view holds at that DRAM element, or nothing (undefined).
 */
void v_replay_uop_load(vctx *v, const VTAISAInsn *x) {
  const uint32_t row_len = x->x_pad0 + x->x_size + x->x_pad1;
  uint32_t slot = x->sram_base;
  uint64_t missing = 0, first_missing = 0;
  for (uint32_t k = 0; k < x->y_pad0 * row_len; k++) set_slot(v, slot++, 1, 0);
  for (uint32_t row = 0; row < x->y_size; row++) {
    for (uint32_t k = 0; k < x->x_pad0; k++) set_slot(v, slot++, 1, 0);
    const uint64_t row_base = (uint64_t)x->dram_base + (uint64_t)row * x->x_stride;
    uint64_t c = 0;
    while (c < x->x_size) {
      const uint64_t e = row_base + c;
      /* The first image holding e supplies the run up to its end or to where an earlier
       * image starts; without one, skip to where the next image starts. */
      uint64_t run_end = row_base + x->x_size;
      const VTAVerifyRegion *src = NULL;
      for (uint32_t j = 0; j < v->region_count; j++) {
        uint64_t f, t;
        if (!uop_image(&v->regions[j], &f, &t)) continue;
        if (!src && f <= e && e < t) {
          src = &v->regions[j];
          if (t < run_end) run_end = t;
        } else if (f > e && f < run_end) {
          run_end = f;
        }
      }
      for (uint64_t a = e; a < run_end; a++) {
        if (src) {
          set_slot(v, slot++, 1, read_uop(src, a));
        } else {
          if (!missing++) first_missing = a;
          set_slot(v, slot++, 0, 0);
        }
      }
      c = run_end - row_base;
    }
    for (uint32_t k = 0; k < x->x_pad1; k++) set_slot(v, slot++, 1, 0);
  }
  for (uint32_t k = 0; k < x->y_pad1 * row_len; k++) set_slot(v, slot++, 1, 0);
  if (missing) {
    v_report(v, x->index, VTA_VERIFY_RULE_UOP_IMAGE,
             "LOAD UOP reads %llu micro-op(s) at DRAM element(s) not inside any region with a host "
             "view allowing UOP (first: element %llu, byte 0x%llx)",
             (unsigned long long)missing, (unsigned long long)first_missing,
             (unsigned long long)first_missing * 4);
  }
}

/* ---------------------------------------------------------------- per instruction */

static int has_padding(const VTAISAInsn *x) {
  return x->y_pad0 || x->y_pad1 || x->x_pad0 || x->x_pad1;
}

static const char *profile_name(const vctx *v) {
  return v->a->cfg.profile == VTA_ISA_PROFILE_EXTENDED ? "extended" : "stock";
}

static void check_load(vctx *v, const VTAISAInsn *x) {
  const uint32_t t = x->mem_type;
  const char *tn = vta_isa_mem_type_name(t);
  if (t == VTA_ISA_MEM_OUT) {
    v_report(v, x->index, VTA_VERIFY_RULE_MEMORY_TYPE,
             "LOAD of OUT does not exist: OUT is the memory type of STORE only");
    return;
  }
  if (t == VTA_ISA_MEM_ACC_8BIT && v->a->cfg.profile != VTA_ISA_PROFILE_EXTENDED)
    v_report(v, x->index, VTA_VERIFY_RULE_PROFILE,
             "LOAD ACC_8BIT exists only on the extended ISA profile; this target is %s",
             profile_name(v));
  if ((t == VTA_ISA_MEM_WGT || t == VTA_ISA_MEM_UOP) && has_padding(x))
    v_report(v, x->index, VTA_VERIFY_RULE_LOAD_PADDING,
             "LOAD %s with padding %u,%u,%u,%u: the HLS design pads only INP and ACC loads", tn,
             x->y_pad0, x->y_pad1, x->x_pad0, x->x_pad1);
  if (x->x_size == 0) return; /* a no-op that only moves tokens */
  if (t == VTA_ISA_MEM_UOP && x->y_size != 1)
    v_report(v, x->index, VTA_VERIFY_RULE_UOP_ROWS,
             "LOAD UOP with y_size %u: the HLS design copies x_size micro-ops and ignores y_size, "
             "the simulator walks y_size rows; use y_size 1",
             x->y_size);
  const uint32_t buffer = t == VTA_ISA_MEM_ACC_8BIT ? VTA_ISA_MEM_ACC : t;
  const uint64_t depth = v->a->depth[buffer];
  const uint64_t rows = (uint64_t)x->y_pad0 + x->y_size + x->y_pad1;
  const uint64_t cols = (uint64_t)x->x_pad0 + x->x_size + x->x_pad1;
  const uint64_t end = x->sram_base + rows * cols;
  const int in_range = end <= depth;
  if (!in_range) {
    static const char *const bufname[4] = {"UOP", "WGT", "INP", "ACC"};
    v_report(v, x->index, VTA_VERIFY_RULE_SRAM_RANGE,
             "LOAD %s writes %s[%u..<%llu] ((%u+%u+%u) rows of (%u+%u+%u) elements), past the end "
             "of the %llu-element %s buffer",
             tn, bufname[buffer], x->sram_base, (unsigned long long)end, x->y_pad0, x->y_size,
             x->y_pad1, x->x_pad0, x->x_size, x->x_pad1, (unsigned long long)depth,
             bufname[buffer]);
  }
  check_dram(v, x);
  if (in_range && t == VTA_ISA_MEM_UOP) v_replay_uop_load(v, x);
}

static void check_store(vctx *v, const VTAISAInsn *x) {
  if (has_padding(x))
    v_report(v, x->index, VTA_VERIFY_RULE_STORE_PADDING,
             "STORE with padding %u,%u,%u,%u: stores never pad", x->y_pad0, x->y_pad1, x->x_pad0,
             x->x_pad1);
  /* x_size 0 is a token-only no-op; upstream's runtime emits those with memory type UOP. */
  if (x->x_size == 0) return;
  if (x->mem_type != VTA_ISA_MEM_OUT) {
    v_report(v, x->index, VTA_VERIFY_RULE_MEMORY_TYPE,
             "STORE of %s: stores always read the OUT buffer (memory type OUT)",
             vta_isa_mem_type_name(x->mem_type));
    return;
  }
  const uint64_t depth = v->a->depth[VTA_ISA_MEM_ACC];
  const uint64_t end = x->sram_base + (uint64_t)x->y_size * x->x_size;
  if (end > depth)
    v_report(v, x->index, VTA_VERIFY_RULE_SRAM_RANGE,
             "STORE reads OUT[%u..<%llu] (%u rows of %u), past the end of the %llu-element output "
             "buffer",
             x->sram_base, (unsigned long long)end, x->y_size, x->x_size, (unsigned long long)depth);
  check_dram(v, x);
}

static void check_insn(vctx *v, const VTAISAInsn *x) {
  static const char *const flag_names[4] = {"pop_prev", "pop_next", "push_prev", "push_next"};
  const uint8_t flags[4] = {x->pop_prev, x->pop_next, x->push_prev, x->push_next};
  for (int k = 0; k < 4; k++) {
    if (flags[k] && vta_isa_queue_of(x->module, k) < 0)
      v_report(v, x->index, VTA_VERIFY_RULE_DEPENDENCY_QUEUE,
               "runs on the %s module, which has no %s module: %s must be 0",
               vta_isa_module_name(x->module), k == 0 || k == 2 ? "previous" : "next",
               flag_names[k]);
  }
  switch (x->opcode) {
    case VTA_ISA_OP_LOAD: check_load(v, x); break;
    case VTA_ISA_OP_STORE: check_store(v, x); break;
    case VTA_ISA_OP_GEMM: v_check_loop(v, x); break;
    case VTA_ISA_OP_ALU:
      if (x->alu_op == VTA_ISA_ALU_MUL && v->a->cfg.profile != VTA_ISA_PROFILE_EXTENDED)
        v_report(v, x->index, VTA_VERIFY_RULE_PROFILE,
                 "ALU MUL exists only on the extended ISA profile; this target is %s",
                 profile_name(v));
      if (x->alu_op == VTA_ISA_ALU_SHR && x->use_imm &&
          (x->imm < v->a->shift_min || x->imm > v->a->shift_max))
        v_report(v, x->index, VTA_VERIFY_RULE_SHIFT_RANGE,
                 "SHR by %d: the HLS design reads only the low %d bits of the amount, so only "
                 "%d...%d is portable; split the shift",
                 x->imm, v->a->cfg.LOG_ACC_WIDTH, v->a->shift_min, v->a->shift_max);
      v_check_loop(v, x);
      break;
    default: /* FINISH */
      if (x->pop_prev || x->pop_next)
        v_report(v, x->index, VTA_VERIFY_RULE_FINISH_POPS,
                 "FINISH pops: upstream does not support pops on FINISH; put them on a compute "
                 "no-op (LOAD UOP with x_size 0) just before it");
      break;
  }
}

/* ---------------------------------------------------------------- entry points */

int vta_verify_stream_ex(const VTAISAConfig *cfg, const uint8_t *instructions, uint32_t count,
                         const VTAVerifyRegion *regions, uint32_t region_count,
                         const VTAVerifyOptions *options, VTAVerifyFinding *first) {
  vctx v;
  memset(&v, 0, sizeof v);
  v.words = instructions;
  v.count = count;
  v.regions = regions;
  v.region_count = region_count;
  v.first = first;
  int skip_races = 0;
  if (options) {
    skip_races = options->skip_races;
    v.fifo_depth = options->fifo_depth;
    v.on_finding = options->on_finding;
    v.context = options->context;
  }
  if (!v.fifo_depth) v.fifo_depth = VTA_VERIFY_DEFAULT_FIFO_DEPTH;
  if (first) {
    memset(first, 0, sizeof *first);
    first->instruction = VTA_VERIFY_STREAM_LEVEL;
  }

  VTAISAArch arch;
  char why[256];
  if (!cfg) {
    v_report(&v, VTA_VERIFY_STREAM_LEVEL, VTA_VERIFY_RULE_ARGUMENTS, "no configuration");
    return v.errors;
  }
  if (vta_isa_arch_init(&arch, cfg, why, sizeof why)) {
    v_report(&v, VTA_VERIFY_STREAM_LEVEL, VTA_VERIFY_RULE_CONFIG, "invalid configuration: %s", why);
    return v.errors;
  }
  if ((count && !instructions) || (region_count && !regions)) {
    v_report(&v, VTA_VERIFY_STREAM_LEVEL, VTA_VERIFY_RULE_ARGUMENTS,
             "NULL instructions or regions with a nonzero count");
    return v.errors;
  }
  v.a = &arch;

  /* Decode everything first: like the Swift verifier, a stream with words that do not
   * decode gets only those findings (the rest would be reasoning about noise). */
  uint32_t pushes[VTA_ISA_QUEUES] = {0, 0, 0, 0};
  VTAISAInsn x;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t problems = vta_isa_decode(&arch, instructions + (size_t)i * VTA_ISA_INSN_BYTES, i, &x);
    if (problems) {
      report_decode(&v, i, problems, &x);
      continue;
    }
    const uint8_t pushed[2] = {x.push_prev, x.push_next};
    for (int k = 0; k < 2; k++) {
      int q = vta_isa_queue_of(x.module, 2 + k);
      if (pushed[k] && q >= 0) pushes[q]++;
    }
  }
  if (v.errors) return v.errors;

  const uint32_t uop_depth = arch.depth[VTA_ISA_MEM_UOP];
  v.uop_word = calloc(uop_depth, sizeof *v.uop_word);
  v.uop_defined = calloc(uop_depth, 1);
  if (!v.uop_word || !v.uop_defined) {
    v_report(&v, VTA_VERIFY_STREAM_LEVEL, VTA_VERIFY_RULE_OUT_OF_MEMORY,
             "cannot allocate the %u-slot micro-op model", uop_depth);
  } else {
    for (uint32_t i = 0; i < count; i++) {
      vta_isa_decode(&arch, instructions + (size_t)i * VTA_ISA_INSN_BYTES, i, &x);
      check_insn(&v, &x);
    }
    /* Tokens and FINISH; then the same simulation again for the race analysis, whose
     * findings come last (as in the Swift verifier). */
    v_start_hook hook = NULL;
    if (!skip_races) {
      if (v_races_begin(&v))
        v_report(&v, VTA_VERIFY_STREAM_LEVEL, VTA_VERIFY_RULE_OUT_OF_MEMORY,
                 "cannot allocate the race analysis");
      else
        hook = v_races_step;
    }
    if (v_check_tokens(&v, pushes, hook))
      v_report(&v, VTA_VERIFY_STREAM_LEVEL, VTA_VERIFY_RULE_OUT_OF_MEMORY,
               "cannot allocate the token queues");
    v_races_end(&v);
  }
  free(v.uop_word);
  free(v.uop_defined);
  return v.errors;
}

int vta_verify_stream(const VTAISAConfig *cfg, const uint8_t *instructions, uint32_t count,
                      const VTAVerifyRegion *regions, uint32_t region_count, uint32_t fifo_depth,
                      VTAVerifyFinding *first) {
  VTAVerifyOptions options;
  memset(&options, 0, sizeof options);
  options.fifo_depth = fifo_depth;
  return vta_verify_stream_ex(cfg, instructions, count, regions, region_count, &options, first);
}
