/*
 * fuzz_elf_loader.c — loads arbitrary bytes as an eBPF ELF object; whatever loads is
 * disassembled and run (both flavors) with a small budget and small buffers.
 */
// fuzz-sources: Sources/CEBPF/*.c
// fuzz-includes: Sources/CEBPF/include Sources/CEBPF
// fuzz-seeds: Tests/Fixtures/ebpf/*.o

#include <stddef.h>
#include <stdint.h>

#include "fuzz_ebpf_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ebpf_vm *vm = fuzz_vm();
    if (!vm) return 0;
    char err[512];
    if (ebpf_vm_load_elf(vm, data, size, err, sizeof err) == EBPF_OK) fuzz_run(vm, 16);
    ebpf_vm_destroy(vm);
    return 0;
}
