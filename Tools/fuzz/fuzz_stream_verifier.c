/*
 * fuzz_stream_verifier.c — the on-storage stream verifier (CVTAISA) on arbitrary streams,
 * with the reference simulator (CVTASim) as the oracle: a stream the verifier calls safe
 * must run there without an error the verifier claims to rule out.
 *
 * Input: byte 0 picks the configuration (alkali/stock, fsim/extended, cloud, a small
 * layout that moves fields across bit 64), raw or structured instructions, the FIFO depth
 * and whether races are analysed; byte 1 the region count; 8 bytes per region; then
 * 16 bytes per instruction. Structured mode folds each word into a valid instruction with
 * small fields near the regions, keeps the dependency tokens balanced most of the time and
 * appends upstream's epilogue, so that most streams get past decoding and the token
 * simulation into the deeper checks.
 *
 * Invariants checked on every input (abort on violation):
 *  - decode/encode round-trip for every word that decodes;
 *  - vta_verify_stream == vta_verify_stream_ex == the number of findings reported, and the
 *    first finding has the lowest index;
 *  - a stream verified safe runs on CVTASim (same configuration, regions allocated at their
 *    physical addresses, FIFO depth, hazard and race checks on) with no error other than
 *    those outside the verifier's rules: the work budget, DRAM races between STORE and
 *    LOAD, a STORE after GEMM reset, and data-dependent SHR amounts.
 */
// fuzz-sources: Sources/CVTAISA/*.c Sources/CVTASim/*.c
// fuzz-includes: Sources/CVTAISA/include Sources/CVTASim/include

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vta_isa.h"
#include "vta_sim.h"
#include "vta_verify.h"

#define MAX_INSNS 96
#define MAX_REGIONS 7
#define MAX_REGION_BYTES (64u * 1024u)

