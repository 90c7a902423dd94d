/*
 * ebpf_disasm.c — one instruction to text, in uBPF assembler syntax:
 *   add64 r1, r2      mov32 r0, -1      neg64 r3      be16 r1
 *   ldxw r0, [r1+4]   stxdw [r10-8], r1   stb [r2+0], 7   lddw r1, 0x100000000
 *   ja +3             jgt r1, 5, -2       call 1 ; print   exit
 * Immediates are signed decimal (as the instruction holds them); lddw constants are hex.
 * Anything else, JMP32 aside (printed with a 32 suffix, so refusals can show it), is
 * ".invalid" with its raw fields, so messages and `vtac inspect` never fail to print.
 */
#include <stdio.h>

#include "ebpf_internal.h"

static const char *const alu_names[16] = {"add", "sub", "mul", "div", "or",  "and",
                                          "lsh", "rsh", "neg", "mod", "xor", "mov",
                                          "arsh", NULL, NULL, NULL};
static const char *const jmp_names[16] = {"ja",  "jeq", "jgt", "jge",  "jset", "jne",
                                          "jsgt", "jsge", "call", "exit", "jlt", "jle",
                                          "jslt", "jsle", NULL,   NULL};
static const char *const size_names[4] = {"w", "h", "b", "dw"};

static void invalid(ebpf_insn in, char *buf, size_t len) {
    snprintf(buf, len, ".invalid 0x%02x (dst r%u, src r%u, off %d, imm %d)", in.op, in.dst, in.src,
             in.off, in.imm);
}

static void alu(ebpf_insn in, char *buf, size_t len) {
    unsigned op = (in.op & EBPF_OP_MASK) >> 4;
    const char *width = (in.op & EBPF_CLS_MASK) == EBPF_CLS_ALU64 ? "64" : "32";
    if ((in.op & EBPF_OP_MASK) == EBPF_ALU_END) {
        if ((in.op & EBPF_CLS_MASK) == EBPF_CLS_ALU)
            snprintf(buf, len, "%s%d r%u", (in.op & EBPF_SRC_X) ? "be" : "le", in.imm, in.dst);
        else
            invalid(in, buf, len);
        return;
    }
    if (!alu_names[op]) {
        invalid(in, buf, len);
    } else if ((in.op & EBPF_OP_MASK) == EBPF_ALU_NEG) {
        snprintf(buf, len, "neg%s r%u", width, in.dst);
    } else if (in.op & EBPF_SRC_X) {
        snprintf(buf, len, "%s%s r%u, r%u", alu_names[op], width, in.dst, in.src);
    } else {
        snprintf(buf, len, "%s%s r%u, %d", alu_names[op], width, in.dst, in.imm);
    }
}

static void jump(const ebpf_vm *vm, ebpf_insn in, char *buf, size_t len) {
    unsigned op = (in.op & EBPF_OP_MASK) >> 4;
    bool is32 = (in.op & EBPF_CLS_MASK) == EBPF_CLS_JMP32;
    if (!jmp_names[op]) {
        invalid(in, buf, len);
        return;
    }
    switch (in.op & EBPF_OP_MASK) {
    case EBPF_JMP_JA:
        snprintf(buf, len, "ja%s %+d", is32 ? "32" : "", is32 ? in.imm : in.off);
        return;
    case EBPF_JMP_EXIT:
        snprintf(buf, len, "exit");
        return;
    case EBPF_JMP_CALL: {
        const char *name = NULL;
        if (vm && in.src == 0 && in.imm >= 0 && in.imm < EBPF_MAX_HELPERS)
            name = ebpf_vm_helper_name(vm, (unsigned)in.imm);
        if (in.src == 1)
            snprintf(buf, len, "call %+d ; BPF-to-BPF", in.imm);
        else if (name)
            snprintf(buf, len, "call %d ; %s", in.imm, name);
        else
            snprintf(buf, len, "call %d", in.imm);
        return;
    }
    default:
        break;
    }
    if (in.op & EBPF_SRC_X)
        snprintf(buf, len, "%s%s r%u, r%u, %+d", jmp_names[op], is32 ? "32" : "", in.dst, in.src,
                 in.off);
    else
        snprintf(buf, len, "%s%s r%u, %d, %+d", jmp_names[op], is32 ? "32" : "", in.dst, in.imm,
                 in.off);
}

void ebpf_disasm_insn(const ebpf_vm *vm, ebpf_insn in, const ebpf_insn *next, char *buf,
                      size_t len) {
    uint8_t cls = in.op & EBPF_CLS_MASK;
    uint8_t mode = in.op & EBPF_MODE_MASK;
    const char *size = size_names[(in.op & EBPF_SIZE_MASK) >> 3];
    switch (cls) {
    case EBPF_CLS_ALU:
    case EBPF_CLS_ALU64:
        alu(in, buf, len);
        return;
    case EBPF_CLS_JMP:
    case EBPF_CLS_JMP32:
        jump(vm, in, buf, len);
        return;
    case EBPF_CLS_LD:
        if (in.op == EBPF_OP_LDDW && next) {
            uint64_t value = (uint64_t)(uint32_t)in.imm | ((uint64_t)(uint32_t)next->imm << 32);
            snprintf(buf, len, "lddw r%u, 0x%llx", in.dst, (unsigned long long)value);
        } else {
            invalid(in, buf, len);
        }
        return;
    case EBPF_CLS_LDX:
        if (mode == EBPF_MODE_MEM)
            snprintf(buf, len, "ldx%s r%u, [r%u%+d]", size, in.dst, in.src, in.off);
        else
            invalid(in, buf, len);
        return;
    case EBPF_CLS_ST:
        if (mode == EBPF_MODE_MEM)
            snprintf(buf, len, "st%s [r%u%+d], %d", size, in.dst, in.off, in.imm);
        else
            invalid(in, buf, len);
        return;
    default: /* STX */
        if (mode == EBPF_MODE_MEM)
            snprintf(buf, len, "stx%s [r%u%+d], r%u", size, in.dst, in.off, in.src);
        else
            invalid(in, buf, len);
        return;
    }
}
