/*
 * csd_runtime.h — the on-storage runtime of vtac bundles (.csd).
 *
 * Loads a bundle without trusting a byte of it (container, manifest, every index, size and
 * instruction stream), places it in accelerator memory, relocates and verifies its VTA
 * segments, and runs inferences: input record in, output record out.
 *
 *   csdrt_options o;  csdrt_default_options(&o);          // the Alkali device
 *   csdrt_bundle *b;  char err[256];
 *   if (csdrt_bundle_open(bytes, size, &o, &b, err, sizeof err) != CSDRT_OK) { ... }
 *   csdrt_bundle_infer(b, in, csdrt_bundle_input_record_size(b),
 *                      out, csdrt_bundle_output_record_size(b), err, sizeof err);
 *   csdrt_bundle_close(b);
 *
 * The runtime reaches the accelerator only through the VTA driver interface (upstream
 * vta/driver.h: VTADeviceAlloc, VTADeviceRun, VTAMemAlloc, ...), so the same library links
 * against the board driver on the drive and against the simulator (CVTASim) here.
 *
 * Every call that can fail returns a csdrt_status and writes one line naming what failed
 * into `err` (NUL-terminated, truncated to fit; `err` may be NULL). Nothing here aborts,
 * and the work one call does is bounded by the options' limits.
 *
 * A bundle is not thread-safe; distinct bundles may be used from distinct threads.
 * The eBPF helpers built on this API are declared in csd_helpers.h.
 */
#ifndef VTAC_CSD_RUNTIME_H_
#define VTAC_CSD_RUNTIME_H_

#include <stddef.h>
#include <stdint.h>

#include "vta_isa.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- status codes */

/* Plain macros (not a C enum) so that Swift sees ordinary integers, and so that the eBPF
 * wrapper can store them in its 32-bit stop_reason field unchanged. Never renumbered. */
typedef int32_t csdrt_status;

#define CSDRT_OK 0
#define CSDRT_ERR_ARGUMENT 1     /* a NULL pointer or an invalid option / call */
#define CSDRT_ERR_NO_MEMORY 2    /* malloc or VTAMemAlloc failed */
#define CSDRT_ERR_LIMIT 3        /* the bundle needs more than the options allow */
#define CSDRT_ERR_TRUNCATED 4    /* the bytes end before the bundle does */
#define CSDRT_ERR_MAGIC 5        /* not a vtac bundle */
#define CSDRT_ERR_VERSION 6      /* a container format version this runtime does not read */
#define CSDRT_ERR_CHECKSUM 7     /* a header, table or section CRC-32 does not match */
#define CSDRT_ERR_CONTAINER 8    /* sizes, kinds, alignment, overlap, padding, reserved bytes */
#define CSDRT_ERR_MANIFEST 9     /* the MANIFEST is not a vtac.bundle.Manifest, or lacks a part */
#define CSDRT_ERR_HARDWARE 10    /* compiled for another VTA configuration or ISA profile */
#define CSDRT_ERR_INDEX 11       /* a step, relocation or layer names something that is not there */
#define CSDRT_ERR_RELOCATION 12  /* a relocation onto a non-LOAD/STORE, another memory type, ... */
#define CSDRT_ERR_TENSOR 13      /* a tensor outside its region, or an impossible shape/layout */
#define CSDRT_ERR_RECORD 14      /* record sizes inconsistent with the I/O tensors */
#define CSDRT_ERR_FILL 15        /* a fill outside its region or with a value above 255 */
#define CSDRT_ERR_SEGMENT 16     /* an instruction slice outside INSTRUCTIONS, empty, overlapping */
#define CSDRT_ERR_PARAMS 17      /* CPU kernel parameters that do not fit its tensors */
#define CSDRT_ERR_VERIFY 18      /* the stream verifier refused a relocated segment */
#define CSDRT_ERR_DEVICE 19      /* VTADeviceAlloc or VTADeviceRun failed */
#define CSDRT_ERR_KERNEL 20      /* a CPU kernel returned an error */
#define CSDRT_ERR_INPUT 21       /* an input buffer too short, or a bad records header */
#define CSDRT_ERR_OUTPUT 22      /* an output buffer too short */
#define CSDRT_ERR_HANDLE 23      /* (helpers) a handle that is not open */
#define CSDRT_ERR_ACCESS 24      /* (helpers) a pointer outside the program's buffers */
#define CSDRT_ERR_CONFIG 25      /* the device configuration in the options is invalid */

