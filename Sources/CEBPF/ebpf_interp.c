/*
 * ebpf_interp.c — executes validated code.
 *
 * Addresses are host addresses, as on the board: r1/r2 hold the buffers' real pointers,
 * r10 the top of a real stack, lddw relocations the real address of the string section.
 * Unlike the board (whose bounds checks are off), every load and store must lie wholly
 * inside one allowed region with the needed permission, or the run stops.
 *
 * Validation (ebpf_validate.c) guarantees: pc stays inside the code, a lddw's second
 * slot exists, calls name registered helpers, register numbers are <= 10 and r10 is
 * never a destination. So this loop checks none of that.
 */
#include <stdio.h>
#include <string.h>

#include "ebpf_internal.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the interpreter reads and writes memory in host order, which must be little-endian"
#endif

#define U32 0xffffffffull

typedef struct run {
    ebpf_vm *vm;
    ebpf_region fixed[4]; /* stack, input, output, string section */
    size_t fixed_count;
    size_t pc;
} run;

static bool inside(uintptr_t addr, size_t size, const ebpf_region *r) {
    return addr >= r->base && addr - r->base <= r->size && r->size - (addr - r->base) >= size;
}

/* Describes where a refused access fell, relative to the nearest region. */
static void describe_miss(const run *rn, uintptr_t addr, size_t size, bool write, char *buf,
                          size_t len) {
    const ebpf_vm *vm = rn->vm;
    const ebpf_region *best = NULL;
    uintptr_t best_distance = UINTPTR_MAX;
    for (size_t i = 0; i < rn->fixed_count + vm->region_count; i++) {
        const ebpf_region *r =
            i < rn->fixed_count ? &rn->fixed[i] : &vm->regions[i - rn->fixed_count];
        if (r->size == 0) continue;
        uintptr_t d;
        if (addr < r->base)
            d = r->base - addr;
        else if (addr - r->base >= r->size)
            d = addr - r->base - r->size;
        else
            d = 0;
        if (d < best_distance) {
            best_distance = d;
            best = r;
        }
    }
    if (best && inside(addr, size, best)) {
        snprintf(buf, len, "the %s is %s", best->name, write ? "read-only" : "write-only");
    } else if (best && best_distance < ((uintptr_t)1 << 20)) {
        const char *rel;
        uintptr_t n;
        if (addr < best->base) {
            rel = "before the start of";
            n = best->base - addr;
        } else if (addr - best->base >= best->size) {
            rel = "past the end of";
            n = addr - best->base - best->size;
        } else {
            rel = "of it past the end of";
            n = addr + size - (best->base + best->size);
        }
        snprintf(buf, len, "%llu byte%s %s the %s (%zu bytes at 0x%llx)", (unsigned long long)n,
                 n == 1 ? "" : "s", rel, best->name, best->size, (unsigned long long)best->base);
    } else {
        snprintf(buf, len, "not in the stack, the buffers, the string section or a helper region");
    }
}

/* The host pointer for an access, or NULL after setting the error. */
static void *access_ok(run *rn, uint64_t addr, size_t size, bool write) {
    unsigned need = write ? EBPF_REGION_WRITE : EBPF_REGION_READ;
    uintptr_t a = (uintptr_t)addr;
    if ((uint64_t)a == addr) {
        for (size_t i = 0; i < rn->fixed_count; i++)
            if ((rn->fixed[i].perms & need) && inside(a, size, &rn->fixed[i])) return (void *)a;
        const ebpf_vm *vm = rn->vm;
        for (size_t i = 0; i < vm->region_count; i++)
            if ((vm->regions[i].perms & need) && inside(a, size, &vm->regions[i])) return (void *)a;
    }
    char text[96], why[192];
    ebpf_vm_disasm(rn->vm, rn->pc, text, sizeof text);
    describe_miss(rn, a, size, write, why, sizeof why);
    ebpf_error(rn->vm, EBPF_ERR_OUT_OF_BOUNDS,
               "pc %zu (%s): out-of-bounds %zu-byte %s at address 0x%llx: %s", rn->pc, text, size,
               write ? "write" : "read", (unsigned long long)addr, why);
    return NULL;
}

