/*
 * ebpf_validate.c — the checks run on (relocated) code before it may run.
 *
 * They follow the Alkali fork's validate(): the same opcode list, lddw as two slots
 * whose second has opcode 0, jump targets inside the program and not onto an opcode-0
 * slot nor onto the jump itself (offset -1, which the fork calls an infinite loop),
 * calls only to registered helper indices, no division by a zero immediate, src <= r10,
 * dst <= r9 except as a store's base. Like the fork, fields an instruction does not use
 * (src of an immediate ALU op, off of an ALU op in the fork) need not be 0; register
 * fields are range-checked all the same, and the second lddw slot only needs opcode 0.
 *
 * Stricter than the fork, because the fork would silently run these differently from
 * the eBPF meaning (or run off the end of the code):
 *  - an ALU instruction with a non-zero offset (eBPF v4 sdiv/smod/movsx; the fork
 *    ignores the offset and computes the unsigned/plain variant),
 *  - lddw with src_reg != 0 (map and function pseudo-loads; the fork loads the raw imm),
 *  - call with src_reg != 0 (BPF-to-BPF calls and kfuncs; the fork calls helper `imm`),
 *  - a program that is empty or whose last instruction is not exit or `ja` (the fork
 *    would execute whatever follows the code in memory).
 * The JMP32 class, atomics, sign-extending loads and legacy packet loads are refused by
 * both; we say which.
 */
#include <stdio.h>

#include "ebpf_internal.h"

/* Where an instruction is, for messages: "pc N (`disassembly`)", formatted only when a
 * check fails (validation of a large program must not print every instruction). */
typedef struct site {
    const ebpf_vm *vm;
    const uint8_t *code;
    size_t count;
    size_t pc;
    char text[160];
} site;

static const char *at_site(site *s) {
    char insn[96];
    ebpf_insn in = ebpf_decode(s->code + 8 * s->pc);
    ebpf_insn next;
    const ebpf_insn *pnext = NULL;
    if (s->pc + 1 < s->count) {
        next = ebpf_decode(s->code + 8 * (s->pc + 1));
        pnext = &next;
    }
    ebpf_disasm_insn(s->vm, in, pnext, insn, sizeof insn);
    snprintf(s->text, sizeof s->text, "pc %zu (%s)", s->pc, insn);
    return s->text;
}

static ebpf_status check_alu(ebpf_vm *vm, ebpf_insn in, site *at) {
    uint8_t op = in.op & EBPF_OP_MASK;
    bool is64 = (in.op & EBPF_CLS_MASK) == EBPF_CLS_ALU64;
    bool x = (in.op & EBPF_SRC_X) != 0;
    if (op > EBPF_ALU_END || (op == EBPF_ALU_NEG && x))
        return ebpf_error(vm, EBPF_ERR_OPCODE, "%s: unknown opcode 0x%02x", at_site(at), in.op);
    if (op == EBPF_ALU_END) {
        if (is64)
            return ebpf_error(vm, EBPF_ERR_OPCODE,
                              "%s: unconditional byte swap (bswap, opcode 0x%02x) is eBPF v4; "
                              "only le/be (opcodes 0xd4/0xdc) are supported",
                              at_site(at), in.op);
        if (in.imm != 16 && in.imm != 32 && in.imm != 64)
            return ebpf_error(vm, EBPF_ERR_OPCODE,
                              "%s: byte-swap width %d is invalid (16, 32 or 64)", at_site(at),
                              in.imm);
        return EBPF_OK;
    }
    if (in.off != 0) {
        const char *what = "a reserved offset field that must be 0";
        if ((op == EBPF_ALU_DIV || op == EBPF_ALU_MOD) && in.off == 1)
            what = "signed division (sdiv/smod, eBPF v4)";
        else if (op == EBPF_ALU_MOV)
            what = "a sign-extending move (movsx, eBPF v4)";
        return ebpf_error(vm, EBPF_ERR_OPCODE,
                          "%s: offset %d makes this %s, which is not supported", at_site(at),
                          in.off, what);
    }
    if ((op == EBPF_ALU_DIV || op == EBPF_ALU_MOD) && !x && in.imm == 0)
        return ebpf_error(vm, EBPF_ERR_DIV_ZERO, "%s: division by a zero immediate", at_site(at));
    return EBPF_OK;
}

