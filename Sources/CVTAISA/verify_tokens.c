/*
 * verify_tokens.c — replays the dependency tokens of a stream across the three modules
 * (as the Swift TokenSimulation does) and checks the FINISH rules.
 *
 * Model: each module runs its instructions in program order. An instruction pops one
 * token from every queue its pop bits name (waiting while a queue is empty), executes,
 * then pushes one token to every queue its push bits name (waiting while a queue holds
 * fifo_depth tokens). Every queue has one producer and one consumer, so a module that
 * can proceed stays able to until it does: whether the stream deadlocks, and the
 * happens-before order the tokens carry (vector clocks), are the same for every
 * interleaving. The simulation advances, among the modules that can, the one whose
 * instruction comes first in the stream. Linear in the stream length.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify_internal.h"

/* Component m: how many instructions of module m happen before or at this point. */
typedef struct {
  uint32_t c[VTA_ISA_MODULES];
} vclock;

typedef struct {
  vclock *ring;
  uint32_t cap, head, count;
} vqueue;

static void join(vclock *a, const vclock *b) {
  for (int m = 0; m < VTA_ISA_MODULES; m++)
    if (b->c[m] > a->c[m]) a->c[m] = b->c[m];
}

/* The queues instruction i pops (pops = 1) or pushes (pops = 0): up to 2, -1 for none. */
static void queues_of(const vctx *v, uint32_t i, int pops, int q[2], uint32_t *module) {
  uint32_t opcode, flags;
  v_header(v, i, &opcode, module, &flags);
  for (int k = 0; k < 2; k++) {
    int flag = (pops ? 0 : 2) + k;
    q[k] = (flags >> flag) & 1u ? vta_isa_queue_of((int32_t)*module, flag) : -1;
  }
}

/* Index of the next instruction of `module` at or after `from` (count if none). */
static uint32_t next_of(const vctx *v, uint32_t module, uint32_t from) {
  for (uint32_t i = from; i < v->count; i++) {
    uint32_t opcode, m, flags;
    v_header(v, i, &opcode, &m, &flags);
    if (m == module) return i;
  }
  return v->count;
}

/* Index of the k-th (1-based) instruction of `module`. */
static uint32_t nth_of(const vctx *v, uint32_t module, uint32_t k) {
  uint32_t i = next_of(v, module, 0);
  while (--k && i < v->count) i = next_of(v, module, i + 1);
  return i;
}

static const char *name_of(const vctx *v, uint32_t i, VTAISAInsn *scratch) {
  vta_isa_decode(v->a, v->words + (size_t)i * VTA_ISA_INSN_BYTES, i, scratch);
  return vta_isa_insn_name(scratch);
}

static size_t append(char *buf, size_t n, size_t k, const char *s) {
  size_t l = strlen(s);
  if (k >= n) return k;
  if (k + l >= n) l = n - k - 1;
  memcpy(buf + k, s, l);
  buf[k + l] = 0;
  return k + l;
}

/* Where one simulation ended. */
typedef struct {
  uint32_t pos[VTA_ISA_MODULES];      /* next instruction of each module (count: done) */
  int64_t pushing[VTA_ISA_MODULES];   /* executed but not yet pushed, or -1 */
  uint32_t executed[VTA_ISA_MODULES]; /* instructions started, per module */
  uint32_t queued[VTA_ISA_QUEUES];    /* tokens left in each queue */
  uint32_t last_finish, finishes;     /* index of the last FINISH (count if none), how many */
  vclock finish_clock;
  int finish_reached;
} sim_end;

/* Runs the simulation to its end (completion or a stall), calling `hook` for every
 * instruction started. Returns nonzero if the queues cannot be allocated. */