static uint64_t load(const void *p, size_t size) {
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static void store(void *p, size_t size, uint64_t value) {
    switch (size) {
    case 1: *(uint8_t *)p = (uint8_t)value; break;
    case 2: { uint16_t v = (uint16_t)value; memcpy(p, &v, 2); break; }
    case 4: { uint32_t v = (uint32_t)value; memcpy(p, &v, 4); break; }
    default: memcpy(p, &value, 8); break;
    }
}

static const size_t access_size[4] = {4, 2, 1, 8}; /* indexed by (op & EBPF_SIZE_MASK) >> 3 */

static ebpf_status div_zero(run *rn) {
    char text[96];
    ebpf_vm_disasm(rn->vm, rn->pc, text, sizeof text);
    return ebpf_error(rn->vm, EBPF_ERR_DIV_ZERO,
                      "pc %zu (%s): division by zero (the Alkali VM stops the program here; "
                      "the STANDARD flavor would give %s)",
                      rn->pc, text,
                      ((rn->vm->insns[rn->pc].op & EBPF_OP_MASK) == EBPF_ALU_DIV)
                          ? "0" : "the dividend");
}

/* One ALU operation; returns false (with the error set) only for division by zero in
 * the ALKALI flavor. `src` is the operand: the register, or the immediate sign-extended. */
static bool alu(run *rn, ebpf_insn in, uint64_t *dst, uint64_t src, bool src_is_reg) {
    bool alkali = rn->vm->flavor == EBPF_FLAVOR_ALKALI;
    uint64_t d = *dst;
    if ((in.op & EBPF_CLS_MASK) == EBPF_CLS_ALU64) {
        switch (in.op & EBPF_OP_MASK) {
        case EBPF_ALU_ADD: d += src; break;
        case EBPF_ALU_SUB: d -= src; break;
        case EBPF_ALU_MUL: d *= src; break;
        case EBPF_ALU_DIV:
            if (src == 0 && src_is_reg && alkali) return false;
            d = src ? d / src : 0;
            break;
        case EBPF_ALU_OR: d |= src; break;
        case EBPF_ALU_AND: d &= src; break;
        case EBPF_ALU_LSH: d <<= (src & 63); break;
        case EBPF_ALU_RSH: d >>= (src & 63); break;
        case EBPF_ALU_NEG: d = 0 - d; break;
        case EBPF_ALU_MOD:
            if (src == 0 && src_is_reg && alkali) return false;
            d = src ? d % src : d;
            break;
        case EBPF_ALU_XOR: d ^= src; break;
        case EBPF_ALU_MOV: d = src; break;
        case EBPF_ALU_ARSH: d = (uint64_t)((int64_t)d >> (src & 63)); break;
        }
        *dst = d;
        return true;
    }
    /* 32-bit: operate on the low halves, zero the upper half of the result. The ALKALI
     * flavor tests the whole 64-bit source register for zero before dividing (as the
     * fork does); a divisor whose low half alone is zero then divides like on the A53. */
    uint32_t a = (uint32_t)d, b = (uint32_t)src;
    uint64_t r = 0;
    switch (in.op & EBPF_OP_MASK) {
    case EBPF_ALU_ADD: r = (uint32_t)(a + b); break;
    case EBPF_ALU_SUB: r = (uint32_t)(a - b); break;
    case EBPF_ALU_MUL: r = (uint32_t)(a * b); break;
    case EBPF_ALU_DIV:
        if (src == 0 && src_is_reg && alkali) return false;
        r = b ? a / b : 0;
        break;
    case EBPF_ALU_OR: r = a | b; break;
    case EBPF_ALU_AND: r = a & b; break;
    case EBPF_ALU_LSH:
        /* The fork shifts the 64-bit register, then masks: counts 32..63 give 0. */
        r = alkali ? (d << (src & 63)) & U32 : (uint32_t)(a << (b & 31));
        break;
    case EBPF_ALU_RSH: r = a >> (b & 31); break;
    case EBPF_ALU_NEG: r = (uint32_t)(0u - a); break;
    case EBPF_ALU_MOD:
        if (src == 0 && src_is_reg && alkali) return false;
        r = b ? a % b : a;
        break;
    case EBPF_ALU_XOR: r = a ^ b; break;
    case EBPF_ALU_MOV: r = b; break;
    case EBPF_ALU_ARSH: r = (uint32_t)((int32_t)a >> (b & 31)); break;
    case EBPF_ALU_END:
        switch (in.imm) {
        case 16: r = (in.op & EBPF_SRC_X) ? __builtin_bswap16((uint16_t)d) : (uint16_t)d; break;
        case 32: r = (in.op & EBPF_SRC_X) ? __builtin_bswap32((uint32_t)d) : (uint32_t)d; break;
        default: r = (in.op & EBPF_SRC_X) ? __builtin_bswap64(d) : d; break;
        }
        break;
    }
    *dst = r;
    return true;
}

static bool condition(const ebpf_vm *vm, ebpf_insn in, uint64_t a, uint64_t b) {
    switch (in.op & EBPF_OP_MASK) {
    case EBPF_JMP_JEQ: return a == b;
    case EBPF_JMP_JNE: return a != b;
    case EBPF_JMP_JSET: return (a & b) != 0;
    case EBPF_JMP_JSGT: return (int64_t)a > (int64_t)b;
    case EBPF_JMP_JSGE: return (int64_t)a >= (int64_t)b;
    case EBPF_JMP_JSLT: return (int64_t)a < (int64_t)b;
    case EBPF_JMP_JSLE: return (int64_t)a <= (int64_t)b;
    default: break;
    }
    /* Unsigned comparisons: the fork compares a register with (uint32_t)imm. */
    if (!(in.op & EBPF_SRC_X) && vm->flavor == EBPF_FLAVOR_ALKALI) b = (uint32_t)in.imm;
    switch (in.op & EBPF_OP_MASK) {
    case EBPF_JMP_JGT: return a > b;
    case EBPF_JMP_JGE: return a >= b;
    case EBPF_JMP_JLT: return a < b;
    default: return a <= b; /* JLE */
    }
}

ebpf_status ebpf_interpret(ebpf_vm *vm, void *input, size_t input_len, void *output,
                           size_t output_len, uint64_t budget, uint64_t *r0) {
    _Alignas(16) uint8_t stack[EBPF_STACK_SIZE];
    memset(stack, 0, sizeof stack);
    run rn = {.vm = vm, .fixed_count = 4, .pc = 0};
    rn.fixed[0] = (ebpf_region){(uintptr_t)stack, sizeof stack,
                                EBPF_REGION_READ | EBPF_REGION_WRITE, "stack"};
    rn.fixed[1] = (ebpf_region){(uintptr_t)input, input_len,
                                EBPF_REGION_READ | EBPF_REGION_WRITE, "input buffer"};
    rn.fixed[2] = (ebpf_region){(uintptr_t)output, output_len,
                                EBPF_REGION_READ | EBPF_REGION_WRITE, "output buffer"};
    rn.fixed[3] = (ebpf_region){(uintptr_t)vm->rodata, vm->rodata ? vm->rodata_size : 0,
                                EBPF_REGION_READ, "string section"};

    uint64_t reg[11] = {0};
    reg[1] = (uintptr_t)input;
    reg[2] = (uintptr_t)output;
    reg[3] = input_len; /* the fork's convention; upstream uBPF puts the length in r2 */
    reg[10] = (uintptr_t)stack + sizeof stack;

    const ebpf_insn *code = vm->insns;
    uint64_t executed = 0;
    size_t pc = 0;
    ebpf_status status = EBPF_OK;
    for (;;) {
        if (budget && executed >= budget) {
            status = ebpf_error(vm, EBPF_ERR_BUDGET,
                                "the instruction budget of %llu instructions ran out at pc %zu "
                                "(an endless loop?)",
                                (unsigned long long)budget, pc);
            break;
        }
        executed++;
        ebpf_insn in = code[pc];
        rn.pc = pc++;
        uint8_t cls = in.op & EBPF_CLS_MASK;

        if (cls == EBPF_CLS_ALU || cls == EBPF_CLS_ALU64) {
            bool x = (in.op & EBPF_SRC_X) && (in.op & EBPF_OP_MASK) != EBPF_ALU_END;
            uint64_t src = x ? reg[in.src] : (uint64_t)(int64_t)in.imm;
            if (!alu(&rn, in, &reg[in.dst], src, x)) {
                status = div_zero(&rn);
                break;
            }
            continue;
        }
        if (cls == EBPF_CLS_JMP) {
            switch (in.op) {
            case EBPF_OP_JA:
                pc += (size_t)(ptrdiff_t)in.off;
                continue;
            case EBPF_OP_EXIT:
                if (r0) *r0 = reg[0];
                vm->executed = executed;
                return EBPF_OK;
            case EBPF_OP_CALL: {
                vm->pc = (uint16_t)rn.pc;
                const ebpf_helper *h = &vm->helpers[in.imm];
                reg[0] = h->fn(reg[1], reg[2], reg[3], reg[4], reg[5]);
                if (vm->stop_requested) {
                    status = ebpf_error(vm, EBPF_ERR_HELPER_STOP,
                                        "helper '%s' (index %d) called at pc %zu stopped the run: "
                                        "%s",
                                        h->name, in.imm, rn.pc, vm->stop_reason);
                    goto out;
                }
                continue;
            }
            default: {
                uint64_t b = (in.op & EBPF_SRC_X) ? reg[in.src] : (uint64_t)(int64_t)in.imm;
                if (condition(vm, in, reg[in.dst], b)) pc += (size_t)(ptrdiff_t)in.off;
                continue;
            }
            }
        }
        if (in.op == EBPF_OP_LDDW) {
            reg[in.dst] = (uint64_t)(uint32_t)in.imm | ((uint64_t)(uint32_t)code[pc].imm << 32);
            pc++;
            continue;
        }
        size_t size = access_size[(in.op & EBPF_SIZE_MASK) >> 3];
        if (cls == EBPF_CLS_LDX) {
            void *p = access_ok(&rn, reg[in.src] + (uint64_t)(int64_t)in.off, size, false);
            if (!p) {
                status = EBPF_ERR_OUT_OF_BOUNDS;
                break;
            }
            reg[in.dst] = load(p, size);
        } else {
            void *p = access_ok(&rn, reg[in.dst] + (uint64_t)(int64_t)in.off, size, true);
            if (!p) {
                status = EBPF_ERR_OUT_OF_BOUNDS;
                break;
            }
            store(p, size, cls == EBPF_CLS_STX ? reg[in.src] : (uint64_t)(int64_t)in.imm);
        }
    }
out:
    vm->executed = executed;
    return status;
}
