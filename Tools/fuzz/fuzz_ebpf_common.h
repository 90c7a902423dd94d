/*
 * fuzz_ebpf_common.h — helpers shared by the eBPF fuzz targets: a VM with the helpers a
 * bundle runtime would register, each harmless for any argument, and exercising the
 * region and stop APIs.
 */
#ifndef VTAC_FUZZ_EBPF_COMMON_H_
#define VTAC_FUZZ_EBPF_COMMON_H_

#include <stdint.h>
#include <string.h>

#include "ebpf_vm.h"

static uint8_t fuzz_scratch[64];

/* Ignores its arguments (the board's print reads a string; a fuzzed pointer is junk). */
static uint64_t fuzz_print(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
    return a ^ b ^ c ^ d ^ e;
}

/* Hands out a scratch buffer as a region: read-only if r1 is odd, else read-write. */
static uint64_t fuzz_map(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
    (void)b, (void)c, (void)d, (void)e;
    ebpf_vm *vm = ebpf_current_vm();
    ebpf_vm_remove_region(vm, fuzz_scratch);
    unsigned perms = (a & 1) ? EBPF_REGION_READ : EBPF_REGION_READ | EBPF_REGION_WRITE;
    if (ebpf_vm_add_region(vm, fuzz_scratch, sizeof fuzz_scratch, perms, "scratch") != EBPF_OK)
        return 0;
    return (uint64_t)(uintptr_t)fuzz_scratch;
}

static uint64_t fuzz_unmap(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
    (void)a, (void)b, (void)c, (void)d, (void)e;
    return ebpf_vm_remove_region(ebpf_current_vm(), fuzz_scratch);
}

/* Stops the run when r1 is 42. */
static uint64_t fuzz_stop(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
    (void)b, (void)c, (void)d, (void)e;
    if (a == 42) ebpf_vm_stop(ebpf_current_vm(), "the fuzzer's stop helper was called with 42");
    return a;
}

static ebpf_vm *fuzz_vm(void) {
    ebpf_vm *vm = ebpf_vm_create();
    if (!vm) return NULL;
    ebpf_vm_register_helper(vm, 1, "print", fuzz_print);
    ebpf_vm_register_helper(vm, 2, "report", fuzz_print);
    ebpf_vm_register_helper(vm, 3, "map", fuzz_map);
    ebpf_vm_register_helper(vm, 4, "unmap", fuzz_unmap);
    ebpf_vm_register_helper(vm, 5, "stop", fuzz_stop);
    return vm;
}

/* Runs the loaded program on small buffers with a small budget and checks the
 * disassembler on every slot. */
static void fuzz_run(ebpf_vm *vm, unsigned input_len) {
    uint8_t input[64], output[32];
    char err[512], text[128];
    memset(input, 0xa5, sizeof input);
    memset(output, 0, sizeof output);
    if (input_len > sizeof input) input_len = sizeof input;
    for (size_t pc = 0; pc < ebpf_vm_instruction_count(vm); pc++)
        ebpf_vm_disasm(vm, pc, text, sizeof text);
    uint64_t r0;
    ebpf_vm_run(vm, input, input_len, output, sizeof output, 4096, &r0, err, sizeof err);
    ebpf_vm_set_flavor(vm, EBPF_FLAVOR_STANDARD);
    ebpf_vm_run(vm, input, input_len, output, sizeof output, 4096, &r0, err, sizeof err);
}

#endif /* VTAC_FUZZ_EBPF_COMMON_H_ */
