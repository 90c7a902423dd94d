/*
 * rt_internal.h — what the runtime's files share: the parsed container, the resolved
 * (validated) manifest, the regions, and the bundle itself.
 *
 * Loading goes: bundle_container.c (bytes -> sections) -> manifest_check.c, tensor_check.c,
 * kernel_check.c (manifest -> resolved steps, every index and size proven) -> regions.c
 * (allocate, copy, fill) -> relocate.c -> verify.c; inference is steps.c with copy_layout.c
 * and kernels.c. Nothing after the checks indexes anything the checks did not prove.
 */
#ifndef VTAC_RT_INTERNAL_H_
#define VTAC_RT_INTERNAL_H_

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "csd_kernels.h"
#include "csd_runtime.h"
#include "generated/vtac_bundle.pb-c.h"

/* ---------------------------------------------------------------- errors */

/* Formats a message into err (if given) and returns status. */
csdrt_status rt_fail(char *err, size_t err_len, csdrt_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Prefixes an existing message: "prefix: message". */
void rt_prefix(char *err, size_t err_len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* A manifest string made safe for a one-line message (printable ASCII, at most 48 chars). */
const char *rt_safe_name(const char *s, char *buf, size_t len);

/* Saturating arithmetic for work estimates (a hostile shape must not wrap them to small). */
static inline uint64_t rt_sat_add(uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }
static inline uint64_t rt_sat_mul(uint64_t a, uint64_t b) {
  return (a && b > UINT64_MAX / a) ? UINT64_MAX : a * b;
}

/* ---------------------------------------------------------------- container */

enum { RT_SECTION_MANIFEST = 1, RT_SECTION_BPF_ELF, RT_SECTION_INSTRUCTIONS, RT_SECTION_UOPS,
       RT_SECTION_CONSTANTS, RT_SECTION_KINDS };

typedef struct {
  const uint8_t *data; /* inside the caller's bytes */
  uint64_t size;
  int present;
} rt_section;

typedef struct {
  uint64_t file_size;
  rt_section section[RT_SECTION_KINDS]; /* by kind; [0] unused */
} rt_container;

uint32_t rt_crc32(const uint8_t *data, uint64_t size);

/* exact: the bundle must be all of bytes[0, available); else a prefix of it. */
csdrt_status rt_container_parse(const uint8_t *bytes, size_t available, int exact,
                                rt_container *out, char *err, size_t err_len);

/* ---------------------------------------------------------------- hardware */

/* VTA memory types (ISA numbering) and regions (manifest numbering). */
enum { RT_MEM_UOP = 0, RT_MEM_WGT, RT_MEM_INP, RT_MEM_ACC, RT_MEM_OUT, RT_MEM_ACC_8BIT,
       RT_MEM_TYPES };
enum { RT_REGION_NONE = 0, RT_REGION_CONSTANTS, RT_REGION_ACTIVATIONS, RT_REGION_SCRATCH,
       RT_REGION_UOPS, RT_REGION_INSTRUCTIONS, RT_REGION_HOST, RT_REGIONS };

typedef struct {
  VTAISAConfig cfg;
  VTAISAArch arch; /* CVTAISA's derivation: element sizes and field layouts */
  uint32_t batch, block_in, block_out;
  uint32_t elem_bytes[RT_MEM_TYPES]; /* DRAM bytes of one element of each memory type */
  /* The instruction fields the runtime reads or patches (bit offset, width). */
  uint32_t opcode_off, opcode_width;
  uint32_t mem_type_off, mem_type_width;
  uint32_t dram_off, dram_width;
} rt_geometry;

csdrt_status rt_geometry_init(const VTAISAConfig *cfg, rt_geometry *g, char *err, size_t err_len);
const char *rt_region_name(uint32_t region);
const char *rt_mem_type_name(uint32_t type);
/* Memory types the stream verifier lets segments use in each region (bit 1 << type). */
uint32_t rt_region_mem_types(uint32_t region);

uint64_t rt_field_get(const uint8_t *insn, uint32_t off, uint32_t width);
void rt_field_set(uint8_t *insn, uint32_t off, uint32_t width, uint64_t value);

/* ---------------------------------------------------------------- tensors */

/* A TensorRef proven to lie inside its region, with its shape read as NHWC. */
typedef struct {
  uint32_t region;
  uint64_t offset;
  int32_t n, h, w, c;
  uint32_t type;      /* DataType */
  uint32_t elem_size; /* bytes */
  int packed;         /* LAYOUT_VTA_PACKED */
  uint32_t halo_top, halo_bottom, halo_left, halo_right;
  uint64_t count;     /* n*h*w*c */
  uint64_t value_bytes; /* count * elem_size: the NHWC size */
  uint64_t span;      /* bytes the tensor occupies in its region */
} rt_tensor;

/* Region sizes a manifest plans (index by region). */
typedef struct {
  uint64_t size[RT_REGIONS];
  uint64_t alignment;
} rt_plan;

/* Validates a TensorRef against the plan. `what` names it in messages. */
csdrt_status rt_tensor_resolve(const Vtac__Bundle__TensorRef *ref, const rt_geometry *g,
                               const rt_plan *plan, rt_tensor *out, const char *what,
                               char *err, size_t err_len);
/* Reads an IOTensor's record description as an NHWC tensor (region NONE). */
csdrt_status rt_shape_nhwc(const int32_t *dims, size_t rank, int32_t nhwc[4], char *err,
                           size_t err_len);
uint32_t rt_type_size(uint32_t type); /* 0 for unknown types */
const char *rt_type_name(uint32_t type);
/* CONSTANTS is read-only after loading: inference writes only the other regions. */
csdrt_status rt_tensor_writable(const rt_tensor *t, const char *what, char *err, size_t err_len);
/* Same NHWC shape and element type. */
int rt_tensor_same_value(const rt_tensor *a, const rt_tensor *b);
/* The byte ranges two tensors occupy in the same region intersect. */
int rt_tensor_overlap(const rt_tensor *a, const rt_tensor *b);

/* ---------------------------------------------------------------- kernels */

typedef struct {
  uint32_t kind; /* Vtac__Bundle__CpuKernel__ParamsCase */
  const Vtac__Bundle__CpuKernel *k;
  rt_tensor in[2];
  uint32_t n_in;
  rt_tensor out;
  rt_tensor filter, bias; /* conv / fully connected */
  int has_bias;
  csd_shape4 in_shape[2], out_shape, filter_shape;
  int32_t fc_batches, fc_depth, fc_out; /* fully connected */
  uint64_t ops;                         /* work estimate */
} rt_kernel;

csdrt_status rt_kernel_resolve(const Vtac__Bundle__CpuKernel *k, const rt_geometry *g,
                               const rt_plan *plan, rt_kernel *out, char *err, size_t err_len);

/* ---------------------------------------------------------------- steps */

typedef struct {
  uint32_t kind; /* Vtac__Bundle__Step__KindCase */
  uint32_t index; /* segment or kernel */
  rt_tensor from, to; /* copy */
  const char *name;
} rt_step;

typedef struct {
  uint64_t word_offset; /* in INSTRUCTIONS, 16-byte words */
  uint32_t count;
} rt_segment;

/* The manifest after validation: everything the runtime indexes, proven in range. */
typedef struct {
  Vtac__Bundle__Manifest *m; /* owned (protobuf-c) */
  rt_plan plan;
  rt_tensor *inputs, *outputs;    /* storage of each IOTensor */
  rt_tensor *in_record, *out_record; /* each IOTensor's place in a record (region NONE) */
  rt_step *steps;
  rt_segment *segments;
  rt_kernel *kernels;
  uint64_t cpu_ops; /* per inference estimate */
} rt_manifest;

csdrt_status rt_manifest_load(const rt_container *c, const csdrt_options *o, const rt_geometry *g,
                              rt_manifest *out, char *err, size_t err_len);
void rt_manifest_free(rt_manifest *m);
/* Compares the bundle's hardware with the device's. */
csdrt_status rt_check_hardware(const Vtac__Bundle__Hardware *hw, const VTAISAConfig *device,
                               char *err, size_t err_len);
/* Checks every relocation of every segment against the pre-relocation instruction bytes. */
csdrt_status rt_relocations_check(const rt_manifest *rm, const rt_container *c,
                                  const rt_geometry *g, char *err, size_t err_len);

/* ---------------------------------------------------------------- regions */

typedef struct {
  uint8_t *host;  /* virtual base, aligned to the plan's alignment */
  void *alloc;    /* what VTAMemFree / free takes */
  uint32_t phys;  /* physical base (accelerator regions) */
  uint64_t size;
  int device;     /* allocated with VTAMemAlloc */
} rt_region;

csdrt_status rt_regions_alloc(rt_region regions[RT_REGIONS], const rt_manifest *rm,
                              const rt_container *c, const csdrt_options *o, char *err,
                              size_t err_len);
void rt_regions_free(rt_region regions[RT_REGIONS]);
/* Cache maintenance for a byte range of a region (no-ops for the host region). */
void rt_region_flush(const rt_region *r, uint64_t offset, uint64_t size);
void rt_region_invalidate(const rt_region *r, uint64_t offset, uint64_t size);

/* ---------------------------------------------------------------- segments */

csdrt_status rt_relocate(const rt_manifest *rm, rt_region regions[RT_REGIONS],
                         const rt_geometry *g, char *err, size_t err_len);
csdrt_status rt_verify_segments(const rt_manifest *rm, const rt_region regions[RT_REGIONS],
                                const rt_geometry *g, const csdrt_options *o, char *err,
                                size_t err_len);

/* ---------------------------------------------------------------- copies */

/* Copies the value of `from` (bytes at src) into `to` (bytes at dst), converting layouts.
 * Both describe the same NHWC shape and element type (checked at load). */
void rt_copy_tensor(const rt_tensor *from, const uint8_t *src, const rt_tensor *to, uint8_t *dst,
                    const rt_geometry *g);
/* Byte offset of element (n, h, w, c) of a tensor, relative to its offset. */
uint64_t rt_tensor_elem_offset(const rt_tensor *t, const rt_geometry *g, int32_t n, int32_t h,
                               int32_t w, int32_t c);

csdrt_status rt_kernel_run(const rt_kernel *k, rt_region regions[RT_REGIONS], char *err,
                           size_t err_len);

/* ---------------------------------------------------------------- the bundle */

struct csdrt_bundle {
  csdrt_options opts;
  void *device;
  int own_device;
  rt_geometry geo;
  rt_manifest man;
  rt_region regions[RT_REGIONS];
  uint64_t file_size;
  char err[512];
};

csdrt_status rt_run_steps(csdrt_bundle *b, char *err, size_t err_len);

#endif /* VTAC_RT_INTERNAL_H_ */