static ebpf_status check_jump(ebpf_vm *vm, const uint8_t *code, size_t count, size_t pc,
                              ebpf_insn in, site *at) {
    uint8_t op = in.op & EBPF_OP_MASK;
    bool x = (in.op & EBPF_SRC_X) != 0;
    if (op == EBPF_JMP_EXIT || op == EBPF_JMP_CALL || op == EBPF_JMP_JA) {
        if (x)
            return ebpf_error(vm, EBPF_ERR_OPCODE, "%s: unknown opcode 0x%02x%s", at_site(at),
                              in.op, op == EBPF_JMP_CALL ? " (callx, an indirect call)" : "");
    } else if (op > EBPF_JMP_JSLE) {
        return ebpf_error(vm, EBPF_ERR_OPCODE, "%s: unknown opcode 0x%02x", at_site(at), in.op);
    }
    if (op == EBPF_JMP_EXIT) return EBPF_OK;
    if (op == EBPF_JMP_CALL) {
        if (in.src == 1)
            return ebpf_error(vm, EBPF_ERR_BPF_CALL,
                              "%s: a BPF-to-BPF call (src_reg 1, to pc %lld) is not supported: "
                              "the device only calls helpers; inline the function",
                              at_site(at), (long long)pc + 1 + in.imm);
        if (in.src != 0)
            return ebpf_error(vm, EBPF_ERR_BAD_CALL,
                              "%s: call with src_reg %u (a kfunc or other pseudo call) is not "
                              "supported; only helper calls (src_reg 0) are",
                              at_site(at), in.src);
        if (in.imm < 0 || in.imm >= EBPF_MAX_HELPERS || !vm->helpers[in.imm].fn)
            return ebpf_error(vm, EBPF_ERR_BAD_CALL,
                              "%s: no helper is registered at index %d (register helpers "
                              "before loading)",
                              at_site(at), in.imm);
        return EBPF_OK;
    }
    long long target = (long long)pc + 1 + in.off;
    if (in.off == -1)
        return ebpf_error(vm, EBPF_ERR_JUMP,
                          "%s: jump to itself (offset -1), which the Alkali loader refuses as "
                          "an infinite loop",
                          at_site(at));
    if (target < 0 || target >= (long long)count)
        return ebpf_error(vm, EBPF_ERR_JUMP,
                          "%s: jump target pc %lld is outside the program (pc 0..%zu)", at_site(at),
                          target, count - 1);
    if (code[8 * target] == 0)
        return ebpf_error(vm, EBPF_ERR_JUMP,
                          "%s: jump target pc %lld is the second slot of a lddw "
                          "(or holds no instruction)",
                          at_site(at), target);
    return EBPF_OK;
}

static ebpf_status check_memory(ebpf_vm *vm, ebpf_insn in, site *at) {
    uint8_t cls = in.op & EBPF_CLS_MASK;
    uint8_t mode = in.op & EBPF_MODE_MASK;
    if (mode == EBPF_MODE_MEM && cls != EBPF_CLS_LD) return EBPF_OK;
    if (cls == EBPF_CLS_STX && mode == EBPF_MODE_ATOMIC)
        return ebpf_error(vm, EBPF_ERR_ATOMIC,
                          "%s: atomic memory operations (opcode 0x%02x) are not supported",
                          at_site(at), in.op);
    if (cls == EBPF_CLS_LDX && mode == EBPF_MODE_MEMSX)
        return ebpf_error(vm, EBPF_ERR_OPCODE,
                          "%s: sign-extending loads (ldxs*, eBPF v4) are not supported",
                          at_site(at));
    if (cls == EBPF_CLS_LD && (mode == EBPF_MODE_ABS || mode == EBPF_MODE_IND))
        return ebpf_error(vm, EBPF_ERR_OPCODE,
                          "%s: legacy packet loads (ld_abs/ld_ind, opcode 0x%02x) are not "
                          "supported",
                          at_site(at), in.op);
    return ebpf_error(vm, EBPF_ERR_OPCODE, "%s: unknown opcode 0x%02x", at_site(at), in.op);
}

