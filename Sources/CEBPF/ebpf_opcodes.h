/*
 * ebpf_opcodes.h — the eBPF instruction encoding (private to CEBPF).
 *
 * An instruction is one 8-byte slot: opcode (8 bits), dst register (low 4 bits of
 * byte 1), src register (high 4 bits), signed 16-bit offset, signed 32-bit immediate,
 * all little-endian. lddw takes two slots; the second carries the upper 32 bits of the
 * constant in its immediate and has opcode 0.
 */
#ifndef VTAC_EBPF_OPCODES_H_
#define VTAC_EBPF_OPCODES_H_

#include <stdint.h>

/* Instruction classes (low 3 bits). */
#define EBPF_CLS_MASK 0x07
#define EBPF_CLS_LD 0x00
#define EBPF_CLS_LDX 0x01
#define EBPF_CLS_ST 0x02
#define EBPF_CLS_STX 0x03
#define EBPF_CLS_ALU 0x04
#define EBPF_CLS_JMP 0x05
#define EBPF_CLS_JMP32 0x06
#define EBPF_CLS_ALU64 0x07

/* ALU and JMP: operation in the high 4 bits, source in bit 3. */
#define EBPF_OP_MASK 0xf0
#define EBPF_SRC_X 0x08 /* operand is src register (K: the immediate) */

#define EBPF_ALU_ADD 0x00
#define EBPF_ALU_SUB 0x10
#define EBPF_ALU_MUL 0x20
#define EBPF_ALU_DIV 0x30
#define EBPF_ALU_OR 0x40
#define EBPF_ALU_AND 0x50
#define EBPF_ALU_LSH 0x60
#define EBPF_ALU_RSH 0x70
#define EBPF_ALU_NEG 0x80
#define EBPF_ALU_MOD 0x90
#define EBPF_ALU_XOR 0xa0
#define EBPF_ALU_MOV 0xb0
#define EBPF_ALU_ARSH 0xc0
#define EBPF_ALU_END 0xd0

#define EBPF_JMP_JA 0x00
#define EBPF_JMP_JEQ 0x10
#define EBPF_JMP_JGT 0x20
#define EBPF_JMP_JGE 0x30
#define EBPF_JMP_JSET 0x40
#define EBPF_JMP_JNE 0x50
#define EBPF_JMP_JSGT 0x60
#define EBPF_JMP_JSGE 0x70
#define EBPF_JMP_CALL 0x80
#define EBPF_JMP_EXIT 0x90
#define EBPF_JMP_JLT 0xa0
#define EBPF_JMP_JLE 0xb0
#define EBPF_JMP_JSLT 0xc0
#define EBPF_JMP_JSLE 0xd0

/* Loads and stores: mode in the high 3 bits, size in bits 3-4. */
#define EBPF_MODE_MASK 0xe0
#define EBPF_MODE_IMM 0x00
#define EBPF_MODE_ABS 0x20
#define EBPF_MODE_IND 0x40
#define EBPF_MODE_MEM 0x60
#define EBPF_MODE_MEMSX 0x80
#define EBPF_MODE_ATOMIC 0xc0
#define EBPF_SIZE_MASK 0x18
#define EBPF_SIZE_W 0x00
#define EBPF_SIZE_H 0x08
#define EBPF_SIZE_B 0x10
#define EBPF_SIZE_DW 0x18

/* The opcodes the interpreter switches on. */
#define EBPF_OP_LDDW 0x18
#define EBPF_OP_LE 0xd4
#define EBPF_OP_BE 0xdc
#define EBPF_OP_JA 0x05
#define EBPF_OP_CALL 0x85
#define EBPF_OP_EXIT 0x95

#define EBPF_OP_LDXW 0x61
#define EBPF_OP_LDXH 0x69
#define EBPF_OP_LDXB 0x71
#define EBPF_OP_LDXDW 0x79
#define EBPF_OP_STW 0x62
#define EBPF_OP_STH 0x6a
#define EBPF_OP_STB 0x72
#define EBPF_OP_STDW 0x7a
#define EBPF_OP_STXW 0x63
#define EBPF_OP_STXH 0x6b
#define EBPF_OP_STXB 0x73
#define EBPF_OP_STXDW 0x7b

/* One decoded slot. */
typedef struct ebpf_insn {
    uint8_t op;
    uint8_t dst;
    uint8_t src;
    int16_t off;
    int32_t imm;
} ebpf_insn;

static inline ebpf_insn ebpf_decode(const uint8_t *slot) {
    ebpf_insn in;
    in.op = slot[0];
    in.dst = slot[1] & 0x0f;
    in.src = (uint8_t)(slot[1] >> 4);
    in.off = (int16_t)(uint16_t)(slot[2] | (slot[3] << 8));
    in.imm = (int32_t)((uint32_t)slot[4] | ((uint32_t)slot[5] << 8) | ((uint32_t)slot[6] << 16) |
                       ((uint32_t)slot[7] << 24));
    return in;
}

static inline void ebpf_put_imm(uint8_t *slot, uint32_t imm) {
    slot[4] = (uint8_t)imm;
    slot[5] = (uint8_t)(imm >> 8);
    slot[6] = (uint8_t)(imm >> 16);
    slot[7] = (uint8_t)(imm >> 24);
}

#endif /* VTAC_EBPF_OPCODES_H_ */
