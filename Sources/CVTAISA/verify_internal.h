/*
 * verify_internal.h — shared state of the stream verifier (private).
 */
#ifndef VTAC_VERIFY_INTERNAL_H_
#define VTAC_VERIFY_INTERNAL_H_

#include <stdint.h>

#include "include/vta_isa.h"
#include "include/vta_verify.h"

typedef struct {
  const VTAISAArch *a;
  const uint8_t *words;
  uint32_t count;
  const VTAVerifyRegion *regions;
  uint32_t region_count;
  uint32_t fifo_depth;
  VTAVerifyCallback on_finding;
  void *context;
  VTAVerifyFinding *first;
  int have_first;
  int errors;
  /* The micro-op SRAM as the compute module sees it at the current instruction:
   * the word in each slot, and whether the slot is defined. */
  uint32_t *uop_word;
  uint8_t *uop_defined;
  /* Nonzero: checks run for their verdicts only, reporting nothing (the race pass replays
   * the per-instruction checks to know which accesses exist). */
  int quiet;
  /* The race pass (verify_races.c), when it runs. */
  struct vraces *races;
} vctx;

/* Record an error (printf-style message). `index` VTA_VERIFY_STREAM_LEVEL for the stream. */
void v_report(vctx *v, uint32_t index, const char *rule, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* verify.c: replay a LOAD UOP (known to fit the buffer) into the micro-op model. */
void v_replay_uop_load(vctx *v, const VTAISAInsn *x);

/* verify_loops.c: ranges, micro-op definitions and the hazard of one GEMM/ALU. Returns 1
 * when the loops execute something and every index is known and in range (the accesses
 * are then well defined), else 0. */
int v_check_loop(vctx *v, const VTAISAInsn *x);

/* Called for every instruction the token simulation starts, in the order it starts them,
 * with the instruction's vector clock (component m: how many instructions of module m
 * happen before or at it). */
typedef void (*v_start_hook)(vctx *v, uint32_t index, const uint32_t clock[VTA_ISA_MODULES]);

/* verify_tokens.c: the token simulation and the FINISH rules; then, with `hook`, the
 * simulation again calling it. Returns nonzero if it could not allocate its queues. */
int v_check_tokens(vctx *v, const uint32_t pushes[VTA_ISA_QUEUES], v_start_hook hook);

/* verify_races.c: SRAM races between modules and STOREs of loaded accumulators. */
int v_races_begin(vctx *v); /* nonzero if out of memory */
void v_races_step(vctx *v, uint32_t index, const uint32_t clock[VTA_ISA_MODULES]);
void v_races_end(vctx *v);

/* Opcode, module and dependency bits (pop_prev, pop_next, push_prev, push_next as bits
 * 0..3) of instruction i, straight from the word. */
void v_header(const vctx *v, uint32_t i, uint32_t *opcode, uint32_t *module, uint32_t *flags);

#endif /* VTAC_VERIFY_INTERNAL_H_ */
