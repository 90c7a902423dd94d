/*
 * sim_internal.h — shared declarations of the CVTASim implementation (private).
 */
#ifndef VTAC_SIM_INTERNAL_H_
#define VTAC_SIM_INTERNAL_H_

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "include/vta_sim.h"

/* ---------------------------------------------------------------- ISA constants */

enum { OP_LOAD = 0, OP_STORE = 1, OP_GEMM = 2, OP_FINISH = 3, OP_ALU = 4 };
enum { ALU_MIN = 0, ALU_MAX = 1, ALU_ADD = 2, ALU_SHR = 3, ALU_MUL = 4 };

/* Fixed field widths of the ISA (hw_spec_const.h); the rest derive from the config. */
enum {
  W_OPCODE = 3,
  W_MEMTYPE = 3,
  W_SRAM_ADDR = 16,
  W_DRAM_ADDR = 32,
  W_SIZE = 16,
  W_STRIDE = 16,
  W_PAD = 4,
  W_LOOP_ITER = 14,
  W_ALU_OPCODE = 3,
  W_IMM = 16,
  INSN_BYTES = 16,
  UOP_BYTES = 4,
};

/* Field indices of the layout tables (order = upstream bit-field declaration order). */
enum {
  F_OPCODE, F_POP_PREV, F_POP_NEXT, F_PUSH_PREV, F_PUSH_NEXT, F_COMMON_COUNT
};
enum {
  FM_MEMTYPE = F_COMMON_COUNT, FM_SRAM, FM_DRAM, FM_YSIZE, FM_XSIZE, FM_XSTRIDE,
  FM_YPAD0, FM_YPAD1, FM_XPAD0, FM_XPAD1, FM_COUNT
};
enum {
  FG_RESET = F_COMMON_COUNT, FG_UOP_BGN, FG_UOP_END, FG_ITER_OUT, FG_ITER_IN,
  FG_DST_FO, FG_DST_FI, FG_SRC_FO, FG_SRC_FI, FG_WGT_FO, FG_WGT_FI, FG_COUNT
};
enum {
  FA_RESET = F_COMMON_COUNT, FA_UOP_BGN, FA_UOP_END, FA_ITER_OUT, FA_ITER_IN,
  FA_DST_FO, FA_DST_FI, FA_SRC_FO, FA_SRC_FI, FA_OPCODE, FA_USE_IMM, FA_IMM, FA_COUNT
};
enum { FU_DST, FU_SRC, FU_WGT, FU_COUNT };

typedef struct {
  uint8_t offset, width;
} sim_field;

/* Everything derived from a VTASimConfig. */
typedef struct {
  VTASimConfig cfg;
  uint32_t batch, block_in, block_out;
  uint32_t inp_lanes; /* int8 lanes per INP element: BATCH*BLOCK_IN */
  uint32_t wgt_lanes; /* int8 lanes per WGT element: BLOCK_OUT*BLOCK_IN */
  uint32_t acc_lanes; /* int32 lanes per ACC element = int8 lanes per OUT element */
  /* DRAM bytes of one element, indexed by memory type (UOP..ACC_8BIT). */
  uint32_t elem_bytes[6];
  /* SRAM depths (elements) and their log2, indexed by UOP, WGT, INP, ACC. */
  uint32_t depth[4];
  uint32_t log_depth[4];
  sim_field mem[FM_COUNT];
  sim_field gemm[FG_COUNT];
  sim_field alu[FA_COUNT];
  sim_field uop[FU_COUNT];
} sim_arch;

/* sim_config.c */
int sim_arch_init(sim_arch *arch, const VTASimConfig *cfg, char *why, size_t why_len);

/* ---------------------------------------------------------------- decoded instructions */

enum { MOD_LOAD = 0, MOD_COMPUTE = 1, MOD_STORE = 2, MOD_COUNT = 3 };

typedef struct {
  uint32_t index; /* position in the stream */
  uint8_t opcode, module;
  uint8_t pop_prev, pop_next, push_prev, push_next;
  /* LOAD / STORE */
  uint8_t mem_type;
  uint32_t sram_base, dram_base, y_size, x_size, x_stride, y_pad0, y_pad1, x_pad0, x_pad1;
  /* GEMM / ALU */
  uint8_t reset, alu_op, use_imm;
  uint32_t uop_bgn, uop_end, iter_out, iter_in;
  uint32_t dst_fo, dst_fi, src_fo, src_fi, wgt_fo, wgt_fi;
  int32_t imm;
} sim_insn;

/* sim_decode.c: decode and check everything that does not depend on run-time state.
 * Returns 0 or an error code with a message in `msg`. */
int sim_decode(const sim_arch *arch, const uint8_t *word, uint32_t index, sim_insn *out,
               char *msg, size_t msg_len);
const char *sim_insn_name(const sim_insn *insn);
/* Unpack a 32-bit micro-op. */
static inline void sim_uop_fields(const sim_arch *a, uint32_t word, uint32_t *dst, uint32_t *src,
                                  uint32_t *wgt) {
  *dst = (word >> a->uop[FU_DST].offset) & ((1u << a->uop[FU_DST].width) - 1u);
  *src = (word >> a->uop[FU_SRC].offset) & ((1u << a->uop[FU_SRC].width) - 1u);
  *wgt = (word >> a->uop[FU_WGT].offset) & ((1u << a->uop[FU_WGT].width) - 1u);
}

