/*
 * vta_verify.h — proves, before a device run, that a VTA instruction stream is safe.
 *
 * The C counterpart of vtac's Swift StreamVerifier (Sources/VTATarget/StreamVerifier.swift),
 * for the on-storage runtime: same rules, same rule identifiers. It checks
 *   decode.invalid          opcode, memory type, ALU opcode valid; no bits outside the fields
 *   isa.profile             ALU MUL / LOAD ACC_8BIT only on the extended profile
 *   isa.memory-type         no LOAD of OUT; a STORE (x_size > 0) stores OUT
 *   deps.no-queue           no pop/push bit naming a queue the module does not have
 *   load.padding            LOAD padding only for INP / ACC / ACC_8BIT
 *   store.padding           no STORE padding
 *   load.uop-rows           a LOAD UOP (x_size > 0) has y_size 1 (the HLS design copies
 *                           x_size micro-ops and ignores y_size; the simulator walks rows)
 *   sram.out-of-range       LOAD (with padding), STORE, and GEMM/ALU operand index ranges
 *                           (from the loops and the micro-ops) inside their buffers
 *   uop.out-of-range        uop_bgn <= uop_end <= micro-op depth
 *   uop.undefined           GEMM/ALU executes a micro-op slot no LOAD UOP of this stream filled
 *   uop.outside-image       LOAD UOP reads micro-ops outside every region with a host view
 *   dram.address-overflow   a transfer past the 32-bit physical address space
 *   dram.outside-region     a LOAD/STORE row outside every region allowing its memory type
 *   hazard.accumulator      a micro-op execution writes the ACC index one of the two executions
 *                           before it wrote (one GEMM without reset, or one ALU; loop order)
 *   alu.shift-range         SHR immediate outside the portable -16..15
 *   tokens.deadlock         the three modules reach a state where none can proceed
 *   tokens.fifo-depth       a module blocks forever pushing into a full FIFO
 *   tokens.leftover         tokens left in a queue at the end (stream-level)
 *   finish.missing          no FINISH (stream-level)
 *   finish.pops             FINISH with pop bits
 *   finish.not-last         an instruction follows a FINISH
 *   finish.unordered        a LOAD/STORE not ordered before the last FINISH by tokens and
 *                           program order
 *   race.sram               two modules touch an SRAM element (one writing) with no token
 *                           chain between them (INP/WGT: load vs GEMM; ACC: compute vs STORE)
 *   store.not-computed      a STORE reads accumulators last written by LOAD ACC (hardware
 *                           stores from the output buffer, which only GEMM and ALU write)
 * and, for bad calls, verify.arguments / verify.config / verify.out-of-memory.
 *
 * Instruction fields cannot overflow in the binary form (every value is its field's
 * bits); the Swift rule encoding.field-overflow therefore never fires here. Warnings of
 * the Swift verifier (loop.empty, hazard.alu-source, alu.reset, store.unwritten) are not
 * reported.
 *
 * Work is bounded independently of loop counts: GEMM/ALU index ranges and the hazard are
 * closed forms over the micro-ops (linear in uop_end - uop_bgn), DRAM rows are checked
 * per region in closed form (quadratic in the region count, not linear in y_size), the
 * token simulation is linear in the stream, and the race analysis is linear in the SRAM
 * elements each instruction touches (GEMM/ALU index sets are built as bitmaps, in word
 * operations bounded by depth/64 times the smaller loop or micro-op count), never in the
 * number of micro-op executions. Memory, from malloc and freed before returning: the
 * micro-op SRAM model (5 bytes per UOP slot), the token queues (at most 12 bytes per
 * pushed token), and the race tables (17 bytes per INP, WGT and ACC element).
 * Thread-safe: no global state.
 */
#ifndef VTAC_VTA_VERIFY_H_
#define VTAC_VTA_VERIFY_H_

#include <stddef.h>
#include <stdint.h>

#include "vta_isa.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  const char *name;      /* for messages, e.g. "constants" (may be NULL) */
  uint32_t phys_base;    /* physical byte address of the region */
  uint64_t size;         /* bytes */
  uint32_t memory_types; /* bit mask: 1u << memory type (UOP 0, WGT 1, INP 2, ACC 3, OUT 4,
                            ACC_8BIT 5); STORE uses OUT */
  const void *host;      /* host view of the region's `size` bytes (the verifier reads
                            micro-ops through it), may be NULL */
} VTAVerifyRegion;

/* `instruction` of findings about the stream as a whole (finish.missing, tokens.leftover,
 * bad arguments). They sort after every per-instruction finding. */
#define VTA_VERIFY_STREAM_LEVEL UINT32_MAX

