/*
 * ebpf_vm.h — a standalone eBPF interpreter and ELF loader that accepts exactly the
 * programs the Alkali computational-storage drive accepts (its uBPF fork, branch nvme),
 * and runs them with every memory access checked.
 *
 * Typical use:
 *
 *   ebpf_vm *vm = ebpf_vm_create();
 *   ebpf_vm_register_helper(vm, 1, "print", my_print);     // before loading
 *   ebpf_vm_load_elf(vm, bytes, size, err, sizeof err);    // clang -target bpf -c output
 *   ebpf_vm_run(vm, in, in_len, out, out_len, budget, &r0, err, sizeof err);
 *   ebpf_vm_destroy(vm);
 *
 * Every function that can fail returns an ebpf_status and writes a one-line,
 * human-readable message into the caller's buffer (when one is given; it is always
 * NUL-terminated and truncated to fit). The last message is also kept by the VM
 * (ebpf_vm_last_error).
 *
 * A VM is not thread-safe; distinct VMs may run on distinct threads at once. A helper may
 * use the VM it is called from (regions, stop, user pointer) but must not load, unload,
 * run or destroy it.
 */
#ifndef VTAC_EBPF_VM_H_
#define VTAC_EBPF_VM_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits of the Alkali VM. */
#define EBPF_MAX_HELPERS 64         /* helper indices 0..63 */
#define EBPF_MAX_SECTIONS 32        /* ELF objects with more sections are refused */
#define EBPF_MAX_INSTRUCTIONS 65535 /* 8-byte slots; the board's pc is 16 bits */
#define EBPF_STACK_SIZE 512         /* bytes below r10 */
#define EBPF_MAX_REGIONS 256        /* helper-registered regions alive at once */

typedef enum ebpf_status {
    EBPF_OK = 0,
    /* API use */
    EBPF_ERR_ARGUMENT,       /* NULL pointer, bad index or flags */
    EBPF_ERR_STATE,          /* no program loaded, a program already loaded, not running */
    EBPF_ERR_NO_MEMORY,
    EBPF_ERR_HELPER,         /* helper registration refused (index, name, duplicate) */
    /* ELF container */
    EBPF_ERR_NOT_ELF,        /* bad magic: not an ELF file (raw bytecode is refused too) */
    EBPF_ERR_ELF_TRUNCATED,  /* a header or section lies outside the file */
    EBPF_ERR_ELF_CLASS,      /* not ELFCLASS64 */
    EBPF_ERR_ELF_ENDIAN,     /* not little-endian */
    EBPF_ERR_ELF_IDENT,      /* EI_VERSION is not 1 or EI_OSABI is not 0 */
    EBPF_ERR_ELF_TYPE,       /* not ET_REL */
    EBPF_ERR_ELF_MACHINE,    /* not EM_BPF (247) nor EM_NONE (0) */
    EBPF_ERR_ELF_SECTIONS,   /* more than 32 sections */
    EBPF_ERR_NO_CODE,        /* no PROGBITS section flagged exactly alloc+exec */
    EBPF_ERR_RELOCATION,     /* a relocation the device cannot apply */
    EBPF_ERR_DATA_SECTION,   /* code refers to .data, .bss, .rodata or another section */
    EBPF_ERR_UNKNOWN_HELPER, /* a call to a helper name nobody registered */
    EBPF_ERR_BPF_CALL,       /* a BPF-to-BPF call (the device has none) */
    /* code validation */
    EBPF_ERR_PROGRAM_SIZE,   /* empty, not a multiple of 8 bytes, or 65,536 slots or more */
    EBPF_ERR_OPCODE,         /* not an eBPF v1/v2 instruction */
    EBPF_ERR_JMP32,          /* the JMP32 class (eBPF v3, clang -mcpu=v3) */
    EBPF_ERR_ATOMIC,         /* atomic memory operations */
    EBPF_ERR_REGISTER,       /* register number > 10, or r10 written */
    EBPF_ERR_JUMP,           /* jump target outside the program, into a lddw, or onto itself */
    EBPF_ERR_NO_EXIT,        /* the last instruction is not exit or an unconditional jump */
    EBPF_ERR_BAD_CALL,       /* call to an index with no registered helper */
    EBPF_ERR_DIV_ZERO,       /* division by a zero immediate (load) or register (run) */
    /* run */
    EBPF_ERR_OUT_OF_BOUNDS,  /* a load or store outside every allowed region */
    EBPF_ERR_BUDGET,         /* the instruction budget ran out */
    EBPF_ERR_HELPER_STOP,    /* a helper asked the VM to stop (ebpf_vm_stop) */
} ebpf_status;

