import CEBPF
import Testing

/// The checks on code before it runs, on hand-assembled programs.
@Suite struct ValidatorTests {
    func load(_ program: [[Insn]]) -> Outcome {
        let vm = TestVM()
        vm.registerTestHelpers()
        return vm.loadCode(program)
    }

    func expectRefused(
        _ program: [[Insn]], _ status: ebpf_status, _ words: String...,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let result = load(program)
        #expect(result.status == status, "\(result.message)", sourceLocation: sourceLocation)
        for word in words {
            #expect(result.message.contains(word), "\(result.message)", sourceLocation: sourceLocation)
        }
    }

    @Test func acceptsAMinimalProgram() {
        #expect(load([Asm.mov(0, 1), Asm.exit()]).ok)
        #expect(load([Asm.mov(0, 1), Asm.ja(-2)]).ok)  // ends in an unconditional jump
    }

    @Test func refusesJumpsOutOfRange() {
        expectRefused(
            [Asm.jump(.jeq, 1, imm: 0, 5), Asm.exit()], EBPF_ERR_JUMP, "pc 0 (jeq r1, 0, +5)",
            "target pc 6 is outside the program (pc 0..1)")
        expectRefused([Asm.mov(0, 0), Asm.ja(-3), Asm.exit()], EBPF_ERR_JUMP, "target pc -1")
        expectRefused([Asm.ja(1), Asm.exit()], EBPF_ERR_JUMP, "target pc 2")
    }

    @Test func refusesAJumpIntoALddw() {
        expectRefused(
            [Asm.ja(1), Asm.lddw(0, 5), Asm.exit()], EBPF_ERR_JUMP, "second slot of a lddw")
    }

    @Test func refusesAJumpToItself() {
        expectRefused([Asm.mov(0, 0), Asm.ja(-1), Asm.exit()], EBPF_ERR_JUMP, "itself", "infinite loop")
    }

    @Test func refusesUnknownOpcodes() {
        for op: UInt8 in [0x00, 0xff, 0x8c, 0x0d, 0x95 | 0x08, 0xe4, 0x20, 0x02] {
            let result = load([[Insn(op: op)], Asm.exit()])
            #expect(result.status == EBPF_ERR_OPCODE, "0x\(String(op, radix: 16)): \(result.message)")
            #expect(result.message.contains("pc 0"))
        }
        expectRefused([[Insn(op: 0x30)], Asm.exit()], EBPF_ERR_OPCODE, "legacy packet loads")
        expectRefused([[Insn(op: 0x81, dst: 1, src: 1)], Asm.exit()], EBPF_ERR_OPCODE, "sign-extending")
        expectRefused([[Insn(op: 0x8d, src: 1)], Asm.exit()], EBPF_ERR_OPCODE, "callx")
    }

    @Test func refusesEBPFv4ALUForms() {
        expectRefused([[Insn(op: 0x3f, dst: 1, src: 2, off: 1)], Asm.exit()], EBPF_ERR_OPCODE, "sdiv")
        expectRefused([[Insn(op: 0xbf, dst: 1, src: 2, off: 8)], Asm.exit()], EBPF_ERR_OPCODE, "movsx")
        expectRefused([[Insn(op: 0xd7, dst: 1, imm: 16)], Asm.exit()], EBPF_ERR_OPCODE, "bswap")
        expectRefused([Asm.le(1, 8), Asm.exit()], EBPF_ERR_OPCODE, "byte-swap width 8")
    }

    @Test func refusesJMP32() {
        expectRefused(
            [[Insn(op: 0x16, dst: 1, off: 0, imm: 3)], Asm.exit()], EBPF_ERR_JMP32, "JMP32",
            "jeq32 r1, 3, +0")
    }

    @Test func refusesAtomics() {
        expectRefused([[Insn(op: 0xdb, dst: 10, src: 1, off: -8)], Asm.exit()], EBPF_ERR_ATOMIC, "atomic")
        expectRefused([[Insn(op: 0xc3, dst: 10, src: 1, off: -8)], Asm.exit()], EBPF_ERR_ATOMIC, "atomic")
    }