typedef struct {
  uint32_t instruction; /* index in the stream, or VTA_VERIFY_STREAM_LEVEL */
  char rule[48];        /* the rule identifier, as the Swift verifier names it */
  char message[256];    /* one line for people */
} VTAVerifyFinding;

/* The board's FIFO depth; also what fifo_depth 0 means. */
#define VTA_VERIFY_DEFAULT_FIFO_DEPTH 1024

/*
 * Returns 0 when the stream is safe; otherwise the number of errors found (>0), with the
 * first one (lowest instruction index; stream-level findings last; ties in the order the
 * Swift verifier reports them) in *first (if not NULL). fifo_depth: hardware FIFO
 * capacity (1024 on the board; 0 means 1024). Regions: the DRAM each LOAD/STORE row may
 * touch; micro-ops are known by replaying every LOAD UOP against the regions' host views.
 * As in the Swift verifier, a stream with an undecodable word reports only decode.invalid.
 */
int vta_verify_stream(const VTAISAConfig *cfg, const uint8_t *instructions, uint32_t count,
                      const VTAVerifyRegion *regions, uint32_t region_count, uint32_t fifo_depth,
                      VTAVerifyFinding *first);

/* Called once per error, in the order the verifier finds them (not sorted). */
typedef void (*VTAVerifyCallback)(void *context, const VTAVerifyFinding *finding);

typedef struct {
  uint32_t fifo_depth;          /* 0: VTA_VERIFY_DEFAULT_FIFO_DEPTH */
  VTAVerifyCallback on_finding; /* may be NULL */
  void *context;                /* passed to on_finding */
  int32_t skip_races;           /* nonzero: no race.sram / store.not-computed analysis */
} VTAVerifyOptions;

/* vta_verify_stream with every finding reported through options->on_finding. */
int vta_verify_stream_ex(const VTAISAConfig *cfg, const uint8_t *instructions, uint32_t count,
                         const VTAVerifyRegion *regions, uint32_t region_count,
                         const VTAVerifyOptions *options, VTAVerifyFinding *first);

/* Rule identifiers (the strings in VTAVerifyFinding.rule). */
#define VTA_VERIFY_RULE_DECODE "decode.invalid"
#define VTA_VERIFY_RULE_PROFILE "isa.profile"
#define VTA_VERIFY_RULE_MEMORY_TYPE "isa.memory-type"
#define VTA_VERIFY_RULE_DEPENDENCY_QUEUE "deps.no-queue"
#define VTA_VERIFY_RULE_LOAD_PADDING "load.padding"
#define VTA_VERIFY_RULE_STORE_PADDING "store.padding"
#define VTA_VERIFY_RULE_UOP_ROWS "load.uop-rows"
#define VTA_VERIFY_RULE_SRAM_RANGE "sram.out-of-range"
#define VTA_VERIFY_RULE_UOP_RANGE "uop.out-of-range"
#define VTA_VERIFY_RULE_UOP_UNDEFINED "uop.undefined"
#define VTA_VERIFY_RULE_UOP_IMAGE "uop.outside-image"
#define VTA_VERIFY_RULE_DRAM_OVERFLOW "dram.address-overflow"
#define VTA_VERIFY_RULE_DRAM_REGION "dram.outside-region"
#define VTA_VERIFY_RULE_ACC_HAZARD "hazard.accumulator"
#define VTA_VERIFY_RULE_SHIFT_RANGE "alu.shift-range"
#define VTA_VERIFY_RULE_DEADLOCK "tokens.deadlock"
#define VTA_VERIFY_RULE_FIFO_DEPTH "tokens.fifo-depth"
#define VTA_VERIFY_RULE_LEFTOVER_TOKENS "tokens.leftover"
#define VTA_VERIFY_RULE_FINISH_MISSING "finish.missing"
#define VTA_VERIFY_RULE_FINISH_POPS "finish.pops"
#define VTA_VERIFY_RULE_FINISH_NOT_LAST "finish.not-last"
#define VTA_VERIFY_RULE_FINISH_UNORDERED "finish.unordered"
#define VTA_VERIFY_RULE_RACE "race.sram"
#define VTA_VERIFY_RULE_STORE_NOT_COMPUTED "store.not-computed"
#define VTA_VERIFY_RULE_ARGUMENTS "verify.arguments"
#define VTA_VERIFY_RULE_CONFIG "verify.config"
#define VTA_VERIFY_RULE_OUT_OF_MEMORY "verify.out-of-memory"

#ifdef __cplusplus
}
#endif
#endif /* VTAC_VTA_VERIFY_H_ */
