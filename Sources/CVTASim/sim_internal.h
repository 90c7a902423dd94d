/*
 * sim_internal.h — shared declarations of the CVTASim implementation (private).
 */
#ifndef VTAC_SIM_INTERNAL_H_
#define VTAC_SIM_INTERNAL_H_

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "include/vta_sim.h"

/* ---------------------------------------------------------------- ISA (CVTAISA) */

/* The instruction set — configurations, derived layouts, decoding — is CVTAISA's
 * (vta_isa.h), shared with the on-storage runtime's verifier; these are its names here. */
#include "vta_isa.h"

enum {
  OP_LOAD = VTA_ISA_OP_LOAD,
  OP_STORE = VTA_ISA_OP_STORE,
  OP_GEMM = VTA_ISA_OP_GEMM,
  OP_FINISH = VTA_ISA_OP_FINISH,
  OP_ALU = VTA_ISA_OP_ALU
};
enum {
  ALU_MIN = VTA_ISA_ALU_MIN,
  ALU_MAX = VTA_ISA_ALU_MAX,
  ALU_ADD = VTA_ISA_ALU_ADD,
  ALU_SHR = VTA_ISA_ALU_SHR,
  ALU_MUL = VTA_ISA_ALU_MUL
};
enum { INSN_BYTES = VTA_ISA_INSN_BYTES, UOP_BYTES = VTA_ISA_UOP_BYTES };
enum {
  MOD_LOAD = VTA_ISA_MODULE_LOAD,
  MOD_COMPUTE = VTA_ISA_MODULE_COMPUTE,
  MOD_STORE = VTA_ISA_MODULE_STORE,
  MOD_COUNT = VTA_ISA_MODULES
};

/* Everything derived from a configuration (arch.cfg holds it as a VTAISAConfig). */
typedef VTAISAArch sim_arch;

/* sim_config.c */
int sim_arch_init(sim_arch *arch, const VTASimConfig *cfg, char *why, size_t why_len);
void sim_config_to_isa(const VTASimConfig *in, VTAISAConfig *out);
void sim_config_from_isa(const VTAISAConfig *in, VTASimConfig *out);

/* ---------------------------------------------------------------- decoded instructions */

/* A decoded instruction; `index` is its position in the stream. */
typedef VTAISAInsn sim_insn;

/* sim_decode.c: decode (CVTAISA) and check everything that does not depend on run-time
 * state. Returns 0 or an error code with a message in `msg`. */
int sim_decode(const sim_arch *arch, const uint8_t *word, uint32_t index, sim_insn *out,
               char *msg, size_t msg_len);
static inline const char *sim_insn_name(const sim_insn *insn) { return vta_isa_insn_name(insn); }
/* Unpack a 32-bit micro-op. */
static inline void sim_uop_fields(const sim_arch *a, uint32_t word, uint32_t *dst, uint32_t *src,
                                  uint32_t *wgt) {
  vta_isa_uop_fields(a, word, dst, src, wgt);
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

enum {
  Q_L2G = VTA_ISA_QUEUE_L2G,
  Q_G2L = VTA_ISA_QUEUE_G2L,
  Q_G2S = VTA_ISA_QUEUE_G2S,
  Q_S2G = VTA_ISA_QUEUE_S2G,
  Q_COUNT = VTA_ISA_QUEUES
};

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

/* Raise the SRAM high-water counter of memory type `mem_type` (UOP, WGT, INP or ACC;
 * ACC_8BIT and OUT count as ACC) to `end`, one past an element index just addressed. */
static inline void sim_note_top(sim_device *dev, int mem_type, uint64_t end) {
  uint64_t *top;
  switch (mem_type) {
    case VTA_SIM_MEM_UOP: top = &dev->counters.sram_top_uop; break;
    case VTA_SIM_MEM_WGT: top = &dev->counters.sram_top_wgt; break;
    case VTA_SIM_MEM_INP: top = &dev->counters.sram_top_inp; break;
    default: top = &dev->counters.sram_top_acc; break;
  }
  if (end > *top) *top = end;
}

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
