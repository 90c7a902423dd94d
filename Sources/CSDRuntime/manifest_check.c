/*
 * manifest_check.c — the MANIFEST section unpacked with protobuf-c and validated completely,
 * before the runtime allocates or indexes anything:
 *  - the hardware equals the device's (configuration and ISA profile);
 *  - the memory plan: a power-of-two alignment of at least the largest DMA element, region
 *    sizes within the options' limits, CONSTANTS fitting its region;
 *  - the I/O tensors: storage inside its region, the same shape and type as the record
 *    slice, record slices inside the record and tiling it exactly (records are the sums);
 *  - segments: index = position, a non-empty slice of INSTRUCTIONS, slices disjoint;
 *    relocations: see rt_relocations_check (relocate.c);
 *  - kernels (kernel_check.c), steps (indices, copies between same-valued tensors that do
 *    not overlap), fills inside their regions, layers' segment and instruction ranges;
 *  - the CPU work of one inference within the options' limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

csdrt_status rt_check_hardware(const Vtac__Bundle__Hardware *hw, const VTAISAConfig *dev,
                               char *err, size_t err_len) {
  if (!hw) return rt_fail(err, err_len, CSDRT_ERR_MANIFEST, "the manifest has no hardware");
  VTAISAConfig b = {hw->log_inp_width,     hw->log_wgt_width,     hw->log_acc_width,
                    hw->log_batch,         hw->log_block_in,      hw->log_block_out,
                    hw->log_uop_buff_size, hw->log_inp_buff_size, hw->log_wgt_buff_size,
                    hw->log_acc_buff_size, (int32_t)hw->profile};
  if (memcmp(&b, dev, sizeof b) == 0) return CSDRT_OK;
  char a[256], d[256];
  return rt_fail(err, err_len, CSDRT_ERR_HARDWARE,
                 "the bundle was compiled for another VTA: bundle %s; device %s",
                 csdrt_describe_hardware(&b, a, sizeof a), csdrt_describe_hardware(dev, d, sizeof d));
}

static csdrt_status check_plan(const Vtac__Bundle__Manifest *m, const rt_container *c,
                               const csdrt_options *o, const rt_geometry *g, rt_plan *plan,
                               char *err, size_t err_len) {
  const Vtac__Bundle__MemoryPlan *mp = m->memory;
  if (!mp) return rt_fail(err, err_len, CSDRT_ERR_MANIFEST, "the manifest has no memory plan");
  uint32_t largest = 16;
  for (int t = 0; t < RT_MEM_TYPES; t++)
    if (g->elem_bytes[t] > largest) largest = g->elem_bytes[t];
  uint64_t a = mp->alignment;
  if (a < largest || a > (1u << 20) || (a & (a - 1)))
    return rt_fail(err, err_len, CSDRT_ERR_MANIFEST,
                   "memory alignment %llu (a power of two from %u, the largest DMA element, to "
                   "2^20)", (unsigned long long)a, largest);
  plan->alignment = a;
  plan->size[RT_REGION_CONSTANTS] = mp->constants_size;
  plan->size[RT_REGION_ACTIVATIONS] = mp->activations_size;
  plan->size[RT_REGION_SCRATCH] = mp->scratch_size;
  plan->size[RT_REGION_HOST] = mp->host_size;
  plan->size[RT_REGION_UOPS] = c->section[RT_SECTION_UOPS].size;
  plan->size[RT_REGION_INSTRUCTIONS] = c->section[RT_SECTION_INSTRUCTIONS].size;
  if (plan->size[RT_REGION_UOPS] % 4)
    return rt_fail(err, err_len, CSDRT_ERR_CONTAINER, "UOPS is %llu bytes, not whole micro-ops",
                   (unsigned long long)plan->size[RT_REGION_UOPS]);
  if (plan->size[RT_REGION_INSTRUCTIONS] % 16)
    return rt_fail(err, err_len, CSDRT_ERR_CONTAINER,
                   "INSTRUCTIONS is %llu bytes, not whole instructions",
                   (unsigned long long)plan->size[RT_REGION_INSTRUCTIONS]);
  if (c->section[RT_SECTION_CONSTANTS].size > mp->constants_size)
    return rt_fail(err, err_len, CSDRT_ERR_MANIFEST,
                   "CONSTANTS holds %llu bytes but its region is %llu",
                   (unsigned long long)c->section[RT_SECTION_CONSTANTS].size,
                   (unsigned long long)mp->constants_size);
  /* Each region is bounded before the sum so that the sum cannot wrap; one region must
   * also stay below 2 GiB (cache maintenance takes an int size). */
  uint64_t total = 0;
  for (uint32_t r = RT_REGION_CONSTANTS; r <= RT_REGION_INSTRUCTIONS; r++) {
    if (plan->size[r] > 0x7FFFFFFFull || plan->size[r] > o->max_device_bytes)
      return rt_fail(err, err_len, CSDRT_ERR_LIMIT,
                     "region %s of %llu bytes exceeds this device's limit of %llu",
                     rt_region_name(r), (unsigned long long)plan->size[r],
                     (unsigned long long)o->max_device_bytes);
    total += plan->size[r] + a; /* alignment slack */
  }
  if (total > o->max_device_bytes)
    return rt_fail(err, err_len, CSDRT_ERR_LIMIT,
                   "the bundle needs %llu bytes of accelerator memory, more than this device's "
                   "limit of %llu", (unsigned long long)total,
                   (unsigned long long)o->max_device_bytes);
  if (plan->size[RT_REGION_HOST] > o->max_host_bytes || plan->size[RT_REGION_HOST] > 0x7FFFFFFFull)
    return rt_fail(err, err_len, CSDRT_ERR_LIMIT,
                   "the host region of %llu bytes exceeds this device's limit of %llu",
                   (unsigned long long)plan->size[RT_REGION_HOST],
                   (unsigned long long)o->max_host_bytes);
  return CSDRT_OK;
}

