/*
 * ebpf_vm.c — the VM object: creation, helper registry, loading entry points, run
 * bookkeeping, helper regions and error messages. The work itself is in elf_loader.c,
 * ebpf_validate.c, ebpf_interp.c and ebpf_disasm.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf_internal.h"

/* The VM running on this thread, for helpers (their signature has no context). A stack
 * discipline (saved and restored around each run) lets a helper run another VM. */
static _Thread_local ebpf_vm *current_vm;

ebpf_vm *ebpf_current_vm(void) { return current_vm; }

static const char *const status_names[] = {
    [EBPF_OK] = "OK",
    [EBPF_ERR_ARGUMENT] = "ARGUMENT",
    [EBPF_ERR_STATE] = "STATE",
    [EBPF_ERR_NO_MEMORY] = "NO_MEMORY",
    [EBPF_ERR_HELPER] = "HELPER",
    [EBPF_ERR_NOT_ELF] = "NOT_ELF",
    [EBPF_ERR_ELF_TRUNCATED] = "ELF_TRUNCATED",
    [EBPF_ERR_ELF_CLASS] = "ELF_CLASS",
    [EBPF_ERR_ELF_ENDIAN] = "ELF_ENDIAN",
    [EBPF_ERR_ELF_IDENT] = "ELF_IDENT",
    [EBPF_ERR_ELF_TYPE] = "ELF_TYPE",
    [EBPF_ERR_ELF_MACHINE] = "ELF_MACHINE",
    [EBPF_ERR_ELF_SECTIONS] = "ELF_SECTIONS",
    [EBPF_ERR_NO_CODE] = "NO_CODE",
    [EBPF_ERR_RELOCATION] = "RELOCATION",
    [EBPF_ERR_DATA_SECTION] = "DATA_SECTION",
    [EBPF_ERR_UNKNOWN_HELPER] = "UNKNOWN_HELPER",
    [EBPF_ERR_BPF_CALL] = "BPF_CALL",
    [EBPF_ERR_PROGRAM_SIZE] = "PROGRAM_SIZE",
    [EBPF_ERR_OPCODE] = "OPCODE",
    [EBPF_ERR_JMP32] = "JMP32",
    [EBPF_ERR_ATOMIC] = "ATOMIC",
    [EBPF_ERR_REGISTER] = "REGISTER",
    [EBPF_ERR_JUMP] = "JUMP",
    [EBPF_ERR_NO_EXIT] = "NO_EXIT",
    [EBPF_ERR_BAD_CALL] = "BAD_CALL",
    [EBPF_ERR_DIV_ZERO] = "DIV_ZERO",
    [EBPF_ERR_OUT_OF_BOUNDS] = "OUT_OF_BOUNDS",
    [EBPF_ERR_BUDGET] = "BUDGET",
    [EBPF_ERR_HELPER_STOP] = "HELPER_STOP",
};

const char *ebpf_status_name(ebpf_status status) {
    if ((unsigned)status >= sizeof status_names / sizeof status_names[0] ||
        !status_names[status])
        return "?";
    return status_names[status];
}

