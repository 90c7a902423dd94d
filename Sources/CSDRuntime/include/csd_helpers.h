/*
 * csd_helpers.h — the runtime's eBPF helpers, for the wrapper program that runs on the drive.
 *
 * The drive's uBPF VM calls helpers with the signature below and no context argument, so
 * the helpers keep their state in a session: the thread's current one (csdrt_session_enter)
 * or, when none was entered, a process-wide session with csdrt_default_options (the drive).
 * The ABI (indices, names, arguments, the input and output layouts) is in HELPERS.md.
 *
 * A firmware registers the table by name and index before loading the program:
 *   size_t n; const csd_helper *t = csd_helper_table(&n);
 *   for (size_t i = 0; i < n; i++) ubpf_register(vm, t[i].index, t[i].name, t[i].fn);
 */
#ifndef VTAC_CSD_HELPERS_H_
#define VTAC_CSD_HELPERS_H_

#include <stddef.h>
#include <stdint.h>

#include "csd_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Indices: clear of the firmware's own helpers (1 print, 2 tflite_apu, 3 tflite_vta). */
#define CSD_HELPER_OPEN 32               /* csd_open(input, input_len) -> handle or 0 */
#define CSD_HELPER_PAYLOAD_SIZE 33       /* csd_payload_size(h) -> offset of the first record */
#define CSD_HELPER_RECORD_COUNT 34       /* csd_record_count(h) -> records, 0 on error */
#define CSD_HELPER_INPUT_RECORD_SIZE 35  /* csd_input_record_size(h) -> bytes */
#define CSD_HELPER_OUTPUT_RECORD_SIZE 36 /* csd_output_record_size(h) -> bytes */
#define CSD_HELPER_INFER 37              /* csd_infer(h, in_record, out_record) -> status */
#define CSD_HELPER_LAST_ERROR 38         /* csd_last_error(h) -> status (h 0: last open) */
#define CSD_HELPER_CLOSE 39              /* csd_close(h) -> status */

typedef uint64_t (*csd_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                  uint64_t r5);

typedef struct csd_helper {
  uint32_t index;
  const char *name;
  csd_helper_fn fn;
} csd_helper;

/* The helpers, in index order. */
const csd_helper *csd_helper_table(size_t *count);

/* ---------------------------------------------------------------- sessions */

typedef struct csdrt_session csdrt_session;

/* At most this many bundles are open at once in one session. */
#define CSDRT_SESSION_MAX_OPEN 8

/* A session whose csd_open calls use `options` (copied; NULL: csdrt_default_options). */
csdrt_session *csdrt_session_create(const csdrt_options *options);

/* Closes every bundle the program left open, then frees the session. NULL is ignored. */
void csdrt_session_destroy(csdrt_session *session);

/* Makes `session` the current one of the calling thread (NULL: none, i.e. the process-wide
 * default). Returns the previous one, to restore it afterwards. */
csdrt_session *csdrt_session_enter(csdrt_session *session);

/*
 * Where a host VM can vet the pointers a program hands to the helpers (the drive's VM has
 * bounds checking off, so there the helpers trust them). `check` returns nonzero if
 * [ptr, ptr + len) may be read (write = 0) or written (write = 1); it may also stop the VM.
 * `helper` names the calling helper and `what` the argument, for its message.
 */
typedef int (*csdrt_access_check)(void *ctx, const char *helper, const char *what,
                                  const void *ptr, uint64_t len, int write);
void csdrt_session_set_access_check(csdrt_session *session, csdrt_access_check check, void *ctx);

/* Every helper failure is also reported here (e.g. to the firmware's log); may be NULL.
 * Without a sink the default session writes them to stderr. */
typedef void (*csdrt_error_sink)(void *ctx, const char *helper, csdrt_status status,
                                 const char *message);
void csdrt_session_set_error_sink(csdrt_session *session, csdrt_error_sink sink, void *ctx);

/* The first helper failure in this session ("" if none) and its status. */
const char *csdrt_session_first_error(const csdrt_session *session);
csdrt_status csdrt_session_first_status(const csdrt_session *session);

#ifdef __cplusplus
}
#endif
#endif /* VTAC_CSD_HELPERS_H_ */