ebpf_status ebpf_validate(ebpf_vm *vm, const uint8_t *code, size_t count) {
    if (count == 0) return ebpf_error(vm, EBPF_ERR_PROGRAM_SIZE, "the program is empty");
    if (count > EBPF_MAX_INSTRUCTIONS)
        return ebpf_error(vm, EBPF_ERR_PROGRAM_SIZE,
                          "the program has %zu instructions; the device's 16-bit pc allows at "
                          "most %d",
                          count, EBPF_MAX_INSTRUCTIONS);
    site where = {vm, code, count, 0, {0}};
    site *at = &where;
    size_t last = 0;
    for (size_t pc = 0; pc < count; pc++) {
        ebpf_insn in = ebpf_decode(code + 8 * pc);
        uint8_t cls = in.op & EBPF_CLS_MASK;
        ebpf_status st = EBPF_OK;
        where.pc = pc;
        last = pc;
        switch (cls) {
        case EBPF_CLS_ALU:
        case EBPF_CLS_ALU64:
            st = check_alu(vm, in, at);
            break;
        case EBPF_CLS_JMP:
            st = check_jump(vm, code, count, pc, in, at);
            break;
        case EBPF_CLS_JMP32:
            st = ebpf_error(vm, EBPF_ERR_JMP32,
                            "%s: the JMP32 class (opcode 0x%02x, eBPF v3 / clang -mcpu=v3) is "
                            "not supported; compile with -mcpu=v2",
                            at_site(at), in.op);
            break;
        case EBPF_CLS_LD:
            if (in.op != EBPF_OP_LDDW) {
                st = check_memory(vm, in, at);
                break;
            }
            if (pc + 1 >= count) {
                st = ebpf_error(vm, EBPF_ERR_OPCODE, "%s: lddw is missing its second slot",
                                at_site(at));
                break;
            }
            if (code[8 * (pc + 1)] != 0) {
                st = ebpf_error(vm, EBPF_ERR_OPCODE,
                                "%s: the second slot of lddw has opcode 0x%02x (must be 0)",
                                at_site(at), code[8 * (pc + 1)]);
                break;
            }
            if (in.src != 0)
                st = ebpf_error(vm, EBPF_ERR_OPCODE,
                                "%s: lddw with src_reg %u (a map or function pseudo-load) is "
                                "not supported",
                                at_site(at), in.src);
            break;
        default: /* LDX, ST, STX */
            st = check_memory(vm, in, at);
            break;
        }
        if (st != EBPF_OK) return st;
        if (in.src > 10)
            return ebpf_error(vm, EBPF_ERR_REGISTER, "%s: invalid source register r%u", at_site(at),
                              in.src);
        bool store = cls == EBPF_CLS_ST || cls == EBPF_CLS_STX;
        if (in.dst > 10)
            return ebpf_error(vm, EBPF_ERR_REGISTER, "%s: invalid destination register r%u",
                              at_site(at), in.dst);
        if (in.dst == 10 && !store)
            return ebpf_error(vm, EBPF_ERR_REGISTER,
                              "%s: r10 (the frame pointer) is read-only; it may only be a "
                              "store's base register",
                              at_site(at));
        if (in.op == EBPF_OP_LDDW) pc++; /* skip the second slot */
    }
    uint8_t op = code[8 * last];
    if (op != EBPF_OP_EXIT && op != EBPF_OP_JA) {
        where.pc = last;
        return ebpf_error(vm, EBPF_ERR_NO_EXIT,
                          "the last instruction, %s, is not exit or an unconditional jump: "
                          "execution could run past the end of the code",
                          at_site(at));
    }
    return EBPF_OK;
}