ebpf_status ebpf_error(ebpf_vm *vm, ebpf_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(vm->error, sizeof vm->error, fmt, ap);
    va_end(ap);
    /* Names come from untrusted files: keep the message on one printable line. */
    for (char *c = vm->error; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
    return status;
}

/* Copies the VM's message to the caller's buffer and passes `status` through. */
static ebpf_status report(const ebpf_vm *vm, ebpf_status status, char *err, size_t err_len) {
    if (err && err_len > 0) snprintf(err, err_len, "%s", status == EBPF_OK ? "" : vm->error);
    return status;
}

ebpf_vm *ebpf_vm_create(void) { return calloc(1, sizeof(ebpf_vm)); }

void ebpf_vm_destroy(ebpf_vm *vm) {
    if (!vm) return;
    ebpf_vm_unload(vm);
    free(vm);
}

void ebpf_vm_set_user(ebpf_vm *vm, void *user) {
    if (vm) vm->user = user;
}

void *ebpf_vm_user(const ebpf_vm *vm) { return vm ? vm->user : NULL; }

ebpf_status ebpf_vm_set_flavor(ebpf_vm *vm, ebpf_flavor flavor) {
    if (!vm) return EBPF_ERR_ARGUMENT;
    if (flavor != EBPF_FLAVOR_ALKALI && flavor != EBPF_FLAVOR_STANDARD)
        return ebpf_error(vm, EBPF_ERR_ARGUMENT, "unknown flavor %d", (int)flavor);
    vm->flavor = flavor;
    return EBPF_OK;
}

ebpf_flavor ebpf_vm_flavor(const ebpf_vm *vm) { return vm ? vm->flavor : EBPF_FLAVOR_ALKALI; }

ebpf_status ebpf_vm_register_helper(ebpf_vm *vm, unsigned index, const char *name,
                                    ebpf_helper_fn fn) {
    if (!vm) return EBPF_ERR_ARGUMENT;
    if (index >= EBPF_MAX_HELPERS)
        return ebpf_error(vm, EBPF_ERR_HELPER, "helper index %u is out of range (0..%d)", index,
                          EBPF_MAX_HELPERS - 1);
    if (!fn) return ebpf_error(vm, EBPF_ERR_HELPER, "helper %u has no function", index);
    size_t len = 0;
    while (name && len < EBPF_HELPER_NAME_MAX && name[len]) len++;
    if (len == 0 || len >= EBPF_HELPER_NAME_MAX)
        return ebpf_error(vm, EBPF_ERR_HELPER, "helper %u needs a name of 1 to %d characters",
                          index, EBPF_HELPER_NAME_MAX - 1);
    int other = ebpf_helper_index(vm, name);
    if (other >= 0 && (unsigned)other != index)
        return ebpf_error(vm, EBPF_ERR_HELPER, "helper name '%s' is already registered at index %d",
                          name, other);
    vm->helpers[index].fn = fn;
    memcpy(vm->helpers[index].name, name, len + 1);
    return EBPF_OK;
}

const char *ebpf_vm_helper_name(const ebpf_vm *vm, unsigned index) {
    if (!vm || index >= EBPF_MAX_HELPERS || !vm->helpers[index].fn) return NULL;
    return vm->helpers[index].name;
}

int ebpf_helper_index(const ebpf_vm *vm, const char *name) {
    for (int i = 0; i < EBPF_MAX_HELPERS; i++)
        if (vm->helpers[i].fn && strcmp(vm->helpers[i].name, name) == 0) return i;
    return -1;
}

ebpf_status ebpf_install(ebpf_vm *vm, const uint8_t *code, size_t count, uint8_t *rodata,
                         size_t rodata_size) {
    /* Take the string section first so every path below frees it with the VM. */
    vm->rodata = rodata;
    vm->rodata_size = rodata_size;
    ebpf_status st = ebpf_validate(vm, code, count);
    if (st != EBPF_OK) {
        ebpf_vm_unload(vm);
        return st;
    }
    vm->code = malloc(count * 8);
    vm->insns = malloc(count * sizeof(ebpf_insn));
    if (!vm->code || !vm->insns) {
        ebpf_vm_unload(vm);
        return ebpf_error(vm, EBPF_ERR_NO_MEMORY, "out of memory for %zu instructions", count);
    }
    memcpy(vm->code, code, count * 8);
    for (size_t i = 0; i < count; i++) vm->insns[i] = ebpf_decode(code + 8 * i);
    vm->count = count;
    return EBPF_OK;
}

static ebpf_status check_loadable(ebpf_vm *vm, const void *bytes) {
    if (vm->running) return ebpf_error(vm, EBPF_ERR_STATE, "cannot load while the VM is running");
    if (vm->count)
        return ebpf_error(vm, EBPF_ERR_STATE,
                          "a program is already loaded (call ebpf_vm_unload first)");
    if (!bytes) return ebpf_error(vm, EBPF_ERR_ARGUMENT, "no bytes to load (NULL)");
    return EBPF_OK;
}

ebpf_status ebpf_vm_load_elf(ebpf_vm *vm, const void *elf, size_t size, char *err,
                             size_t err_len) {
    if (!vm) return EBPF_ERR_ARGUMENT;
    vm->error[0] = 0;
    ebpf_status st = check_loadable(vm, elf);
    if (st == EBPF_OK) st = ebpf_elf_load(vm, elf, size);
    return report(vm, st, err, err_len);
}

ebpf_status ebpf_vm_load_code(ebpf_vm *vm, const void *code, size_t size, char *err,
                              size_t err_len) {
    if (!vm) return EBPF_ERR_ARGUMENT;
    vm->error[0] = 0;
    ebpf_status st = check_loadable(vm, code);
    if (st == EBPF_OK && size % 8 != 0)
        st = ebpf_error(vm, EBPF_ERR_PROGRAM_SIZE,
                        "code is %zu bytes, not a whole number of 8-byte instructions", size);
    if (st == EBPF_OK) st = ebpf_install(vm, code, size / 8, NULL, 0);
    return report(vm, st, err, err_len);
}

void ebpf_vm_unload(ebpf_vm *vm) {
    if (!vm || vm->running) return;
    free(vm->code);
    free(vm->insns);
    free(vm->rodata);
    vm->code = NULL;
    vm->insns = NULL;
    vm->rodata = NULL;
    vm->count = 0;
    vm->rodata_size = 0;
}

size_t ebpf_vm_instruction_count(const ebpf_vm *vm) { return vm ? vm->count : 0; }

const uint8_t *ebpf_vm_code(const ebpf_vm *vm) { return vm ? vm->code : NULL; }

const uint8_t *ebpf_vm_rodata(const ebpf_vm *vm, size_t *size) {
    if (size) *size = vm ? vm->rodata_size : 0;
    return vm ? vm->rodata : NULL;
}

ebpf_status ebpf_vm_run(ebpf_vm *vm, void *input, size_t input_len, void *output,
                        size_t output_len, uint64_t budget, uint64_t *r0, char *err,
                        size_t err_len) {
    if (!vm) return EBPF_ERR_ARGUMENT;
    ebpf_status st = EBPF_OK;
    if (vm->running)
        st = ebpf_error(vm, EBPF_ERR_STATE, "the VM is already running (a helper re-entered it)");
    else if (!vm->count)
        st = ebpf_error(vm, EBPF_ERR_STATE, "no program is loaded");
    else if ((!input && input_len) || (!output && output_len))
        st = ebpf_error(vm, EBPF_ERR_ARGUMENT, "a buffer is NULL but its length is not 0");
    if (st != EBPF_OK) return report(vm, st, err, err_len);
    vm->error[0] = 0;
    vm->executed = 0;
    ebpf_vm *saved = current_vm;
    current_vm = vm;
    vm->running = true;
    vm->stop_requested = false;
    st = ebpf_interpret(vm, input, input_len, output, output_len, budget, r0);
    vm->running = false;
    vm->region_count = 0;
    current_vm = saved;
    return report(vm, st, err, err_len);
}

uint64_t ebpf_vm_executed(const ebpf_vm *vm) { return vm ? vm->executed : 0; }

const char *ebpf_vm_last_error(const ebpf_vm *vm) { return vm ? vm->error : ""; }

ebpf_status ebpf_vm_add_region(ebpf_vm *vm, const void *base, size_t size, unsigned perms,
                               const char *name) {
    if (!vm) return EBPF_ERR_ARGUMENT;
    if (!base || size == 0)
        return ebpf_error(vm, EBPF_ERR_ARGUMENT, "a region needs a base and a non-zero size");
    if (perms == 0 || (perms & ~(EBPF_REGION_READ | EBPF_REGION_WRITE)))
        return ebpf_error(vm, EBPF_ERR_ARGUMENT, "bad region permissions 0x%x", perms);
    if ((uintptr_t)base + size < (uintptr_t)base)
        return ebpf_error(vm, EBPF_ERR_ARGUMENT, "region wraps around the address space");
    if (vm->region_count >= EBPF_MAX_REGIONS)
        return ebpf_error(vm, EBPF_ERR_NO_MEMORY, "more than %d regions", EBPF_MAX_REGIONS);
    ebpf_region *r = &vm->regions[vm->region_count++];
    r->base = (uintptr_t)base;
    r->size = size;
    r->perms = perms;
    snprintf(r->name, sizeof r->name, "%s", name ? name : "helper region");
    return EBPF_OK;
}

ebpf_status ebpf_vm_remove_region(ebpf_vm *vm, const void *base) {
    if (!vm) return EBPF_ERR_ARGUMENT;
    for (size_t i = 0; i < vm->region_count; i++) {
        if (vm->regions[i].base == (uintptr_t)base) {
            vm->regions[i] = vm->regions[--vm->region_count];
            return EBPF_OK;
        }
    }
    return ebpf_error(vm, EBPF_ERR_ARGUMENT, "no region starts at %p", base);
}

ebpf_status ebpf_vm_stop(ebpf_vm *vm, const char *reason) {
    if (!vm) return EBPF_ERR_ARGUMENT;
    if (!vm->running) return ebpf_error(vm, EBPF_ERR_STATE, "ebpf_vm_stop outside a run");
    vm->stop_requested = true;
    snprintf(vm->stop_reason, sizeof vm->stop_reason, "%s", reason ? reason : "no reason given");
    return EBPF_OK;
}

size_t ebpf_disasm(const uint8_t *code, size_t count, size_t pc, char *buf, size_t buf_len) {
    if (!buf || buf_len == 0) return 0;
    if (!code || pc >= count) {
        snprintf(buf, buf_len, "pc %zu is outside the program (%zu slots)", pc, count);
        return 0;
    }
    ebpf_insn in = ebpf_decode(code + 8 * pc);
    if (in.op == EBPF_OP_LDDW) {
        if (pc + 1 >= count) {
            snprintf(buf, buf_len, "lddw r%u, <second slot missing>", in.dst);
            return 0;
        }
        ebpf_insn next = ebpf_decode(code + 8 * (pc + 1));
        ebpf_disasm_insn(NULL, in, &next, buf, buf_len);
        return 2;
    }
    ebpf_disasm_insn(NULL, in, NULL, buf, buf_len);
    return 1;
}

size_t ebpf_vm_disasm(const ebpf_vm *vm, size_t pc, char *buf, size_t buf_len) {
    if (!buf || buf_len == 0) return 0;
    if (!vm || pc >= vm->count) {
        snprintf(buf, buf_len, "pc %zu is outside the program", pc);
        return 0;
    }
    const ebpf_insn *next = pc + 1 < vm->count ? &vm->insns[pc + 1] : NULL;
    ebpf_disasm_insn(vm, vm->insns[pc], next, buf, buf_len);
    return vm->insns[pc].op == EBPF_OP_LDDW && next ? 2 : 1;
}
