/*
 * sim_run.c — VTADeviceRun: fetch, route instructions to the load / compute / store
 * modules, and interleave the modules as the dependency tokens allow.
 *
 * The simulation is sequential but faithful to what the concurrency permits: a module
 * runs its next instruction once the tokens it pops are there, and after executing it
 * waits until the queues it pushes have room (as the hardware does: pops before an
 * instruction executes, blocking pushes after it completes). When no module can run
 * before everything has run, the stream would hang the hardware: that is reported as a
 * deadlock instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

/* Which queue each dependency bit of each module refers to (-1: must be 0, checked
 * by decode). */
static const int k_pop_prev_q[MOD_COUNT] = {-1, Q_L2G, Q_G2S};
static const int k_pop_next_q[MOD_COUNT] = {Q_G2L, Q_S2G, -1};
static const int k_push_prev_q[MOD_COUNT] = {-1, Q_G2L, Q_S2G};
static const int k_push_next_q[MOD_COUNT] = {Q_L2G, Q_G2S, -1};
static const char *const k_module_names[MOD_COUNT] = {"load", "compute", "store"};

typedef struct {
  sim_insn next[MOD_COUNT]; /* decoded next instruction of each module */
  int pushing[MOD_COUNT];   /* next[m] has executed and waits for room to push */
} run_state;

static int done(const sim_device *d, int m) { return d->mod[m].next >= d->mod[m].count; }

static int decode_next(sim_device *d, run_state *rs, int m) {
  if (done(d, m)) return 0;
  uint32_t i = d->mod[m].list[d->mod[m].next];
  /* The pre-pass checked every instruction of this snapshot: only the fields are needed
   * again (re-extracting them costs less than storing the decoded stream). */
  vta_isa_decode(&d->arch, d->stream + (size_t)i * INSN_BYTES, i, &rs->next[m]);
  return 0;
}

static int queue_full(const sim_device *d, int q) {
  return d->opts.queue_capacity && d->queue[q].count >= d->opts.queue_capacity;
}

/* Whether the pushes of x would block now. */
static int push_blocked(const sim_device *d, const sim_insn *x, int m) {
  return (x->push_prev && queue_full(d, k_push_prev_q[m])) ||
         (x->push_next && queue_full(d, k_push_next_q[m]));
}

static int can_run(const sim_device *d, const run_state *rs, int m) {
  if (done(d, m)) return 0;
  const sim_insn *x = &rs->next[m];
  if (rs->pushing[m]) return !push_blocked(d, x, m);
  if (x->pop_prev && d->queue[k_pop_prev_q[m]].count == 0) return 0;
  if (x->pop_next && d->queue[k_pop_next_q[m]].count == 0) return 0;
  return 1;
}

static void pop_into(sim_device *d, int m, int q) {
  sim_token t;
  if (sim_queue_pop(&d->queue[q], &t)) return; /* can_run guaranteed a token */
  for (int k = 0; k < MOD_COUNT; k++)
    if (t.clock[k] > d->clock[m][k]) d->clock[m][k] = t.clock[k];
}

static int push_from(sim_device *d, int m, int q, const sim_insn *x) {
  sim_token t;
  memcpy(t.clock, d->clock[m], sizeof t.clock);
  t.from_index = x->index;
  if (sim_queue_push(&d->queue[q], &t))
    return sim_fail_insn(d, x, VTA_SIM_ERR_NOMEM, "out of memory for queue %s",
                         sim_queue_name(q));
  uint64_t *counter[Q_COUNT] = {&d->counters.tokens_l2g, &d->counters.tokens_g2l,
                                &d->counters.tokens_g2s, &d->counters.tokens_s2g};
  (*counter[q])++;
  return 0;
}

/* FINISH raises "done": every load and store must be ordered before it by tokens, or
 * the host could see done while they are still in flight. */
static int exec_finish(sim_device *d, const sim_insn *x) {
  d->counters.finish++;
  static const int others[2] = {MOD_LOAD, MOD_STORE};
  for (int k = 0; k < 2; k++) {
    int m = others[k];
    uint32_t known = d->clock[MOD_COMPUTE][m];
    if (known < d->mod[m].count)
      return sim_fail_insn(d, x, VTA_SIM_ERR_ORDER,
                           "FINISH is not ordered after %s insn %u (no token chain leads from "
                           "it to FINISH), so the device could report done before it completes",
                           m == MOD_LOAD ? "load" : "store", d->mod[m].list[known]);
  }
  return 0;
}

