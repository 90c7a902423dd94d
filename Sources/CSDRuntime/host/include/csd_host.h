/*
 * csd_host.h — the drive's part, played on a host: load the eBPF wrapper (an ELF object)
 * into our Alkali-flavored VM (CEBPF), register `print` and the runtime's helpers, run it
 * over an input buffer (r1 = input, r2 = output, r3 = input length) with the VTA simulator
 * (CVTASim) as the accelerator, as the Alkali application does. Used by `csd-run` and by
 * `vtac run`.
 *
 * Unlike the drive, every pointer the program hands a helper is checked against the
 * program's input and output buffers first (the VM stops with a message if it is not).
 */
#ifndef VTAC_CSD_HOST_H_
#define VTAC_CSD_HOST_H_

#include <stddef.h>
#include <stdint.h>

#include "csd_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Results of csd_host_run (plain macros so Swift sees integers). */
#define CSD_HOST_OK 0
#define CSD_HOST_ERR_ARGUMENT 1 /* NULL buffers, an unusable option */
#define CSD_HOST_ERR_LOAD 2     /* the ELF object was refused (malformed, illegal instruction...) */
#define CSD_HOST_ERR_RUN 3      /* the VM stopped: out-of-bounds access, budget, division by
                                   zero, a helper handed a bad pointer */
#define CSD_HOST_ERR_HELPER 4   /* the program ran to its end but a helper failed (bad bundle,
                                   failed inference...): the output holds what the program
                                   wrote, e.g. the stop reason */

typedef struct csd_host_options {
  csdrt_options runtime; /* the device the bundles run on (csdrt_default_options + the
                            simulator's error descriptions) */
  uint64_t budget;       /* most eBPF instructions to execute; 0 = no limit */
  /* Where the `print` helper's strings go (NULL: stdout, one line each). */
  void (*print)(void *ctx, const char *text);
  void *print_ctx;
} csd_host_options;

void csd_host_default_options(csd_host_options *out);

/* What a run did (may be NULL). */
typedef struct csd_host_report {
  uint64_t executed;          /* eBPF instructions executed */
  uint64_t r0;                /* the program's return value */
  int32_t helper_status;      /* the first helper failure (csdrt_status), 0 if none */
} csd_host_report;

/*
 * Runs the program. The output buffer is zeroed first; the input buffer is the program's
 * to read and write (as on the drive). Returns CSD_HOST_OK or a CSD_HOST_ERR_* with one line
 * in err (NUL-terminated, truncated to fit).
 */
int csd_host_run_with(const csd_host_options *options, const void *elf, size_t elf_len,
                      void *input, size_t input_len, void *output, size_t output_len,
                      csd_host_report *report, char *err, size_t err_len);

/* The same with csd_host_default_options and the given budget. */
int csd_host_run(const void *elf, size_t elf_len, void *input, size_t input_len, void *output,
                 size_t output_len, uint64_t budget, char *err, size_t err_len);

/* Index and name of the firmware's print helper, registered beside the runtime's. */
#define CSD_HOST_PRINT_INDEX 1

#ifdef __cplusplus
}
#endif
#endif /* VTAC_CSD_HOST_H_ */
