/*
 * vta_sim.h — extensions of the CVTASim functional simulator (not part of the
 * driver interface; a runtime that must also run on the board uses vta_driver.h only).
 *
 * Constants are plain macros and struct fields plain int32_t/uint64_t so that Swift
 * imports them as ordinary integers.
 */
#ifndef VTAC_VTA_SIM_H_
#define VTAC_VTA_SIM_H_

#include "vta_driver.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- configuration */

/* ISA profiles. STOCK is what the Xilinx HLS bitstream implements; EXTENDED adds
 * ALU MUL and LOAD of ACC_8BIT (upstream functional simulator, Intel OpenCL design). */
#define VTA_SIM_PROFILE_STOCK 0
#define VTA_SIM_PROFILE_EXTENDED 1

/* A hardware configuration: the keys of TVM's vta_config.json (LOG_BLOCK split into
 * its IN and OUT halves) plus the ISA profile. Every width and layout the simulator
 * uses is derived from these numbers. */
typedef struct {
  int32_t LOG_INP_WIDTH;     /* 3: int8 inputs (the only width simulated) */
  int32_t LOG_WGT_WIDTH;     /* 3: int8 weights (the only width simulated) */
  int32_t LOG_ACC_WIDTH;     /* 5: int32 accumulators (the only width simulated) */
  int32_t LOG_BATCH;
  int32_t LOG_BLOCK_IN;
  int32_t LOG_BLOCK_OUT;
  int32_t LOG_UOP_BUFF_SIZE; /* log2 of the SRAM size in bytes */
  int32_t LOG_INP_BUFF_SIZE;
  int32_t LOG_WGT_BUFF_SIZE;
  int32_t LOG_ACC_BUFF_SIZE;
  int32_t profile;           /* VTA_SIM_PROFILE_* */
} VTASimConfig;

/* The pynq / Alkali configuration (BATCH 1, BLOCK 16, 32/32/256/128 KiB) with the
 * stock profile. */
void VTASimDefaultConfig(VTASimConfig *out);

/* 0 if `cfg` is a configuration the simulator (and the upstream bit-field layouts)
 * can represent; otherwise nonzero, with the reason written to `why` (may be NULL). */
int VTASimCheckConfig(const VTASimConfig *cfg, char *why, size_t why_len);

/*
 * Set the configuration used by the next VTADeviceAlloc() calls (NULL restores the
 * default). Returns nonzero, leaving the setting unchanged, if the config is invalid.
 * NOT thread-safe: this is the only process-wide device setting, needed because
 * VTADeviceAlloc() takes no arguments. Code that creates devices from several
 * threads should call VTASimDeviceAllocWithConfig instead.
 */
int VTASimSetNextConfig(const VTASimConfig *cfg);
void VTASimGetNextConfig(VTASimConfig *out);

/* Allocate a device with an explicit configuration (thread-safe). NULL if invalid. */
VTADeviceHandle VTASimDeviceAllocWithConfig(const VTASimConfig *cfg);
void VTASimDeviceGetConfig(VTADeviceHandle dev, VTASimConfig *out);

/* Instruction-layout queries: where a named field sits in a 128-bit instruction
 * (kinds MEM, GEMM, ALU) or in a 32-bit micro-op (kind UOP) for `cfg`. Field names
 * are the upstream ones: opcode, pop_prev, pop_next, push_prev, push_next,
 * memory_type, sram_base, dram_base, y_size, x_size, x_stride, y_pad_0, y_pad_1,
 * x_pad_0, x_pad_1; reset, uop_bgn, uop_end, iter_out, iter_in, dst_factor_out,
 * dst_factor_in, src_factor_out, src_factor_in, wgt_factor_out, wgt_factor_in,
 * alu_opcode, use_imm, imm; dst_idx, src_idx, wgt_idx. Returns 0 if found. */
#define VTA_SIM_LAYOUT_MEM 0
#define VTA_SIM_LAYOUT_GEMM 1
#define VTA_SIM_LAYOUT_ALU 2
#define VTA_SIM_LAYOUT_UOP 3
int VTASimFieldLayout(const VTASimConfig *cfg, int32_t kind, const char *name, uint32_t *offset,
                      uint32_t *width);