/* Push the tokens of the module's executed instruction and move on to its next one. */
static int push_and_advance(sim_device *d, run_state *rs, int m) {
  sim_insn *x = &rs->next[m];
  int rc;
  if (x->push_prev && (rc = push_from(d, m, k_push_prev_q[m], x))) return rc;
  if (x->push_next && (rc = push_from(d, m, k_push_next_q[m], x))) return rc;
  rs->pushing[m] = 0;
  d->mod[m].next++;
  return decode_next(d, rs, m);
}

static int step(sim_device *d, run_state *rs, int m) {
  sim_insn *x = &rs->next[m];
  if (rs->pushing[m]) return push_and_advance(d, rs, m); /* room appeared */
  if (x->pop_prev) pop_into(d, m, k_pop_prev_q[m]);
  if (x->pop_next) pop_into(d, m, k_pop_next_q[m]);
  d->clock[m][m]++; /* this instruction's sequence number within its module */
  int rc;
  switch (x->opcode) {
    case OP_LOAD: rc = sim_exec_load(d, x); break;
    case OP_STORE: rc = sim_exec_store(d, x); break;
    case OP_GEMM: rc = sim_exec_gemm(d, x); break;
    case OP_ALU: rc = sim_exec_alu(d, x); break;
    default: rc = exec_finish(d, x); break;
  }
  if (rc) return rc;
  d->counters.insns++;
  /* A push into a full queue blocks the module after the instruction completed. */
  if (push_blocked(d, x, m)) {
    rs->pushing[m] = 1;
    return 0;
  }
  return push_and_advance(d, rs, m);
}

static size_t append(char *buf, size_t n, size_t k, const char *s) {
  size_t l = strlen(s);
  if (k + l >= n) l = k < n ? n - k - 1 : 0;
  memcpy(buf + k, s, l);
  buf[k + l] = 0;
  return k + l;
}

static int deadlock(sim_device *d, const run_state *rs) {
  char msg[sizeof d->err], part[256];
  size_t k = append(msg, sizeof msg, 0, "deadlock, no module can proceed:");
  for (int m = 0; m < MOD_COUNT; m++) {
    if (done(d, m)) {
      snprintf(part, sizeof part, " %s module finished;", k_module_names[m]);
    } else {
      const sim_insn *x = &rs->next[m];
      int q = -1, full = rs->pushing[m];
      if (full) {
        q = x->push_prev && queue_full(d, k_push_prev_q[m]) ? k_push_prev_q[m] : k_push_next_q[m];
      } else if (x->pop_prev && d->queue[k_pop_prev_q[m]].count == 0) {
        q = k_pop_prev_q[m];
      } else if (x->pop_next && d->queue[k_pop_next_q[m]].count == 0) {
        q = k_pop_next_q[m];
      }
      snprintf(part, sizeof part, " %s module waits at insn %u (%s) %s queue %s;",
               k_module_names[m], x->index, sim_insn_name(x),
               full ? "for room in the full" : "for a token on the empty", sim_queue_name(q));
    }
    k = append(msg, sizeof msg, k, part);
  }
  return sim_fail(d, VTA_SIM_ERR_DEADLOCK, "%s", msg);
}

/* Pick the next module to advance, or -1 if none can. */
static int pick(sim_device *d, const run_state *rs, int *eager_cur) {
  if (d->opts.schedule == VTA_SIM_SCHED_EAGER) {
    /* Stay on one module while it can run, then move on: load, compute, store, ... */
    for (int k = 0; k < MOD_COUNT; k++) {
      int m = (*eager_cur + k) % MOD_COUNT;
      if (can_run(d, rs, m)) return *eager_cur = m;
    }
    return -1;
  }
  int best = -1;
  for (int m = 0; m < MOD_COUNT; m++)
    if (can_run(d, rs, m) && (best < 0 || rs->next[m].index < rs->next[best].index)) best = m;
  return best;
}