/* "OK", "TRUNCATED", ...; "?" for unknown codes. */
const char *csdrt_status_name(csdrt_status status);

/* ---------------------------------------------------------------- options */

/* How the runtime sees the device it runs on. */
typedef struct csdrt_options {
  /* The accelerator (a VTADeviceHandle). NULL: each bundle calls VTADeviceAlloc() when it is
   * opened and VTADeviceFree() when it is closed. */
  void *device;
  /* The device's VTA configuration and ISA profile (profile 0 stock, 1 extended). A bundle
   * compiled for anything else is refused (CSDRT_ERR_HARDWARE). The board driver cannot be
   * asked, so this is configuration; csdrt_default_options gives the Alkali bitstream's. */
  VTAISAConfig hardware;
  /* Tokens a hardware dependency FIFO holds (vta_verify_stream's fifo_depth): 1024. */
  uint32_t fifo_depth;
  /* VTADeviceRun's wait_cycles (how long the driver polls for FINISH). */
  uint32_t wait_cycles;
  /* Upper bounds that keep a hostile bundle from exhausting the drive. */
  uint64_t max_device_bytes; /* sum of the accelerator regions (VTAMemAlloc) */
  uint64_t max_host_bytes;   /* the host region (malloc) */
  uint64_t max_cpu_ops;      /* estimated multiply-adds of the CPU kernels + bytes copied,
                                per inference */
  /* Optional: a one-line description of the last VTADeviceRun failure on `device` (the
   * simulator's VTASimLastError); the board driver has none. */
  const char *(*device_error)(void *device);
} csdrt_options;

/* The Alkali drive: default VTA configuration (BATCH 1, BLOCK 16, 32/32/256/128 KiB SRAM),
 * stock profile, FIFO depth 1024, wait_cycles 100000000, 512 MiB of accelerator regions,
 * 256 MiB of host region, 2^36 CPU operations per inference. */
void csdrt_default_options(csdrt_options *out);

/* One line describing a configuration, e.g. "BATCH 1, BLOCK 16x16, SRAM uop 2^15 inp 2^15
 * wgt 2^18 acc 2^17 bytes, widths 8/8/32 bits, stock profile". Returns `buf`. */
const char *csdrt_describe_hardware(const VTAISAConfig *cfg, char *buf, size_t len);

/* ---------------------------------------------------------------- bundles */

typedef struct csdrt_bundle csdrt_bundle;

/*
 * Opens the bundle in bytes[0, size): checks the container, unpacks and validates the
 * manifest, allocates and fills the regions, relocates and verifies every segment. The
 * bytes are not kept (they may be freed afterwards). `size` must be the bundle's exact size
 * (csdrt_bundle_open_prefix accepts trailing bytes).
 */
csdrt_status csdrt_bundle_open(const void *bytes, size_t size, const csdrt_options *options,
                               csdrt_bundle **out, char *err, size_t err_len);

/* The same for a bundle at the start of a longer buffer (the drive's input region): the
 * header's file_size says where it ends. */
csdrt_status csdrt_bundle_open_prefix(const void *bytes, size_t available,
                                      const csdrt_options *options, csdrt_bundle **out,
                                      char *err, size_t err_len);

/* Validation only: everything csdrt_bundle_open checks that needs no accelerator memory
 * (container, manifest, indices, tensors, relocation targets; not the stream verifier). */