/* The enumerator's name without the prefix, e.g. "ELF_CLASS"; "?" for unknown values. */
const char *ebpf_status_name(ebpf_status status);

/* Helpers get r1..r5 and return the new r0, exactly as on the board. To reach runtime
 * state, a helper calls ebpf_current_vm() and ebpf_vm_user(). */
typedef uint64_t (*ebpf_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                   uint64_t r5);

typedef struct ebpf_vm ebpf_vm;

ebpf_vm *ebpf_vm_create(void);
void ebpf_vm_destroy(ebpf_vm *vm);

/* An opaque pointer for helpers (the runtime's state). Not touched by the VM. */
void ebpf_vm_set_user(ebpf_vm *vm, void *user);
void *ebpf_vm_user(const ebpf_vm *vm);

/* The VM whose ebpf_vm_run is executing on this thread (NULL outside a run). Helpers
 * use it because the board's helper signature has no context argument. */
ebpf_vm *ebpf_current_vm(void);

/*
 * Run-time semantics where the Alkali VM and the eBPF standard (Linux kernel, current
 * upstream uBPF) differ. Loading is the same under both.
 *
 *                          ALKALI (default)                 STANDARD
 *  div/mod by a register   the run stops, EBPF_ERR_DIV_ZERO  div -> 0; mod -> dst unchanged
 *  holding 0                                                (32-bit: upper half cleared)
 *  jgt/jge/jlt/jle with    compares with the immediate      compares with the immediate
 *  an immediate            zero-extended to 64 bits         sign-extended to 64 bits
 *  32-bit lsh by n         (dst << (n & 63)) & 0xffffffff   (u32)dst << (n & 31)
 *
 * ALKALI reproduces what the fork's C code does on the board's Cortex-A53 (where integer
 * division by zero gives 0 instead of trapping and shift counts are taken modulo the
 * register width).
 */
typedef enum ebpf_flavor {
    EBPF_FLAVOR_ALKALI = 0,
    EBPF_FLAVOR_STANDARD = 1,
} ebpf_flavor;

ebpf_status ebpf_vm_set_flavor(ebpf_vm *vm, ebpf_flavor flavor);
ebpf_flavor ebpf_vm_flavor(const ebpf_vm *vm);

/*
 * Registers `fn` as helper `index` (0..63) under `name` (1..63 characters, copied).
 * Must precede loading: calls are resolved and checked when the program is loaded.
 * Registering an index again replaces it; a name already used by another index is
 * refused (EBPF_ERR_HELPER), so resolution by name is unambiguous.
 */
ebpf_status ebpf_vm_register_helper(ebpf_vm *vm, unsigned index, const char *name,
                                    ebpf_helper_fn fn);

/* The name registered at `index`, or NULL. */
const char *ebpf_vm_helper_name(const ebpf_vm *vm, unsigned index);

/*
 * Loads a relocatable eBPF ELF object from an untrusted buffer (copied; the buffer may
 * be freed afterwards). See elf_loader.c for the exact acceptance rules. On failure the
 * VM stays empty.
 */
ebpf_status ebpf_vm_load_elf(ebpf_vm *vm, const void *elf, size_t size, char *err,
                             size_t err_len);

