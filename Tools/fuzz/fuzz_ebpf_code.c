/*
 * fuzz_ebpf_code.c — validates arbitrary bytes as raw bytecode and runs what passes, so
 * the interpreter sees far more programs than ELF fuzzing reaches. Byte 0 is the input
 * length; the rest, cut to whole 8-byte slots, is the code.
 */
// fuzz-sources: Sources/CEBPF/*.c
// fuzz-includes: Sources/CEBPF/include Sources/CEBPF
// fuzz-seeds: Tools/fuzz/seeds/ebpf_code/*

#include <stddef.h>
#include <stdint.h>

#include "fuzz_ebpf_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    ebpf_vm *vm = fuzz_vm();
    if (!vm) return 0;
    char err[512];
    size_t code_size = (size - 1) / 8 * 8;
    if (ebpf_vm_load_code(vm, data + 1, code_size, err, sizeof err) == EBPF_OK)
        fuzz_run(vm, data[0]);
    ebpf_vm_destroy(vm);
    return 0;
}