csdrt_status csdrt_bundle_check(const void *bytes, size_t size, const csdrt_options *options,
                                char *err, size_t err_len);

/* Frees the regions, the device (if the bundle allocated it) and the bundle. NULL is ignored. */
void csdrt_bundle_close(csdrt_bundle *bundle);

/* Bytes of the bundle (the container's file_size), of one input record, of one output record. */
uint64_t csdrt_bundle_file_size(const csdrt_bundle *bundle);
uint64_t csdrt_bundle_input_record_size(const csdrt_bundle *bundle);
uint64_t csdrt_bundle_output_record_size(const csdrt_bundle *bundle);

/* Counts of the manifest's parts (for tools and tests). */
uint32_t csdrt_bundle_step_count(const csdrt_bundle *bundle);
uint32_t csdrt_bundle_segment_count(const csdrt_bundle *bundle);

/*
 * One inference: copies `input` (one input record, in_len >= input_record_size) into the
 * inputs' storage, runs every step in order, copies the outputs into `output` (out_len >=
 * output_record_size). Errors name the step ("step 3 (run segment 1): ...").
 */
csdrt_status csdrt_bundle_infer(csdrt_bundle *bundle, const void *input, size_t in_len,
                                void *output, size_t out_len, char *err, size_t err_len);

/* The message of the last failure of a call on this bundle ("" if none). */
const char *csdrt_bundle_last_error(const csdrt_bundle *bundle);

/* Host view of a region after loading (tests and tools): base pointer and size, or NULL.
 * `region` is the manifest's Region number (1 constants ... 6 host). */
void *csdrt_bundle_region(const csdrt_bundle *bundle, uint32_t region, uint64_t *size);

/* The relocated instruction words of segment `index` (16 bytes each), or NULL. */
const uint8_t *csdrt_bundle_segment_code(const csdrt_bundle *bundle, uint32_t index,
                                         uint32_t *count);

/* ---------------------------------------------------------------- the input of the drive */

/*
 * The drive's input buffer, as the eBPF wrapper receives it (HELPERS.md):
 *   [0, B)            the bundle (B = its header's file_size)
 *   [B, P)            zero bytes up to P = B rounded up to a multiple of 16
 *   [P, P + 16)       records header: uint64 record_count, uint64 reserved (zero)
 *   [P + 16, ...)     record_count input records, input_record_size bytes each, back to back
 *   after them        ignored (the NVMe region is whole 4 KiB pages)
 * Returns the offset of the first record (P + 16) for a bundle of `file_size` bytes.
 */
uint64_t csdrt_records_offset(uint64_t file_size);
#define CSDRT_RECORDS_HEADER_SIZE 16

/*
 * Reads the records header of a drive input buffer that starts with `bundle`: the count of
 * records, checked against `available` bytes. 0 with CSDRT_ERR_INPUT in *status (and a
 * message) if the header is missing, has nonzero reserved bytes, announces no record, or
 * announces more than the buffer holds.
 */
uint64_t csdrt_record_count(const csdrt_bundle *bundle, const void *input, size_t available,
                            csdrt_status *status, char *err, size_t err_len);

/* The size of the output buffer the wrapper fills for `records` records (HELPERS.md):
 * 16 header bytes + records x output_record_size. */
uint64_t csdrt_output_buffer_size(uint64_t output_record_size, uint64_t records);
#define CSDRT_OUTPUT_HEADER_SIZE 16

/*
 * Reads just enough of a drive input buffer (container header and manifest) to size its
 * output buffer: 16 + record_count x output_record_size. 0 if the input is not a bundle
 * followed by a valid records header. For tools (csd-run's default --output-size).
 */
uint64_t csdrt_peek_output_size(const void *input, size_t available);

#ifdef __cplusplus
}
#endif
#endif /* VTAC_CSD_RUNTIME_H_ */