/* ---------------------------------------------------------------- DRAM (sim_memory.c) */

/* A copy of one allocation's extent, cached by a device between look-ups. */
typedef struct {
  uint64_t phy, size;
  uint8_t *host;
} sim_extent;

/* Host pointer for [phy, phy+len) if it lies inside one allocation, else NULL. The
 * cache (may be NULL) avoids the global lock for repeated hits in one allocation. */
uint8_t *sim_dram_translate(uint64_t phy, uint64_t len, sim_extent *cache);

/* ---------------------------------------------------------------- token queues (sim_queues.c) */

enum { Q_L2G = 0, Q_G2L = 1, Q_G2S = 2, Q_S2G = 3, Q_COUNT = 4 };

/* A token carries the vector clock of the pushing module, so that the popping module
 * learns which instructions of every module are ordered before it. */
typedef struct {
  uint32_t clock[MOD_COUNT];
  uint32_t from_index; /* stream index of the pushing instruction */
} sim_token;

typedef struct {
  sim_token *ring;
  uint32_t cap, head, count;
} sim_queue;

void sim_queue_clear(sim_queue *q);
void sim_queue_free(sim_queue *q);
int sim_queue_push(sim_queue *q, const sim_token *t); /* nonzero on out-of-memory */
int sim_queue_pop(sim_queue *q, sim_token *t);        /* nonzero if empty */
const char *sim_queue_name(int q);

/* ---------------------------------------------------------------- device */

/* State of an ACC index's mirror in the OUT buffer (what STORE reads). */
enum {
  OUT_NEVER = 0,      /* no GEMM/ALU wrote it since the SRAM reset */
  OUT_VALID = 1,      /* last write was GEMM (accumulate) or ALU: OUT = low 8 bits of ACC */
  OUT_STALE_LOAD = 2, /* last write was LOAD ACC/ACC_8BIT: hardware OUT holds an older value */
  OUT_STALE_RESET = 3 /* last write was GEMM reset: hardware OUT holds acc+dot, not 0 */
};

typedef struct {
  uint32_t *list;  /* stream indices of this module's instructions */
  uint32_t count;  /* how many */
  uint32_t next;   /* how many executed */
} sim_module;

typedef struct sim_device {
  sim_arch arch;
  VTASimOptions opts;

  /* SRAM contents. */
  uint32_t *uop;
  int8_t *inp, *wgt, *out;
  int32_t *acc;
  /* Written-ever flags (POISON mode), per element. */
  uint8_t *uop_w, *inp_w, *wgt_w, *acc_w;
  uint8_t *out_state; /* OUT_* per ACC index */

  /* Race tracking, per run: module-local sequence number (1-based) of the last writer
   * and of the last reader of each element shared between two modules. */
  uint32_t *inp_writer, *inp_reader, *wgt_writer, *wgt_reader, *out_writer, *out_reader;

  /* Run state. */
  uint8_t *stream;  /* snapshot of the instruction words */
  size_t stream_cap;
  sim_module mod[MOD_COUNT];
  uint32_t clock[MOD_COUNT][MOD_COUNT]; /* vector clock of each module */
  sim_queue queue[Q_COUNT];
  uint32_t *uop_tmp; /* decoded uops of the current GEMM/ALU: 3 words each */
  sim_extent dram_cache;
  uint64_t budget_left;
  struct sim_shadow *shadow; /* DRAM race tracking (sim_dram_races.c), lazily allocated */
  uint32_t run_epoch;        /* increments every run; never 0 */

  VTASimCounters counters;
  int32_t err_code;
  char err[768];
} sim_device;

/* Record an error (printf-style) and return its code. */
int sim_fail(sim_device *dev, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Same, prefixed with "insn N (NAME): ". */
int sim_fail_insn(sim_device *dev, const sim_insn *insn, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Stream index of the `seq`-th (1-based) instruction of module m, for messages. */
uint32_t sim_index_of(const sim_device *dev, int module, uint32_t seq);

/* sim_sram.c */
int sim_sram_alloc(sim_device *dev);
void sim_sram_free(sim_device *dev);
void sim_sram_reset(sim_device *dev);
void sim_race_reset(sim_device *dev);

/* sim_dram_races.c: record a DMA read (by in->module) or STORE write of DRAM bytes and
 * report an access of the other side that no token chain orders with it. */
int sim_shadow_read(sim_device *dev, const sim_insn *in, uint64_t phy, uint64_t len);
int sim_shadow_write(sim_device *dev, const sim_insn *in, uint64_t phy, uint64_t len);
void sim_shadow_free(sim_device *dev);

/* sim_exec_mem.c / sim_exec_compute.c: execute one decoded instruction of the module. */
int sim_exec_load(sim_device *dev, const sim_insn *insn);
int sim_exec_store(sim_device *dev, const sim_insn *insn);
int sim_exec_gemm(sim_device *dev, const sim_insn *insn);
int sim_exec_alu(sim_device *dev, const sim_insn *insn);

#endif /* VTAC_SIM_INTERNAL_H_ */
