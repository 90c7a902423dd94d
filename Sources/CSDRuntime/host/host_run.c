/*
 * host_run.c — csd_host_run: the Alkali application's loop, on a host. See csd_host.h.
 */
#include <stdio.h>
#include <string.h>

#include "csd_helpers.h"
#include "csd_host.h"
#include "ebpf_vm.h"
#include "vta_sim.h"

typedef struct {
  ebpf_vm *vm;
  const uint8_t *input, *output;
  size_t input_len, output_len;
  const csd_host_options *options;
} run_ctx;

/* The run of the current thread, for print (the helper signature has no context). */
static _Thread_local run_ctx *tl_run;

static const char *sim_error(void *device) { return VTASimLastError(device); }

void csd_host_default_options(csd_host_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  csdrt_default_options(&o->runtime);
  o->runtime.device_error = sim_error;
}

static int inside(const void *p, uint64_t len, const uint8_t *base, size_t size) {
  uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
  return base && a >= b && a - b <= size && len <= size - (a - b);
}

/* Helpers may touch only the program's input and output buffers (both read-write, as in
 * the VM). A bad pointer is the program's bug: stop the VM with the reason. */
static int check_access(void *ctx, const char *helper, const char *what, const void *p,
                        uint64_t len, int write) {
  run_ctx *rc = ctx;
  (void)write;
  if (inside(p, len, rc->input, rc->input_len) || inside(p, len, rc->output, rc->output_len))
    return 1;
  char reason[256];
  snprintf(reason, sizeof reason,
           "%s was handed %s of %llu bytes at 0x%llx, outside the input buffer (%zu bytes at "
           "0x%llx) and the output buffer (%zu bytes at 0x%llx)",
           helper, what, (unsigned long long)len, (unsigned long long)(uintptr_t)p, rc->input_len,
           (unsigned long long)(uintptr_t)rc->input, rc->output_len,
           (unsigned long long)(uintptr_t)rc->output);
  ebpf_vm_stop(rc->vm, reason);
  return 0;
}

/* print(char *): the string must end inside a buffer we know (the string section, the input
 * or the output); stack strings cannot be checked from here and are not printed. */
static uint64_t h_print(uint64_t p, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5) {
  (void)r2, (void)r3, (void)r4, (void)r5;
  run_ctx *rc = tl_run;
  if (!rc) return 0;
  size_t rodata_len = 0;
  const uint8_t *rodata = ebpf_vm_rodata(rc->vm, &rodata_len);
  const uint8_t *bases[3] = {rodata, rc->input, rc->output};
  size_t sizes[3] = {rodata_len, rc->input_len, rc->output_len};
  const char *s = (const char *)(uintptr_t)p;
  char text[512];
  snprintf(text, sizeof text, "<print: string at 0x%llx is not in the string section or the "
           "buffers>", (unsigned long long)p);
  for (int i = 0; i < 3; i++) {
    if (!inside(s, 1, bases[i], sizes[i])) continue;
    size_t room = sizes[i] - (size_t)((const uint8_t *)s - bases[i]);
    const char *end = memchr(s, 0, room);
    size_t n = end ? (size_t)(end - s) : room;
    if (n > sizeof text - 1) n = sizeof text - 1;
    memcpy(text, s, n);
    text[n] = 0;
    break;
  }
  if (rc->options->print)
    rc->options->print(rc->options->print_ctx, text);
  else
    printf("%s\n", text);
  return 0;
}

int csd_host_run_with(const csd_host_options *o, const void *elf, size_t elf_len, void *input,
                      size_t input_len, void *output, size_t output_len, csd_host_report *report,
                      char *err, size_t err_len) {
  char local[8];
  if (!err || !err_len) err = local, err_len = sizeof local;
  err[0] = 0;
  if (report) memset(report, 0, sizeof *report);
  csd_host_options defaults;
  if (!o) csd_host_default_options(&defaults), o = &defaults;
  if (!elf || (!input && input_len) || (!output && output_len)) {
    snprintf(err, err_len, "csd_host_run: missing program, input or output buffer");
    return CSD_HOST_ERR_ARGUMENT;
  }
  if (output_len) memset(output, 0, output_len);

  ebpf_vm *vm = ebpf_vm_create();
  csdrt_session *session = csdrt_session_create(&o->runtime);
  if (!vm || !session) {
    ebpf_vm_destroy(vm);
    csdrt_session_destroy(session);
    snprintf(err, err_len, "out of memory");
    return CSD_HOST_ERR_ARGUMENT;
  }
  char msg[1024];
  int result = CSD_HOST_OK;
  ebpf_status st = ebpf_vm_register_helper(vm, CSD_HOST_PRINT_INDEX, "print", h_print);
  size_t n = 0;
  const csd_helper *table = csd_helper_table(&n);
  for (size_t i = 0; i < n && st == EBPF_OK; i++)
    st = ebpf_vm_register_helper(vm, table[i].index, table[i].name, table[i].fn);
  if (st != EBPF_OK) {
    snprintf(err, err_len, "registering the helpers: %s", ebpf_vm_last_error(vm));
    result = CSD_HOST_ERR_ARGUMENT;
    goto done;
  }
  if (ebpf_vm_load_elf(vm, elf, elf_len, msg, sizeof msg) != EBPF_OK) {
    snprintf(err, err_len, "loading the program: %s", msg);
    result = CSD_HOST_ERR_LOAD;
    goto done;
  }
  run_ctx rc = {vm, input, output, input_len, output_len, o};
  csdrt_session_set_access_check(session, check_access, &rc);
  run_ctx *previous_run = tl_run;
  tl_run = &rc;
  csdrt_session *previous = csdrt_session_enter(session);
  uint64_t r0 = 0;
  st = ebpf_vm_run(vm, input, input_len, output, output_len, o->budget, &r0, msg, sizeof msg);
  csdrt_session_enter(previous);
  tl_run = previous_run;
  if (report) {
    report->executed = ebpf_vm_executed(vm);
    report->r0 = r0;
    report->helper_status = csdrt_session_first_status(session);
  }
  if (st != EBPF_OK) {
    snprintf(err, err_len, "running the program: %s", msg);
    result = CSD_HOST_ERR_RUN;
  } else if (csdrt_session_first_status(session)) {
    snprintf(err, err_len, "a helper failed: %s", csdrt_session_first_error(session));
    result = CSD_HOST_ERR_HELPER;
  }
done:
  csdrt_session_destroy(session); /* closes what the program left open */
  ebpf_vm_destroy(vm);
  return result;
}

int csd_host_run(const void *elf, size_t elf_len, void *input, size_t input_len, void *output,
                 size_t output_len, uint64_t budget, char *err, size_t err_len) {
  csd_host_options o;
  csd_host_default_options(&o);
  o.budget = budget;
  return csd_host_run_with(&o, elf, elf_len, input, input_len, output, output_len, NULL, err,
                           err_len);
}