    @Test func checksRegisters() {
        expectRefused([Asm.mov(10, 1), Asm.exit()], EBPF_ERR_REGISTER, "r10", "read-only")
        expectRefused([Asm.ldx(.dw, 10, 1, 0), Asm.exit()], EBPF_ERR_REGISTER, "r10")
        expectRefused([Asm.mov(0, reg: 11), Asm.exit()], EBPF_ERR_REGISTER, "source register r11")
        expectRefused([Asm.mov(12, 0), Asm.exit()], EBPF_ERR_REGISTER, "destination register r12")
        // r10 as a store's base and as a source is fine.
        #expect(
            load([Asm.stx(.dw, 10, -8, 1), Asm.st(.b, 10, -1, imm: 1), Asm.mov(0, reg: 10), Asm.exit()]).ok)
    }

    @Test func requiresAnExitAtTheEnd() {
        expectRefused([Asm.mov(0, 1)], EBPF_ERR_NO_EXIT, "mov64 r0, 1", "run past the end")
        expectRefused([Asm.mov(0, 1), Asm.jump(.jeq, 0, imm: 1, -2)], EBPF_ERR_NO_EXIT)
        expectRefused([Asm.exit(), Asm.lddw(0, 1)], EBPF_ERR_NO_EXIT, "lddw")
    }

    @Test func checksTheLddwPair() {
        expectRefused([Asm.exit(), [Asm.lddw(0, 1)[0]]], EBPF_ERR_OPCODE, "missing its second slot")
        expectRefused(
            [[Asm.lddw(0, 1)[0], Insn(op: 0x95)], Asm.exit()], EBPF_ERR_OPCODE, "second slot of lddw")
        expectRefused(
            [[Insn(op: 0x18, dst: 1, src: 1), Insn(op: 0)], Asm.exit()], EBPF_ERR_OPCODE, "pseudo-load")
    }

    @Test func checksProgramSize() {
        expectRefused([], EBPF_ERR_PROGRAM_SIZE, "empty")
        let vm = TestVM()
        let odd = vm.loadCode(bytes: Asm.bytes([Asm.exit()]) + [0])
        #expect(odd.status == EBPF_ERR_PROGRAM_SIZE && odd.message.contains("9 bytes"))
        let largest = [[Insn]](repeating: Asm.mov(0, 1), count: 65534) + [Asm.exit()]
        #expect(load(largest).ok)
        expectRefused(
            [[Insn]](repeating: Asm.mov(0, 1), count: 65535) + [Asm.exit()], EBPF_ERR_PROGRAM_SIZE,
            "65536 instructions")
    }

    @Test func refusesDivisionByAZeroImmediate() {
        for op: UInt8 in [0x37, 0x97, 0x34, 0x94] {
            let result = load([[Insn(op: op, dst: 1)], Asm.exit()])
            #expect(result.status == EBPF_ERR_DIV_ZERO)
            #expect(result.message.contains("division by a zero immediate"))
        }
    }

    @Test func checksCalls() {
        expectRefused([Asm.call(2), Asm.exit()], EBPF_ERR_BAD_CALL, "no helper is registered at index 2")
        expectRefused([Asm.call(64), Asm.exit()], EBPF_ERR_BAD_CALL, "index 64")
        expectRefused([Asm.call(-1), Asm.exit()], EBPF_ERR_BAD_CALL, "index -1")
        expectRefused([[Insn(op: 0x85, src: 1, imm: 0)], Asm.exit()], EBPF_ERR_BPF_CALL, "BPF-to-BPF")
        expectRefused([[Insn(op: 0x85, src: 2, imm: 1)], Asm.exit()], EBPF_ERR_BAD_CALL, "src_reg 2")
        #expect(load([Asm.call(1), Asm.exit()]).ok)
    }
}
