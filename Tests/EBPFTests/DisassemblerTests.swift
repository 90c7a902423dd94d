import CEBPF
import Testing

@Suite struct DisassemblerTests {
    func text(_ program: [[Insn]], pc: Int = 0) -> (String, Int) {
        let bytes = Asm.bytes(program)
        var buf = [CChar](repeating: 0, count: 128)
        let used = ebpf_disasm(bytes, bytes.count / 8, pc, &buf, buf.count)
        return (cString(buf), used)
    }

    @Test func printsUBPFAssemblerSyntax() {
        let cases: [([Insn], String)] = [
            (Asm.alu(.add, is64: true, 1, reg: 2), "add64 r1, r2"),
            (Asm.alu(.sub, is64: false, 3, imm: -7), "sub32 r3, -7"),
            (Asm.alu(.neg, is64: true, 4, imm: 0), "neg64 r4"),
            (Asm.alu(.arsh, is64: false, 5, imm: 3), "arsh32 r5, 3"),
            (Asm.le(1, 16), "le16 r1"),
            (Asm.be(2, 64), "be64 r2"),
            (Asm.ldx(.w, 0, 1, 4), "ldxw r0, [r1+4]"),
            (Asm.ldx(.dw, 0, 10, -8), "ldxdw r0, [r10-8]"),
            (Asm.st(.b, 2, 0, imm: 7), "stb [r2+0], 7"),
            (Asm.stx(.h, 10, -2, 3), "stxh [r10-2], r3"),
            (Asm.ja(-3), "ja -3"),
            (Asm.jump(.jgt, 1, imm: 5, 2), "jgt r1, 5, +2"),
            (Asm.jump(.jsle, 1, reg: 9, -4), "jsle r1, r9, -4"),
            (Asm.call(1), "call 1"),
            (Asm.exit(), "exit"),
            ([Insn(op: 0x16, dst: 1, off: 2, imm: 3)], "jeq32 r1, 3, +2"),
            (
                [Insn(op: 0xdb, dst: 1, src: 2, off: -8, imm: 1)],
                ".invalid 0xdb (dst r1, src r2, off -8, imm 1)"
            ),
        ]
        for (insn, expected) in cases {
            #expect(text([insn]) == (expected, 1))
        }
    }

    @Test func printsLddwAsOneInstructionOfTwoSlots() {
        #expect(text([Asm.lddw(3, 0x1_0000_0002)]) == ("lddw r3, 0x100000002", 2))
        let (message, used) = text([[Asm.lddw(3, 1)[0]]])
        #expect(used == 0 && message.contains("second slot missing"))
        #expect(text([Asm.exit()], pc: 1).1 == 0)
    }

    @Test func namesHelpersOfTheLoadedProgram() {
        let vm = TestVM()
        vm.registerTestHelpers()
        #expect(vm.loadCode([Asm.call(1), Asm.call(7), Asm.exit()]).ok)
        #expect(vm.disassemble(0) == "call 1 ; print")
        #expect(vm.disassemble(1) == "call 7 ; report")
        #expect(vm.disassemble(3).contains("outside the program"))
    }
}