static void fail(const char *what, const char *detail) {
    fprintf(stderr, "fuzz_stream_verifier: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static void config(int which, VTAISAConfig *c) {
    vta_isa_default_config(c);
    switch (which & 3) {
    case 0: break; /* alkali: stock */
    case 1: c->profile = VTA_ISA_PROFILE_EXTENDED; break; /* fsim */
    case 2: /* cloud */
        c->LOG_BLOCK_IN = c->LOG_BLOCK_OUT = 5;
        c->LOG_INP_BUFF_SIZE = 16;
        c->LOG_WGT_BUFF_SIZE = 20;
        c->LOG_ACC_BUFF_SIZE = 18;
        c->profile = VTA_ISA_PROFILE_EXTENDED;
        break;
    default: /* a 2^14-entry UOP buffer pushes iter_in past bit 64 */
        c->LOG_UOP_BUFF_SIZE = 16;
        c->LOG_ACC_BUFF_SIZE = 13;
        c->LOG_INP_BUFF_SIZE = 13;
        c->LOG_WGT_BUFF_SIZE = 17;
        break;
    }
}

typedef struct {
    uint32_t count;
    uint32_t min_index;
} tally;

static void count_finding(void *ctx, const VTAVerifyFinding *f) {
    tally *t = ctx;
    t->count++;
    if (f->instruction < t->min_index) t->min_index = f->instruction;
    if (!f->rule[0] || !memchr(f->rule, 0, sizeof f->rule) || !memchr(f->message, 0, sizeof f->message))
        fail("finding without a terminated rule or message", NULL);
}

/* ---------------------------------------------------------------- structured streams */

typedef struct {
    const VTAISAArch *a;
    const VTAVerifyRegion *regions;
    uint32_t nregions;
    uint32_t tokens[VTA_ISA_QUEUES]; /* available in program order */
} builder;

/* dram_base near a region's start, in elements of `type`. */
static uint32_t near_region(const builder *b, uint32_t type, uint32_t bits) {
    const uint32_t eb = b->a->elem_bytes[type];
    if (!b->nregions || (bits & 0xF00) == 0xF00) return bits; /* anywhere */
    const VTAVerifyRegion *r = &b->regions[(bits >> 5) % b->nregions];
    return r->phys_base / eb + (bits & 31);
}

static void fold(builder *b, const uint8_t *word, uint8_t *out) {
    const VTAISAArch *a = b->a;
    VTAISAInsn x;
    vta_isa_decode(a, word, 0, &x);
    const uint32_t r = (uint32_t)word[15] | (uint32_t)word[14] << 8; /* spare randomness */
    x.opcode %= 5;
    if (x.opcode == VTA_ISA_OP_LOAD || x.opcode == VTA_ISA_OP_STORE) {
        x.mem_type %= 6;
        if (x.opcode == VTA_ISA_OP_STORE && (r & 7)) x.mem_type = VTA_ISA_MEM_OUT;
        if (x.opcode == VTA_ISA_OP_LOAD && x.mem_type == VTA_ISA_MEM_OUT && (r & 3)) x.mem_type = VTA_ISA_MEM_INP;
        const uint32_t buffer = x.mem_type == VTA_ISA_MEM_ACC_8BIT || x.mem_type == VTA_ISA_MEM_OUT
                                    ? VTA_ISA_MEM_ACC
                                    : x.mem_type;
        const uint32_t depth = a->depth[buffer];
        x.sram_base = (r & 0x30) == 0x30 ? (depth - 1 - (x.sram_base & 7)) & 0xFFFF : x.sram_base & 31;
        x.x_size &= 15;
        x.y_size = x.mem_type == VTA_ISA_MEM_UOP && (r & 0x40) ? 1 : x.y_size & 3;
        x.x_stride = (r & 0x80) ? x.x_stride & 0xFFFF : x.x_size + (x.x_stride & 3);
        if ((r & 0x300) != 0x300) x.y_pad0 = x.y_pad1 = x.x_pad0 = x.x_pad1 = 0;
        else x.y_pad0 &= 1, x.y_pad1 &= 1, x.x_pad0 &= 1, x.x_pad1 &= 1;
        x.dram_base = near_region(b, x.mem_type, x.dram_base);
    } else if (x.opcode == VTA_ISA_OP_GEMM || x.opcode == VTA_ISA_OP_ALU) {
        x.uop_bgn &= 31;
        x.uop_end = (r & 0x1000) ? x.uop_end : x.uop_bgn + (x.uop_end & 7);
        if (x.uop_end > a->depth[VTA_ISA_MEM_UOP] * 2 - 1) x.uop_end = a->depth[VTA_ISA_MEM_UOP];
        if ((r & 0x6000) == 0x6000) {
            x.iter_out = x.iter_in = (1u << 14) - 1; /* huge: factors 0 */
            x.dst_fo = x.dst_fi = x.src_fo = x.src_fi = x.wgt_fo = x.wgt_fi = 0;
        } else {
            x.iter_out &= 7, x.iter_in &= 7;
            if (!(r & 0x8000)) {
                x.dst_fo &= 7, x.dst_fi &= 7, x.src_fo &= 7, x.src_fi &= 7, x.wgt_fo &= 7, x.wgt_fi &= 7;
            }
        }
        if (x.opcode == VTA_ISA_OP_ALU) {
            x.alu_op %= 5;
            if (x.alu_op == VTA_ISA_ALU_SHR && (r & 0x10)) x.imm = (int32_t)(r % 40) - 20;
        } else {
            x.alu_op = 0, x.use_imm = 0, x.imm = 0;
        }
        if (x.opcode == VTA_ISA_OP_GEMM) x.alu_op = 0;
    }
    x.module = (uint8_t)vta_isa_module_of(x.opcode, x.mem_type);
    /* Balanced tokens (usually): pop only what program order has produced. */
    if (r & 0x800) {
        uint8_t *pops[2] = {&x.pop_prev, &x.pop_next};
        for (int k = 0; k < 2; k++) {
            int q = vta_isa_queue_of(x.module, k);
            if (*pops[k]) {
                if (q >= 0 && b->tokens[q]) b->tokens[q]--;
                else *pops[k] = 0;
            }
        }
        const uint8_t pushes[2] = {x.push_prev, x.push_next};
        for (int k = 0; k < 2; k++) {
            int q = vta_isa_queue_of(x.module, 2 + k);
            if (pushes[k] && q >= 0) b->tokens[q]++;
        }
        if (x.module == VTA_ISA_MODULE_LOAD) x.pop_prev = x.push_prev = 0;
        if (x.module == VTA_ISA_MODULE_STORE) x.pop_next = x.push_next = 0;
    }
    if (vta_isa_encode(a, &x, out)) memset(out, 0, VTA_ISA_INSN_BYTES);
}

static void emit(const VTAISAArch *a, uint8_t *out, uint32_t opcode, uint32_t mem_type, int pop_prev,
                 int pop_next, int push_prev, int push_next) {
    VTAISAInsn x;
    memset(&x, 0, sizeof x);
    x.opcode = (uint8_t)opcode;
    x.mem_type = (uint8_t)mem_type;
    x.pop_prev = (uint8_t)pop_prev, x.pop_next = (uint8_t)pop_next;
    x.push_prev = (uint8_t)push_prev, x.push_next = (uint8_t)push_next;
    if (vta_isa_encode(a, &x, out)) fail("epilogue does not encode", NULL);
}

/* Upstream's epilogue: drain g2l on load and g2s on store, let the last load and store
 * signal compute, pop everything on compute no-ops, FINISH. Returns the new count. */
static uint32_t epilogue(builder *b, uint8_t *words, uint32_t n, uint32_t cap) {
    const VTAISAArch *a = b->a;
    int loads = 0, stores = 0;
    for (uint32_t i = 0; i < n; i++) {
        VTAISAInsn x;
        vta_isa_decode(a, words + 16 * i, i, &x);
        loads |= x.module == VTA_ISA_MODULE_LOAD;
        stores |= x.module == VTA_ISA_MODULE_STORE;
    }
#define ROOM (n + 1 < cap)
    while (b->tokens[VTA_ISA_QUEUE_G2L] && ROOM) {
        b->tokens[VTA_ISA_QUEUE_G2L]--;
        emit(a, words + 16 * n++, VTA_ISA_OP_LOAD, VTA_ISA_MEM_INP, 0, 1, 0, 0);
        loads = 1;
    }
    if (loads && ROOM) {
        emit(a, words + 16 * n++, VTA_ISA_OP_LOAD, VTA_ISA_MEM_INP, 0, 0, 0, 1);
        b->tokens[VTA_ISA_QUEUE_L2G]++;
    }
    while (b->tokens[VTA_ISA_QUEUE_G2S] && ROOM) {
        b->tokens[VTA_ISA_QUEUE_G2S]--;
        emit(a, words + 16 * n++, VTA_ISA_OP_STORE, VTA_ISA_MEM_UOP, 1, 0, 0, 0);
        stores = 1;
    }
    if (stores && ROOM) {
        emit(a, words + 16 * n++, VTA_ISA_OP_STORE, VTA_ISA_MEM_UOP, 0, 0, 1, 0);
        b->tokens[VTA_ISA_QUEUE_S2G]++;
    }
    while ((b->tokens[VTA_ISA_QUEUE_L2G] || b->tokens[VTA_ISA_QUEUE_S2G]) && ROOM) {
        int p = b->tokens[VTA_ISA_QUEUE_L2G] > 0, q = b->tokens[VTA_ISA_QUEUE_S2G] > 0;
        b->tokens[VTA_ISA_QUEUE_L2G] -= (uint32_t)p;
        b->tokens[VTA_ISA_QUEUE_S2G] -= (uint32_t)q;
        emit(a, words + 16 * n++, VTA_ISA_OP_LOAD, VTA_ISA_MEM_UOP, p, q, 0, 0);
    }
#undef ROOM
    if (n < cap) emit(a, words + 16 * n++, VTA_ISA_OP_FINISH, 0, 0, 0, 0, 0);
    return n;
}

/* ---------------------------------------------------------------- the oracle */

static VTADeviceHandle g_dev[4];

#ifdef FUZZ_STATS
/* -DFUZZ_STATS: how far inputs get (printed at exit), to check the oracle is exercised. */
static unsigned long g_inputs, g_safe, g_oracle_runs, g_sim_rc[16];
static void print_stats(void) {
    fprintf(stderr, "inputs %lu, verified safe %lu, run on the simulator %lu; simulator results:", g_inputs,
            g_safe, g_oracle_runs);
    for (int k = 0; k < 16; k++)
        if (g_sim_rc[k]) fprintf(stderr, " %d:%lu", k, g_sim_rc[k]);
    fprintf(stderr, "\n");
}
#define STAT(x) (x)
#else
#define STAT(x) ((void)0)
#endif

/* Runs a stream the verifier accepted on the simulator; aborts on an error the verifier
 * should have ruled out. */
static void oracle(int which, const VTAISAConfig *c, const uint8_t *words, uint32_t n,
                   const VTAVerifyRegion *regions, uint32_t nregions, uint32_t fifo) {
    for (uint32_t j = 0; j < nregions; j++)
        if (regions[j].size > MAX_REGION_BYTES || regions[j].phys_base == 0) return;
    if (!g_dev[which]) {
        VTASimConfig s = {c->LOG_INP_WIDTH,     c->LOG_WGT_WIDTH,     c->LOG_ACC_WIDTH,
                          c->LOG_BATCH,         c->LOG_BLOCK_IN,      c->LOG_BLOCK_OUT,
                          c->LOG_UOP_BUFF_SIZE, c->LOG_INP_BUFF_SIZE, c->LOG_WGT_BUFF_SIZE,
                          c->LOG_ACC_BUFF_SIZE, c->profile};
        g_dev[which] = VTASimDeviceAllocWithConfig(&s);
        if (!g_dev[which]) fail("simulator refuses the configuration", NULL);
    }
    VTADeviceHandle dev = g_dev[which];
    VTASimOptions o;
    VTASimDefaultOptions(&o);
    o.queue_capacity = fifo;
    o.max_uop_iters = 1u << 20;
    if (VTASimSetOptions(dev, &o)) fail("simulator options", NULL);
    VTASimResetSRAM(dev);

    void *bufs[MAX_REGIONS + 1] = {0};
    int ok = 1;
    for (uint32_t j = 0; j < nregions && ok; j++) {
        bufs[j] = VTASimMemAllocAt((size_t)regions[j].size, regions[j].phys_base);
        if (!bufs[j]) ok = 0; /* overlapping regions: the simulator cannot place them */
        else if (regions[j].host) memcpy(bufs[j], regions[j].host, (size_t)regions[j].size);
    }
    void *stream = ok ? VTAMemAlloc((size_t)n * 16, VTA_CACHED) : NULL;
    if (stream) {
        memcpy(stream, words, (size_t)n * 16);
        int rc = VTADeviceRun(dev, VTAMemGetPhyAddr(stream), n, 0);
        const char *why = VTASimLastError(dev);
        STAT(g_oracle_runs++);
        STAT(g_sim_rc[rc & 15]++);
        int expected = rc == VTA_SIM_OK || rc == VTA_SIM_ERR_TIMEOUT ||
                       (rc == VTA_SIM_ERR_RACE && strstr(why, "DRAM")) ||
                       (rc == VTA_SIM_ERR_STALE_OUT && strstr(why, "GEMM reset")) ||
                       (rc == VTA_SIM_ERR_DECODE && strstr(why, "SHR amount"));
        if (!expected) fail("the verifier accepted a stream the simulator rejects", why);
        VTAMemFree(stream);
    }
    for (uint32_t j = 0; j < nregions; j++) VTAMemFree(bufs[j]);
}

/* ---------------------------------------------------------------- entry */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
#ifdef FUZZ_STATS
    if (!g_inputs++) atexit(print_stats);
#endif
    if (size < 2) return 0;
    const int which = data[0] & 3, structured = data[0] & 4, skip_races = (data[0] & 8) != 0;
    static const uint32_t fifos[4] = {1024, 1, 2, 3};
    const uint32_t fifo = fifos[(data[0] >> 4) & 3];
    const int with_epilogue = !(data[0] & 0x40);
    VTAISAConfig c;
    config(which, &c);
    VTAISAArch a;
    if (vta_isa_arch_init(&a, &c, NULL, 0)) fail("configuration", NULL);
    size_t p = 2;

    /* Regions: base (24 bits, 256-byte units, or anywhere), size, types, host view. */
    VTAVerifyRegion regions[MAX_REGIONS];
    uint8_t *hosts[MAX_REGIONS] = {0};
    uint32_t nregions = 0;
    const uint32_t want = data[1] % (MAX_REGIONS + 1);
    static const char *const names[MAX_REGIONS] = {"r0", "r1", "r2", "r3", "r4", "r5", "r6"};
    for (; nregions < want && p + 8 <= size; nregions++, p += 8) {
        const uint8_t *d = data + p;
        VTAVerifyRegion *r = &regions[nregions];
        uint32_t base = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16;
        r->name = names[nregions];
        /* 256-byte aligned below 4 GiB, or any address. */
        r->phys_base = (d[6] & 0x80) ? base << 8 : base | (uint32_t)d[3] << 24;
        uint32_t units = (uint32_t)d[4] | (uint32_t)(d[5] & 0x0F) << 8;
        r->size = (d[5] & 0x80) ? (uint64_t)units << 28 : (uint64_t)units * 16; /* huge or <= 64 KiB */
        r->memory_types = d[6] & 0x3F;
        r->host = NULL;
        if ((d[7] & 1) && r->size <= MAX_REGION_BYTES) {
            /* A host view full of micro-ops with small indices (or raw bytes). */
            uint8_t *h = malloc(r->size ? (size_t)r->size : 1);
            if (!h) fail("malloc", NULL);
            for (uint64_t k = 0; k + 4 <= r->size; k += 4) {
                uint32_t u = 0, s = (uint32_t)(k / 4) * 2654435761u ^ d[7];
                if (!(d[7] & 2)) vta_isa_encode_uop(&a, s & 31, (s >> 5) & 31, (s >> 10) & 15, &u);
                else u = s;
                memcpy(h + k, &u, 4);
            }
            for (uint64_t k = r->size & ~3ull; k < r->size; k++) h[k] = 0;
            hosts[nregions] = h;
            r->host = h;
        }
    }

    /* Instructions. */
    uint8_t words[MAX_INSNS * 16];
    uint32_t n = 0;
    builder b = {&a, regions, nregions, {0, 0, 0, 0}};
    for (; p + 16 <= size && n < MAX_INSNS - 12; p += 16, n++) {
        if (structured) fold(&b, data + p, words + 16 * n);
        else memcpy(words + 16 * n, data + p, 16);
    }
    if (structured && with_epilogue) n = epilogue(&b, words, n, MAX_INSNS);

    /* Decoder invariants. */
    for (uint32_t i = 0; i < n; i++) {
        VTAISAInsn x;
        if (vta_isa_decode(&a, words + 16 * i, i, &x)) continue;
        uint8_t again[16];
        if (vta_isa_encode(&a, &x, again) || memcmp(again, words + 16 * i, 16))
            fail("decode/encode round trip", NULL);
    }

    /* Verifier invariants. */
    tally t = {0, UINT32_MAX};
    VTAVerifyOptions opts;
    memset(&opts, 0, sizeof opts);
    opts.fifo_depth = fifo;
    opts.on_finding = count_finding;
    opts.context = &t;
    opts.skip_races = skip_races;
    VTAVerifyFinding first, first2;
    int errors = vta_verify_stream_ex(&c, words, n, regions, nregions, &opts, &first);
    if (errors < 0 || (uint32_t)errors != t.count) fail("error count differs from the findings reported", NULL);
    if (errors && first.instruction != t.min_index) fail("first finding is not the lowest-indexed", NULL);
    if (!skip_races) {
        int plain = vta_verify_stream(&c, words, n, regions, nregions, fifo, &first2);
        if (plain != errors || (errors && memcmp(&first, &first2, sizeof first)))
            fail("vta_verify_stream and vta_verify_stream_ex disagree", NULL);
        if (errors == 0) STAT(g_safe++);
        if (errors == 0) oracle(which, &c, words, n, regions, nregions, fifo);
    }
    for (uint32_t j = 0; j < nregions; j++) free(hosts[j]);
    return 0;
}