/* ---------------------------------------------------------------- options */

/* Contents of SRAM that no instruction has written yet. FILL: every byte holds
 * fill_byte. POISON: reading such an element is reported as an error. */
#define VTA_SIM_SRAM_FILL 0
#define VTA_SIM_SRAM_POISON 1

/* Scheduling of the load / compute / store modules within what the tokens allow.
 * PROGRAM_ORDER: always advance the runnable module whose next instruction comes
 * first in the stream. EAGER: run each module as far as its tokens allow before
 * moving to the next (load, compute, store, repeat); a stream that forgets a
 * dependency then computes on data that is not there yet. */
#define VTA_SIM_SCHED_PROGRAM_ORDER 0
#define VTA_SIM_SCHED_EAGER 1

typedef struct {
  int32_t sram_init;       /* VTA_SIM_SRAM_FILL (default) or VTA_SIM_SRAM_POISON */
  int32_t fill_byte;       /* FILL mode byte value, 0..255 (default 0) */
  int32_t schedule;        /* VTA_SIM_SCHED_* (default PROGRAM_ORDER) */
  int32_t check_races;     /* nonzero (default): accesses by two modules to the same SRAM
                              element or DRAM bytes (4-byte granules), one of them a
                              write, that no token chain orders are errors whatever the
                              schedule; a run that passes has a schedule-independent
                              result */
  int32_t check_hazards;   /* nonzero (default): a GEMM/ALU uop writing the same ACC
                              index as one of the two uop executions before it is an
                              error (the HLS pipeline does not forward) */
  uint32_t queue_capacity; /* tokens a queue holds before a push stalls (default
                              1024, like the hardware FIFOs); 0 = unbounded */
  uint64_t max_uop_iters;  /* per-run budget of GEMM+ALU uop executions; exceeding it
                              fails the run with VTA_SIM_ERR_TIMEOUT (default 2^28);
                              0 = unbounded */
} VTASimOptions;

void VTASimDefaultOptions(VTASimOptions *out);
/* Returns nonzero if an option is out of range. Changing sram_init or fill_byte
 * resets the SRAM contents (VTASimResetSRAM). */
int VTASimSetOptions(VTADeviceHandle dev, const VTASimOptions *opts);
void VTASimGetOptions(VTADeviceHandle dev, VTASimOptions *out);

/* Return every SRAM to its never-written state. SRAM otherwise persists across
 * runs, as on the hardware. */
void VTASimResetSRAM(VTADeviceHandle dev);

/* Copy `count` raw SRAM elements starting at `index` into `dst`. mem_type is a
 * VTA_SIM_MEM_* value (UOP: uint32 words, WGT/INP/OUT: int8 lanes, ACC: int32 lanes).
 * Returns nonzero if the range is outside the buffer. Debugging aid. */
int VTASimReadSRAM(VTADeviceHandle dev, int32_t mem_type, uint32_t index, uint32_t count,
                   void *dst);

/* Memory types (the ISA's memory_type field). */
#define VTA_SIM_MEM_UOP 0
#define VTA_SIM_MEM_WGT 1
#define VTA_SIM_MEM_INP 2
#define VTA_SIM_MEM_ACC 3
#define VTA_SIM_MEM_OUT 4
#define VTA_SIM_MEM_ACC_8BIT 5

/* ---------------------------------------------------------------- counters */

/* What the last VTADeviceRun did (reset at the start of every run; on failure,
 * what happened up to the error). */