static int simulate(vctx *v, const uint32_t pushes[VTA_ISA_QUEUES], v_start_hook hook, sim_end *e) {
  const uint32_t fifo = v->fifo_depth;
  /* A queue never holds more than fifo_depth tokens, nor more than are ever pushed. */
  vqueue q[VTA_ISA_QUEUES];
  size_t total = 0;
  for (int k = 0; k < VTA_ISA_QUEUES; k++) {
    q[k].cap = pushes[k] < fifo ? pushes[k] : fifo;
    q[k].head = q[k].count = 0;
    total += q[k].cap;
  }
  vclock *pool = total ? malloc(total * sizeof *pool) : NULL;
  if (total && !pool) return -1;
  for (int k = 0, off = 0; k < VTA_ISA_QUEUES; off += (int)q[k].cap, k++) q[k].ring = pool + off;

  memset(e, 0, sizeof *e);
  e->last_finish = v->count;
  for (uint32_t i = 0; i < v->count; i++) {
    uint32_t opcode, m, flags;
    v_header(v, i, &opcode, &m, &flags);
    if (opcode == VTA_ISA_OP_FINISH) e->last_finish = i, e->finishes++;
  }
  vclock mclock[VTA_ISA_MODULES];
  memset(mclock, 0, sizeof mclock);
  for (uint32_t m = 0; m < VTA_ISA_MODULES; m++) {
    e->pos[m] = next_of(v, m, 0);
    e->pushing[m] = -1;
  }

  for (;;) {
    int best = -1, best_push = 0;
    uint32_t best_index = 0;
    for (int m = 0; m < VTA_ISA_MODULES; m++) {
      int qs[2], ok = 1, is_push;
      uint32_t mod, index;
      if (e->pushing[m] >= 0) {
        index = (uint32_t)e->pushing[m];
        is_push = 1;
        queues_of(v, index, 0, qs, &mod);
        for (int k = 0; k < 2; k++)
          if (qs[k] >= 0 && q[qs[k]].count >= fifo) ok = 0;
      } else if (e->pos[m] < v->count) {
        index = e->pos[m];
        is_push = 0;
        queues_of(v, index, 1, qs, &mod);
        for (int k = 0; k < 2; k++)
          if (qs[k] >= 0 && q[qs[k]].count == 0) ok = 0;
      } else {
        continue;
      }
      if (ok && (best < 0 || index < best_index)) best = m, best_index = index, best_push = is_push;
    }
    if (best < 0) break;
    int qs[2];
    uint32_t mod;
    if (best_push) {
      queues_of(v, best_index, 0, qs, &mod);
      for (int k = 0; k < 2; k++) {
        if (qs[k] < 0) continue;
        vqueue *z = &q[qs[k]];
        z->ring[(z->head + z->count) % z->cap] = mclock[best];
        z->count++;
      }
      e->pushing[best] = -1;
    } else {
      vclock clock = mclock[best];
      queues_of(v, best_index, 1, qs, &mod);
      for (int k = 0; k < 2; k++) {
        if (qs[k] < 0) continue;
        vqueue *z = &q[qs[k]];
        join(&clock, &z->ring[z->head]);
        z->head = (z->head + 1) % z->cap;
        z->count--;
      }
      clock.c[best]++;
      mclock[best] = clock;
      e->executed[best]++;
      if (best_index == e->last_finish) e->finish_clock = clock, e->finish_reached = 1;
      if (hook) hook(v, best_index, clock.c);
      e->pos[best] = next_of(v, (uint32_t)best, best_index + 1);
      queues_of(v, best_index, 0, qs, &mod);
      if (qs[0] >= 0 || qs[1] >= 0) e->pushing[best] = best_index;
    }
  }
  for (int k = 0; k < VTA_ISA_QUEUES; k++) e->queued[k] = q[k].count;
  free(pool);
  return 0;
}

