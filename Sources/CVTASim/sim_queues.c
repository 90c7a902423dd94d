/*
 * sim_queues.c — the four dependency-token FIFOs (l2g, g2l, g2s, s2g).
 *
 * A token records the vector clock of the instruction that pushed it. Because each
 * queue has one producer and one consumer and is FIFO, the k-th pop always receives
 * the k-th push whatever the interleaving, so the "ordered before" relation these
 * clocks compute is a property of the stream, not of the simulation schedule.
 */
#include <stdlib.h>

#include "sim_internal.h"

void sim_queue_clear(sim_queue *q) {
  q->head = 0;
  q->count = 0;
}

void sim_queue_free(sim_queue *q) {
  free(q->ring);
  q->ring = NULL;
  q->cap = q->head = q->count = 0;
}

int sim_queue_push(sim_queue *q, const sim_token *t) {
  if (q->count == q->cap) {
    uint32_t cap = q->cap ? q->cap * 2 : 16;
    if (cap < q->cap) return -1;
    sim_token *r = malloc((size_t)cap * sizeof *r);
    if (!r) return -1;
    /* Unroll the ring into the new buffer, oldest first. */
    for (uint32_t i = 0; i < q->count; i++) r[i] = q->ring[(q->head + i) % q->cap];
    free(q->ring);
    q->ring = r;
    q->cap = cap;
    q->head = 0;
  }
  q->ring[(q->head + q->count) % q->cap] = *t;
  q->count++;
  return 0;
}

int sim_queue_pop(sim_queue *q, sim_token *t) {
  if (q->count == 0) return -1;
  *t = q->ring[q->head];
  q->head = (q->head + 1) % q->cap;
  q->count--;
  return 0;
}

const char *sim_queue_name(int q) { return vta_isa_queue_name(q); }