/*
 * Loads raw bytecode (8-byte little-endian slots), validated like the code of an ELF
 * object. The board itself only loads ELF objects; this entry exists for tests and tools.
 */
ebpf_status ebpf_vm_load_code(ebpf_vm *vm, const void *code, size_t size, char *err,
                              size_t err_len);

/* Forgets the loaded program (helpers stay registered). */
void ebpf_vm_unload(ebpf_vm *vm);

/* Number of 8-byte instruction slots of the loaded program (0 if none), and the
 * relocated slots themselves (little-endian, as on the board), or NULL. */
size_t ebpf_vm_instruction_count(const ebpf_vm *vm);
const uint8_t *ebpf_vm_code(const ebpf_vm *vm);

/* The kept string section (the first alloc+merge+strings section) and its size. */
const uint8_t *ebpf_vm_rodata(const ebpf_vm *vm, size_t *size);

/*
 * Runs the loaded program with r1 = input, r2 = output, r3 = input_len, r10 = top of a
 * fresh zeroed 512-byte stack. `budget` is the most instructions to execute (a lddw
 * counts once); 0 means no limit. On success *r0 (if given) receives r0 at exit.
 *
 * Every load and store must fall entirely inside one allowed region: the stack (rw),
 * the input buffer (rw), the output buffer (rw), the kept string section (read-only) or
 * a region a helper added. Helper regions are dropped when the run ends.
 */
ebpf_status ebpf_vm_run(ebpf_vm *vm, void *input, size_t input_len, void *output,
                        size_t output_len, uint64_t budget, uint64_t *r0, char *err,
                        size_t err_len);

/* Instructions executed by the last run (also after a failed run). */
uint64_t ebpf_vm_executed(const ebpf_vm *vm);

/* The message of the last failure of any call on this VM ("" if none). */
const char *ebpf_vm_last_error(const ebpf_vm *vm);

/* Region permissions. */
#define EBPF_REGION_READ 1u
#define EBPF_REGION_WRITE 2u

/*
 * Makes [base, base+size) accessible to the program with `perms` (EBPF_REGION_*), until
 * ebpf_vm_remove_region or the end of the run. `name` (may be NULL) appears in error
 * messages. For helpers that hand out host memory (e.g. an accelerator buffer).
 */
ebpf_status ebpf_vm_add_region(ebpf_vm *vm, const void *base, size_t size, unsigned perms,
                               const char *name);
/* Removes the region that starts at `base` (EBPF_ERR_ARGUMENT if there is none). */
ebpf_status ebpf_vm_remove_region(ebpf_vm *vm, const void *base);

/*
 * Called by a helper to end the run: when the helper returns, ebpf_vm_run stops with
 * EBPF_ERR_HELPER_STOP and a message naming the helper, the pc and `reason`.
 * EBPF_ERR_STATE if the VM is not running.
 */
ebpf_status ebpf_vm_stop(ebpf_vm *vm, const char *reason);

/*
 * Disassembles the instruction at slot `pc` of `code` (`count` slots) into `buf`.
 * Returns the number of slots it occupies (2 for lddw, else 1), or 0 if `pc` is out
 * of range or the lddw is cut short (then `buf` holds an explanation). Never fails on
 * invalid opcodes: they print as ".invalid 0xNN ...". The syntax is uBPF's assembler
 * syntax with decimal immediates, e.g. "add64 r1, 5", "ldxw r2, [r1+4]",
 * "jgt r1, r2, +3", "lddw r0, 0x100000000", "call 1".
 */
size_t ebpf_disasm(const uint8_t *code, size_t count, size_t pc, char *buf, size_t buf_len);

/* The same for the loaded program, with helper names after calls ("call 1 ; print"). */
size_t ebpf_vm_disasm(const ebpf_vm *vm, size_t pc, char *buf, size_t buf_len);

#ifdef __cplusplus
}
#endif

#endif /* VTAC_EBPF_VM_H_ */