typedef struct {
  uint64_t begin, end;
  uint32_t index;
} span;

static int span_cmp(const void *x, const void *y) {
  const span *a = x, *b = y;
  if (a->begin != b->begin) return a->begin < b->begin ? -1 : 1;
  if (a->end != b->end) return a->end < b->end ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

/* The I/O tensors of one direction: storage, record slices, and their tiling. */
static csdrt_status check_io(Vtac__Bundle__IOTensor **ios, size_t n, uint64_t record_size,
                             const char *dir, const rt_geometry *g, const rt_plan *plan,
                             rt_tensor *storage, rt_tensor *record, const csdrt_options *o,
                             char *err, size_t err_len) {
  if (n == 0)
    return rt_fail(err, err_len, CSDRT_ERR_MANIFEST, "the model has no %ss", dir);
  if (record_size == 0 || record_size > o->max_host_bytes || record_size > 0x7FFFFFFFull)
    return rt_fail(err, err_len, CSDRT_ERR_RECORD, "%s record size %llu (1 to %llu)", dir,
                   (unsigned long long)record_size, (unsigned long long)o->max_host_bytes);
  span *spans = calloc(n, sizeof *spans);
  if (!spans) return rt_fail(err, err_len, CSDRT_ERR_NO_MEMORY, "out of memory");
  csdrt_status st = CSDRT_OK;
  uint64_t sum = 0;
  for (size_t i = 0; i < n && !st; i++) {
    const Vtac__Bundle__IOTensor *io = ios[i];
    char what[96], nb[64];
    snprintf(what, sizeof what, "%s %zu '%s' storage", dir, i, rt_safe_name(io->name, nb, sizeof nb));
    if ((st = rt_tensor_resolve(io->storage, g, plan, &storage[i], what, err, err_len))) break;
    if (!strcmp(dir, "input") && (st = rt_tensor_writable(&storage[i], what, err, err_len))) break;
    what[strlen(what) - 8] = 0; /* drop " storage" */
    rt_tensor *r = &record[i];
    memset(r, 0, sizeof *r);
    int32_t s[4];
    if ((st = rt_shape_nhwc(io->shape, io->n_shape, s, err, err_len))) {
      rt_prefix(err, err_len, "%s", what);
      break;
    }
    r->n = s[0], r->h = s[1], r->w = s[2], r->c = s[3];
    r->type = (uint32_t)io->type;
    r->elem_size = rt_type_size(r->type);
    r->count = (uint64_t)s[0] * (uint64_t)s[1] * (uint64_t)s[2] * (uint64_t)s[3];
    r->value_bytes = r->span = r->count * r->elem_size;
    r->offset = io->record_offset;
    if (!rt_tensor_same_value(r, &storage[i])) {
      st = rt_fail(err, err_len, CSDRT_ERR_TENSOR,
                   "%s is %dx%dx%dx%d %s but its storage is %dx%dx%dx%d %s", what, r->n, r->h,
                   r->w, r->c, rt_type_name(r->type), storage[i].n, storage[i].h, storage[i].w,
                   storage[i].c, rt_type_name(storage[i].type));
      break;
    }
    if (io->size != r->value_bytes || io->size > record_size ||
        io->record_offset > record_size - io->size) {
      st = rt_fail(err, err_len, CSDRT_ERR_RECORD,
                   "%s: %llu bytes at record offset %llu, but the tensor has %llu bytes and the "
                   "record %llu", what, (unsigned long long)io->size,
                   (unsigned long long)io->record_offset, (unsigned long long)r->value_bytes,
                   (unsigned long long)record_size);
      break;
    }
    spans[i] = (span){io->record_offset, io->record_offset + io->size, (uint32_t)i};
    sum += io->size; /* each term <= record_size < 2^31 and n < 2^32: no wrap */
  }
  if (!st) {
    qsort(spans, n, sizeof *spans, span_cmp);
    for (size_t i = 1; i < n && !st; i++)
      if (spans[i].begin < spans[i - 1].end)
        st = rt_fail(err, err_len, CSDRT_ERR_RECORD, "%ss %u and %u overlap in the record", dir,
                     spans[i - 1].index, spans[i].index);
    if (!st && sum != record_size)
      st = rt_fail(err, err_len, CSDRT_ERR_RECORD,
                   "the %ss add up to %llu bytes but the %s record size is %llu", dir,
                   (unsigned long long)sum, dir, (unsigned long long)record_size);
  }
  free(spans);
  return st;
}

static csdrt_status check_segments(const Vtac__Bundle__Manifest *m, const rt_plan *plan,
                                   rt_segment *segs, char *err, size_t err_len) {
  uint64_t words = plan->size[RT_REGION_INSTRUCTIONS] / 16;
  if (m->n_segments == 0) return CSDRT_OK;
  span *spans = calloc(m->n_segments, sizeof *spans);
  if (!spans) return rt_fail(err, err_len, CSDRT_ERR_NO_MEMORY, "out of memory");
  csdrt_status st = CSDRT_OK;
  for (size_t i = 0; i < m->n_segments && !st; i++) {
    const Vtac__Bundle__Segment *s = m->segments[i];
    if (s->index != i)
      st = rt_fail(err, err_len, CSDRT_ERR_INDEX, "segment %zu says it is segment %u", i, s->index);
    else if (s->instruction_count == 0)
      st = rt_fail(err, err_len, CSDRT_ERR_SEGMENT, "segment %zu has no instructions", i);
    else if (s->instruction_offset > words || s->instruction_count > words - s->instruction_offset)
      st = rt_fail(err, err_len, CSDRT_ERR_SEGMENT,
                   "segment %zu (instructions %llu to %llu) lies outside INSTRUCTIONS (%llu "
                   "instructions)", i, (unsigned long long)s->instruction_offset,
                   (unsigned long long)(s->instruction_offset + s->instruction_count),
                   (unsigned long long)words);
    segs[i] = (rt_segment){s->instruction_offset, s->instruction_count};
    spans[i] = (span){s->instruction_offset, s->instruction_offset + s->instruction_count,
                      (uint32_t)i};
  }
  /* Disjoint slices: relocation patches the one copy in the instruction region. */
  if (!st) {
    qsort(spans, m->n_segments, sizeof *spans, span_cmp);
    for (size_t i = 1; i < m->n_segments && !st; i++)
      if (spans[i].begin < spans[i - 1].end)
        st = rt_fail(err, err_len, CSDRT_ERR_SEGMENT, "segments %u and %u share instructions",
                     spans[i - 1].index, spans[i].index);
  }
  free(spans);
  return st;
}

static csdrt_status check_steps(const Vtac__Bundle__Manifest *m, const rt_geometry *g,
                                rt_manifest *rm, char *err, size_t err_len) {
  for (size_t i = 0; i < m->n_steps; i++) {
    const Vtac__Bundle__Step *s = m->steps[i];
    rt_step *r = &rm->steps[i];
    r->kind = (uint32_t)s->kind_case;
    switch (s->kind_case) {
    case VTAC__BUNDLE__STEP__KIND_RUN_SEGMENT:
      r->index = s->run_segment->segment;
      if (r->index >= m->n_segments)
        return rt_fail(err, err_len, CSDRT_ERR_INDEX,
                       "step %zu runs segment %u but the bundle has %zu segments", i, r->index,
                       m->n_segments);
      break;
    case VTAC__BUNDLE__STEP__KIND_RUN_KERNEL:
      r->index = s->run_kernel->kernel;
      if (r->index >= m->n_kernels)
        return rt_fail(err, err_len, CSDRT_ERR_INDEX,
                       "step %zu runs kernel %u but the bundle has %zu kernels", i, r->index,
                       m->n_kernels);
      rm->cpu_ops = rt_sat_add(rm->cpu_ops, rm->kernels[r->index].ops);
      break;
    case VTAC__BUNDLE__STEP__KIND_COPY: {
      const Vtac__Bundle__Copy *c = s->copy;
      char what[160], nb[64];
      csdrt_status st;
      r->name = c->name;
      snprintf(what, sizeof what, "step %zu (copy '%s') source", i, rt_safe_name(c->name, nb, sizeof nb));
      if ((st = rt_tensor_resolve(c->from, g, &rm->plan, &r->from, what, err, err_len))) return st;
      snprintf(what, sizeof what, "step %zu (copy '%s') destination", i, nb);
      if ((st = rt_tensor_resolve(c->to, g, &rm->plan, &r->to, what, err, err_len)) ||
          (st = rt_tensor_writable(&r->to, what, err, err_len)))
        return st;
      if (!rt_tensor_same_value(&r->from, &r->to))
        return rt_fail(err, err_len, CSDRT_ERR_TENSOR,
                       "step %zu (copy '%s') between %dx%dx%dx%d %s and %dx%dx%dx%d %s", i, nb,
                       r->from.n, r->from.h, r->from.w, r->from.c, rt_type_name(r->from.type),
                       r->to.n, r->to.h, r->to.w, r->to.c, rt_type_name(r->to.type));
      if (rt_tensor_overlap(&r->from, &r->to))
        return rt_fail(err, err_len, CSDRT_ERR_TENSOR,
                       "step %zu (copy '%s'): source and destination overlap", i, nb);
      rm->cpu_ops = rt_sat_add(rm->cpu_ops, r->from.value_bytes);
      break;
    }
    default:
      return rt_fail(err, err_len, CSDRT_ERR_MANIFEST, "step %zu has no kind", i);
    }
  }
  return CSDRT_OK;
}

static csdrt_status check_fills(const Vtac__Bundle__Manifest *m, const rt_plan *plan, char *err,
                                size_t err_len) {
  for (size_t i = 0; i < m->n_fills; i++) {
    const Vtac__Bundle__Fill *f = m->fills[i];
    uint32_t r = (uint32_t)f->region;
    if (r != RT_REGION_CONSTANTS && r != RT_REGION_ACTIVATIONS && r != RT_REGION_SCRATCH &&
        r != RT_REGION_HOST)
      return rt_fail(err, err_len, CSDRT_ERR_FILL, "fill %zu targets region %d (%s)", i,
                     (int)f->region, rt_region_name(r));
    if (f->value > 255)
      return rt_fail(err, err_len, CSDRT_ERR_FILL, "fill %zu has value %u (a byte is 0 to 255)",
                     i, f->value);
    if (f->size > plan->size[r] || f->offset > plan->size[r] - f->size)
      return rt_fail(err, err_len, CSDRT_ERR_FILL,
                     "fill %zu (%llu bytes at %llu) lies outside region %s (%llu bytes)", i,
                     (unsigned long long)f->size, (unsigned long long)f->offset,
                     rt_region_name(r), (unsigned long long)plan->size[r]);
  }
  return CSDRT_OK;
}

static csdrt_status check_layers(const Vtac__Bundle__Manifest *m, char *err, size_t err_len) {
  for (size_t i = 0; i < m->n_layers; i++) {
    const Vtac__Bundle__Layer *l = m->layers[i];
    if (l->device != VTAC__BUNDLE__DEVICE__DEVICE_VTA) continue;
    if (l->segment >= m->n_segments)
      return rt_fail(err, err_len, CSDRT_ERR_INDEX,
                     "layer %zu is in segment %u but the bundle has %zu segments", i, l->segment,
                     m->n_segments);
    if (l->instruction_begin > l->instruction_end ||
        l->instruction_end > m->segments[l->segment]->instruction_count)
      return rt_fail(err, err_len, CSDRT_ERR_INDEX,
                     "layer %zu spans instructions %u to %u of segment %u, which has %u", i,
                     l->instruction_begin, l->instruction_end, l->segment,
                     m->segments[l->segment]->instruction_count);
  }
  return CSDRT_OK;
}

void rt_manifest_free(rt_manifest *rm) {
  if (rm->m) vtac__bundle__manifest__free_unpacked(rm->m, NULL);
  free(rm->inputs);
  free(rm->outputs);
  free(rm->in_record);
  free(rm->out_record);
  free(rm->steps);
  free(rm->segments);
  free(rm->kernels);
  memset(rm, 0, sizeof *rm);
}

csdrt_status rt_manifest_load(const rt_container *c, const csdrt_options *o, const rt_geometry *g,
                              rt_manifest *rm, char *err, size_t err_len) {
  memset(rm, 0, sizeof *rm);
  const rt_section *ms = &c->section[RT_SECTION_MANIFEST];
  rm->m = vtac__bundle__manifest__unpack(NULL, (size_t)ms->size, ms->data);
  if (!rm->m)
    return rt_fail(err, err_len, CSDRT_ERR_MANIFEST,
                   "the MANIFEST section is not a valid vtac.bundle.Manifest");
  const Vtac__Bundle__Manifest *m = rm->m;
  csdrt_status st;
  if ((st = rt_check_hardware(m->hardware, &o->hardware, err, err_len))) goto fail;
  if ((st = check_plan(m, c, o, g, &rm->plan, err, err_len))) goto fail;

  /* +1: calloc(0) may return NULL. */
  rm->inputs = calloc(m->n_inputs + 1, sizeof *rm->inputs);
  rm->in_record = calloc(m->n_inputs + 1, sizeof *rm->in_record);
  rm->outputs = calloc(m->n_outputs + 1, sizeof *rm->outputs);
  rm->out_record = calloc(m->n_outputs + 1, sizeof *rm->out_record);
  rm->steps = calloc(m->n_steps + 1, sizeof *rm->steps);
  rm->segments = calloc(m->n_segments + 1, sizeof *rm->segments);
  rm->kernels = calloc(m->n_kernels + 1, sizeof *rm->kernels);
  if (!rm->inputs || !rm->in_record || !rm->outputs || !rm->out_record || !rm->steps ||
      !rm->segments || !rm->kernels) {
    st = rt_fail(err, err_len, CSDRT_ERR_NO_MEMORY, "out of memory");
    goto fail;
  }
  if ((st = check_io(m->inputs, m->n_inputs, m->input_record_size, "input", g, &rm->plan,
                     rm->inputs, rm->in_record, o, err, err_len)))
    goto fail;
  if ((st = check_io(m->outputs, m->n_outputs, m->output_record_size, "output", g, &rm->plan,
                     rm->outputs, rm->out_record, o, err, err_len)))
    goto fail;
  if ((st = check_segments(m, &rm->plan, rm->segments, err, err_len))) goto fail;
  if ((st = rt_relocations_check(rm, c, g, err, err_len))) goto fail;
  for (size_t i = 0; i < m->n_kernels; i++) {
    if ((st = rt_kernel_resolve(m->kernels[i], g, &rm->plan, &rm->kernels[i], err, err_len))) {
      char nb[64];
      rt_prefix(err, err_len, "kernel %zu '%s'", i, rt_safe_name(m->kernels[i]->name, nb, sizeof nb));
      goto fail;
    }
  }
  if ((st = check_steps(m, g, rm, err, err_len))) goto fail;
  if ((st = check_fills(m, &rm->plan, err, err_len))) goto fail;
  if ((st = check_layers(m, err, err_len))) goto fail;
  rm->cpu_ops = rt_sat_add(rm->cpu_ops, m->input_record_size + m->output_record_size);
  if (rm->cpu_ops > o->max_cpu_ops) {
    st = rt_fail(err, err_len, CSDRT_ERR_LIMIT,
                 "one inference needs about %llu CPU operations, more than this device's limit "
                 "of %llu", (unsigned long long)rm->cpu_ops, (unsigned long long)o->max_cpu_ops);
    goto fail;
  }
  return CSDRT_OK;
fail:
  rt_manifest_free(rm);
  return st;
}