/* Fetch the stream, validate it entirely, and split it among the modules. */
static int prepare_stream(sim_device *d, vta_phy_addr_t phy, uint32_t count) {
  if (count == 0)
    return sim_fail(d, VTA_SIM_ERR_ARG,
                    "empty instruction stream: without FINISH the device never reports done");
  uint64_t bytes = (uint64_t)count * INSN_BYTES;
  const uint8_t *src = sim_dram_translate(phy, bytes, NULL);
  if (!src)
    return sim_fail(d, VTA_SIM_ERR_DMA,
                    "instruction fetch: %u instructions at 0x%x (bytes 0x%x..0x%llx) are not "
                    "inside one allocation",
                    count, phy, phy, (unsigned long long)(phy + bytes - 1));
  if (d->stream_cap < bytes) {
    uint8_t *s = realloc(d->stream, (size_t)bytes);
    if (!s) return sim_fail(d, VTA_SIM_ERR_NOMEM, "out of memory for %u instructions", count);
    d->stream = s;
    d->stream_cap = (size_t)bytes;
    for (int m = 0; m < MOD_COUNT; m++) {
      uint32_t *l = realloc(d->mod[m].list, (size_t)count * sizeof *l);
      if (!l) return sim_fail(d, VTA_SIM_ERR_NOMEM, "out of memory for %u instructions", count);
      d->mod[m].list = l;
    }
  }
  /* Snapshot, as the fetch module would: later STOREs into the stream's memory do
   * not change what runs. */
  memcpy(d->stream, src, (size_t)bytes);
  d->counters.bytes_insn = bytes;
  for (int m = 0; m < MOD_COUNT; m++) d->mod[m].count = d->mod[m].next = 0;

  sim_insn x;
  for (uint32_t i = 0; i < count; i++) {
    int rc = sim_decode(&d->arch, d->stream + (size_t)i * INSN_BYTES, i, &x, d->err, sizeof d->err);
    if (rc) return d->err_code = rc;
    if (x.opcode == OP_FINISH && i != count - 1)
      return sim_fail_insn(d, &x, VTA_SIM_ERR_ORDER,
                           "FINISH must be the last instruction of the stream (%u instructions)",
                           count);
    sim_module *m = &d->mod[x.module];
    m->list[m->count++] = i;
  }
  if (x.opcode != OP_FINISH)
    return sim_fail(d, VTA_SIM_ERR_ORDER,
                    "the stream does not end with FINISH (last is insn %u, %s): the device "
                    "would never report done",
                    count - 1, sim_insn_name(&x));
  return 0;
}

int VTADeviceRun(VTADeviceHandle h, vta_phy_addr_t insn_phy_addr, uint32_t insn_count,
                 uint32_t wait_cycles) {
  sim_device *d = h;
  (void)wait_cycles; /* there is no clock; VTASimOptions.max_uop_iters bounds the work */
  if (!d) return VTA_SIM_ERR_ARG;
  memset(&d->counters, 0, sizeof d->counters);
  d->err[0] = 0;
  d->err_code = VTA_SIM_OK;
  d->dram_cache.host = NULL; /* allocations may have changed since the last run */
  d->budget_left = d->opts.max_uop_iters;
  if (++d->run_epoch == 0) d->run_epoch = 1; /* fresh DRAM race shadow */

  int rc = prepare_stream(d, insn_phy_addr, insn_count);
  if (rc) return rc;
  for (int q = 0; q < Q_COUNT; q++) sim_queue_clear(&d->queue[q]);
  memset(d->clock, 0, sizeof d->clock);
  if (d->opts.check_races) sim_race_reset(d);

  run_state rs;
  memset(&rs, 0, sizeof rs);
  for (int m = 0; m < MOD_COUNT; m++)
    if ((rc = decode_next(d, &rs, m))) return rc;
  int eager_cur = MOD_LOAD;
  for (;;) {
    int m = pick(d, &rs, &eager_cur);
    if (m < 0) break;
    if ((rc = step(d, &rs, m))) return rc;
  }
  for (int m = 0; m < MOD_COUNT; m++)
    if (!done(d, m)) return deadlock(d, &rs);
  for (int q = 0; q < Q_COUNT; q++) {
    if (d->queue[q].count)
      return sim_fail(d, VTA_SIM_ERR_ORDER,
                      "queue %s still holds %u token(s) after the stream ends (the first pushed "
                      "by insn %u): every push needs a matching pop",
                      sim_queue_name(q), d->queue[q].count,
                      d->queue[q].ring[d->queue[q].head].from_index);
  }
  return 0;
}