typedef struct {
  uint64_t insns;          /* instructions executed */
  uint64_t load_uop, load_wgt, load_inp, load_acc, load_acc_8bit; /* LOAD insns */
  uint64_t store;          /* STORE insns */
  uint64_t mem_noops;      /* LOAD/STORE with x_size 0 (token moves only), included above */
  uint64_t gemm, gemm_reset; /* GEMM insns (gemm_reset: those with reset = 1, included) */
  uint64_t alu_min, alu_max, alu_add, alu_shr, alu_mul; /* ALU insns by opcode */
  uint64_t finish;
  uint64_t gemm_uop_iters;       /* accumulating GEMM uop executions */
  uint64_t gemm_reset_uop_iters; /* resetting GEMM uop executions */
  uint64_t alu_uop_iters;
  uint64_t macs;                 /* gemm_uop_iters x BATCH x BLOCK_IN x BLOCK_OUT */
  uint64_t bytes_insn;           /* instruction fetch */
  uint64_t bytes_uop, bytes_wgt, bytes_inp, bytes_acc, bytes_acc_8bit; /* DRAM read */
  uint64_t bytes_out;            /* DRAM written by STORE */
  uint64_t tokens_l2g, tokens_g2l, tokens_g2s, tokens_s2g; /* tokens pushed */
  /* One past the highest element index addressed in each SRAM: LOAD rows and padding,
   * STORE (under ACC, whose indices OUT shares), GEMM/ALU micro-op slots (UOP) and every
   * operand index their loops reach (the ALU source even with an immediate). */
  uint64_t sram_top_uop, sram_top_wgt, sram_top_inp, sram_top_acc;
} VTASimCounters;

void VTASimGetCounters(VTADeviceHandle dev, VTASimCounters *out);

/* ---------------------------------------------------------------- errors */

/*
 * VTADeviceRun validates the whole stream before executing any of it, then fails at the
 * first broken rule. Beyond what the upstream functional simulator checks, it enforces
 * what makes a stream behave the same there and on the HLS bitstream:
 *  - exactly one FINISH, the last instruction, ordered by tokens after every load and
 *    store; every queue empty at the end; load/store modules never use the dependency
 *    bits that name queues they do not have;
 *  - LOAD WGT/UOP and STORE without padding; LOAD UOP with y_size 1 (the hardware reads
 *    x_size only); STORE of memory type OUT only; uop_bgn <= uop_end <= UOP depth;
 *  - MUL and ACC_8BIT on the extended profile only; on the stock profile, SHR amounts
 *    within -16..15 (the hardware reads 5 signed bits);
 *  - a STORE element's last write must be GEMM (accumulate) or ALU: the hardware stores
 *    from an OUT buffer that LOAD ACC does not write and GEMM reset fills with acc + dot;
 *  - every SRAM index, DRAM range, loop count (work budget) checked.
 */

#define VTA_SIM_OK 0
#define VTA_SIM_ERR_TIMEOUT 1   /* work budget exhausted (upstream: 1 = timeout) */
#define VTA_SIM_ERR_ARG 2       /* bad call: NULL device, empty stream, ... */
#define VTA_SIM_ERR_DECODE 3    /* invalid opcode / memory type / field for the profile */
#define VTA_SIM_ERR_DMA 4       /* DRAM access outside every allocation */
#define VTA_SIM_ERR_SRAM 5      /* SRAM index out of range */
#define VTA_SIM_ERR_DEADLOCK 6  /* no module can proceed */
#define VTA_SIM_ERR_ORDER 7     /* FINISH misplaced/unordered, tokens left at the end */
#define VTA_SIM_ERR_POISON 8    /* read of never-written SRAM (POISON mode) */
#define VTA_SIM_ERR_RACE 9      /* unordered accesses by two modules */
#define VTA_SIM_ERR_HAZARD 10   /* accumulator hazard between close uops */
#define VTA_SIM_ERR_STALE_OUT 11 /* STORE of an element whose last write was not GEMM/ALU */
#define VTA_SIM_ERR_NOMEM 12

/* Human-readable description of the last failure of VTADeviceRun on `dev`, naming
 * the instruction index (0-based, in stream order) and the rule broken; "" if the
 * last run succeeded. Valid until the next call on the device. */
const char *VTASimLastError(VTADeviceHandle dev);
int32_t VTASimLastErrorCode(VTADeviceHandle dev);

/* ---------------------------------------------------------------- memory */

/* Allocate a buffer at a chosen physical address (e.g. an image linked for a fixed
 * base). NULL if phy is 0, the range leaves the 32-bit space or overlaps another
 * allocation. Free it with VTAMemFree. */
void *VTASimMemAllocAt(size_t size, vta_phy_addr_t phy);

/* Host pointer for a physical address inside some allocation (NULL if none). */
void *VTASimPhyToVirt(vta_phy_addr_t phy);

#ifdef __cplusplus
}
#endif
#endif /* VTAC_VTA_SIM_H_ */