int v_check_tokens(vctx *v, const uint32_t pushes[VTA_ISA_QUEUES], v_start_hook hook) {
  const uint32_t fifo = v->fifo_depth;
  sim_end end;
  if (simulate(v, pushes, NULL, &end)) return -1;
  const uint32_t *pos = end.pos, *executed = end.executed;
  const int64_t *pushing = end.pushing;
  const uint32_t last_finish = end.last_finish;
  uint32_t finishes = end.finishes;
  const vclock finish_clock = end.finish_clock;

  /* ---- deadlock, full FIFOs, leftover tokens */
  VTAISAInsn scratch;
  char msg[512], part[160];
  size_t k = 0;
  msg[0] = 0;
  int stalled = 0, full_module = -1;
  uint32_t first_stall = v->count;
  for (int m = 0; m < VTA_ISA_MODULES; m++) {
    int qs[2];
    uint32_t mod, index;
    int full = pushing[m] >= 0;
    if (full) {
      index = (uint32_t)pushing[m];
      queues_of(v, index, 0, qs, &mod);
    } else if (pos[m] < v->count) {
      index = pos[m];
      queues_of(v, index, 1, qs, &mod);
    } else {
      continue;
    }
    stalled = 1;
    if (index < first_stall) first_stall = index;
    if (full && full_module < 0) full_module = m;
    snprintf(part, sizeof part, "%s module stuck at #%u %s (", vta_isa_module_name(m), index,
             name_of(v, index, &scratch));
    k = append(msg, sizeof msg, k, k ? "; " : "");
    k = append(msg, sizeof msg, k, part);
    int waits = 0;
    for (int j = 0; j < 2; j++) {
      if (qs[j] < 0) continue;
      const uint32_t queued = end.queued[qs[j]];
      if (full ? queued < fifo : queued != 0) continue;
      snprintf(part, sizeof part, "%s%s %s, which is %s", waits++ ? "; " : "",
               full ? "waits to push to" : "waits for a token on", vta_isa_queue_name(qs[j]),
               full ? "full" : "empty");
      k = append(msg, sizeof msg, k, part);
    }
    k = append(msg, sizeof msg, k, ")");
  }
  if (stalled) {
    if (full_module >= 0) {
      uint32_t index = (uint32_t)pushing[full_module];
      v_report(v, index, VTA_VERIFY_RULE_FIFO_DEPTH,
               "cannot push: the queue already holds fifo_depth (%u) tokens and its consumer never "
               "drains it; %s",
               fifo, msg);
    } else {
      v_report(v, first_stall, VTA_VERIFY_RULE_DEADLOCK, "no module can proceed: %s", msg);
    }
  } else {
    static const int producer[VTA_ISA_QUEUES] = {VTA_ISA_MODULE_LOAD, VTA_ISA_MODULE_COMPUTE,
                                                 VTA_ISA_MODULE_COMPUTE, VTA_ISA_MODULE_STORE};
    static const int consumer[VTA_ISA_QUEUES] = {VTA_ISA_MODULE_COMPUTE, VTA_ISA_MODULE_LOAD,
                                                 VTA_ISA_MODULE_STORE, VTA_ISA_MODULE_COMPUTE};
    for (int z = 0; z < VTA_ISA_QUEUES; z++) {
      if (end.queued[z])
        v_report(v, VTA_VERIFY_STREAM_LEVEL, VTA_VERIFY_RULE_LEFTOVER_TOKENS,
                 "%u token(s) left in %s (%s -> %s): pushes without matching pops; the next stream "
                 "would start with them",
                 end.queued[z], vta_isa_queue_name(z), vta_isa_module_name(producer[z]),
                 vta_isa_module_name(consumer[z]));
    }
  }

  /* ---- FINISH */
  if (!finishes) {
    v_report(v, VTA_VERIFY_STREAM_LEVEL, VTA_VERIFY_RULE_FINISH_MISSING,
             "the stream has no FINISH: the host would wait forever");
  }
  for (uint32_t i = 0; i < v->count && finishes; i++) {
    uint32_t opcode, m, flags;
    v_header(v, i, &opcode, &m, &flags);
    if (opcode != VTA_ISA_OP_FINISH) continue;
    finishes--;
    if (i != v->count - 1)
      v_report(v, i, VTA_VERIFY_RULE_FINISH_NOT_LAST,
               "FINISH is followed by %u instruction(s): the host stops waiting at the first "
               "FINISH, so what follows may still be running",
               v->count - 1 - i);
  }
  static const uint32_t others[2] = {VTA_ISA_MODULE_LOAD, VTA_ISA_MODULE_STORE};
  /* Without the last FINISH reached, the deadlock is already reported. */
  for (int n = 0; n < 2 && end.finish_reached; n++) {
    const uint32_t m = others[n];
    /* FINISH's clock says how many of m's instructions happen before it; the ones that
     * ran beyond that are unordered. */
    if (finish_clock.c[m] >= executed[m]) continue;
    const uint32_t first = nth_of(v, m, finish_clock.c[m] + 1);
    v_report(v, first, VTA_VERIFY_RULE_FINISH_UNORDERED,
             "on the %s module may still run when FINISH #%u executes (%u %s instruction(s) "
             "unordered): no token chain leads from it to FINISH; add %s",
             vta_isa_module_name((int32_t)m), last_finish, executed[m] - finish_clock.c[m],
             vta_isa_module_name((int32_t)m),
             m == VTA_ISA_MODULE_LOAD
                 ? "push_next on the last load and pop_prev on a compute instruction before FINISH"
                 : "push_prev on the last store and pop_next on a compute instruction before "
                   "FINISH");
  }

  /* ---- the same simulation again, for the hook (findings so far come first, as in the
   * Swift verifier, where the race analysis runs last). */
  if (hook && simulate(v, pushes, hook, &end)) return -1;
  return 0;
}
