/*
 * ebpf_internal.h — the VM structure and the functions the CEBPF files share.
 */
#ifndef VTAC_EBPF_INTERNAL_H_
#define VTAC_EBPF_INTERNAL_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ebpf_opcodes.h"
#include "ebpf_vm.h"

#define EBPF_HELPER_NAME_MAX 64 /* including the NUL */
#define EBPF_REGION_NAME_MAX 32
#define EBPF_ERROR_MAX 512

typedef struct ebpf_helper {
    ebpf_helper_fn fn; /* NULL: index unused */
    char name[EBPF_HELPER_NAME_MAX];
} ebpf_helper;

typedef struct ebpf_region {
    uintptr_t base;
    size_t size;
    unsigned perms;
    char name[EBPF_REGION_NAME_MAX];
} ebpf_region;

struct ebpf_vm {
    void *user;
    ebpf_flavor flavor;
    ebpf_helper helpers[EBPF_MAX_HELPERS];

    /* The loaded program: relocated slots as bytes (for ebpf_vm_code and the
     * disassembler) and decoded (for the interpreter). */
    uint8_t *code;
    ebpf_insn *insns;
    size_t count;
    /* The kept string section; lddw relocations point into this copy. */
    uint8_t *rodata;
    size_t rodata_size;

    /* Run state. */
    bool running;
    bool stop_requested;
    uint16_t pc;          /* pc of the instruction executing (for helper stops) */
    uint64_t executed;
    ebpf_region regions[EBPF_MAX_REGIONS];
    size_t region_count;
    char stop_reason[EBPF_ERROR_MAX / 2];

    char error[EBPF_ERROR_MAX];
};

/* Formats the VM's error message and returns `status` (for `return ebpf_error(...)`). */
ebpf_status ebpf_error(ebpf_vm *vm, ebpf_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Index of the helper registered under `name`, or -1. */
int ebpf_helper_index(const ebpf_vm *vm, const char *name);

/* Checks relocated code (`count` slots) against the rules in ebpf_validate.c. */
ebpf_status ebpf_validate(ebpf_vm *vm, const uint8_t *code, size_t count);

/* Validates `code` and makes it (and `rodata`, whose ownership passes to the VM even on
 * failure) the VM's program. `code` is copied. */
ebpf_status ebpf_install(ebpf_vm *vm, const uint8_t *code, size_t count, uint8_t *rodata,
                         size_t rodata_size);

/* The ELF loader proper (elf_loader.c). */
ebpf_status ebpf_elf_load(ebpf_vm *vm, const uint8_t *elf, size_t size);

/* The interpreter proper (ebpf_interp.c); the VM is loaded and marked running. */
ebpf_status ebpf_interpret(ebpf_vm *vm, void *input, size_t input_len, void *output,
                           size_t output_len, uint64_t budget, uint64_t *r0);

/* Disassembles `in` (and `next`, the following slot, for lddw); `vm` may be NULL. */
void ebpf_disasm_insn(const ebpf_vm *vm, ebpf_insn in, const ebpf_insn *next, char *buf,
                      size_t buf_len);

#endif /* VTAC_EBPF_INTERNAL_H_ */
