import Foundation
import TestSupport
import Testing

/// `vtac asm` and `vtac disasm` as a user runs them: text → words → text → identical words.
@Suite struct AsmDisasmCommandTests {
    static let listing = """
        # a double-buffered fragment: every field kind, every memory type that LOAD takes
        LOAD   UOP      sram=0 dram=0x40 y=1 x=2 stride=2
        LOAD   INP      sram=0 dram=0x100 y=4 x=8 stride=8 pad=1,1,1,1 deps=push_next
        LOAD   WGT      sram=0 dram=0x20 y=1 x=1 stride=1
        LOAD   ACC      sram=16 dram=0x300 y=1 x=16 stride=16 deps=pop_prev
        GEMM            reset=0 uop=0:2 iter=4,2 dst=16,1 src=16,1 wgt=0,0
        ALU    SHR      uop=0:1 iter=1,16 dst=0,1 src=0,1 imm=-3
        ALU    MAX      uop=0:1 iter=1,16 dst=0,1 src=0,1 imm=-128 deps=push_next
        STORE  OUT      sram=0 dram=0x2000 y=1 x=16 stride=16 deps=pop_prev
        FINISH
        UOP    dst=0 src=16 wgt=0
        UOP    dst=1 src=17 wgt=1

        """

    func temp(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vtac-asm-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    @Test(arguments: ["alkali", "cloud"])
    func roundTripsByteForByte(target: String) throws {
        let source = temp("p.s")
        try Self.listing.write(toFile: source, atomically: true, encoding: .utf8)
        let insn = temp("p.insn")
        let uop = temp("p.uop")
        let asm = try VTACRunner.run(["asm", source, "-o", insn, "--uops-out", uop, "--target", target])
        try #require(asm.status == 0, "\(asm.stderr)")
        let words = try Fixtures.bytes(insn)
        #expect(words.count == 9 * 16)
        #expect(try Fixtures.bytes(uop).count == 2 * 4)
        // FINISH is opcode 3 in the low bits of the last word, with no flags.
        #expect(words[8 * 16] == 3)

        let disasm = try VTACRunner.run(["disasm", insn, "--uops", uop, "--target", target])
        try #require(disasm.status == 0, "\(disasm.stderr)")
        #expect(disasm.stdout.contains("ALU    SHR"))
        #expect(disasm.stdout.contains("imm=-3"))
        let again = temp("again.s")
        try disasm.stdout.write(toFile: again, atomically: true, encoding: .utf8)
        let insn2 = temp("again.insn")
        let uop2 = temp("again.uop")
        let asm2 = try VTACRunner.run(["asm", again, "-o", insn2, "--uops-out", uop2, "--target", target])
        try #require(asm2.status == 0, "\(asm2.stderr)")
        #expect(try Fixtures.bytes(insn2) == words)
        #expect(try Fixtures.bytes(uop2) == Fixtures.bytes(uop))
    }

    @Test func assemblerErrorsNameTheLineAndWriteNothing() throws {
        let source = temp("bad.s")
        try "LOAD INP sram=0 dram=0x100 y=4 x=8 stride=8\nGEMM uop=0:1 iter=20000,1\n".write(
            toFile: source, atomically: true, encoding: .utf8)
        let out = temp("bad.insn")
        let run = try VTACRunner.run(["asm", source, "-o", out])
        #expect(run.status == 65)
        #expect(run.stderr.hasPrefix("vtac: error: \(source): "))
        #expect(run.stderr.contains("2"), "the message should name line 2: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func truncatedInstructionFileIsRefused() throws {
        let path = try Fixtures.temporaryFile([UInt8](repeating: 0, count: 20), name: "short.insn")
        let run = try VTACRunner.run(["disasm", path])
        #expect(run.status == 65)
        #expect(run.stderr.hasPrefix("vtac: error: \(path): "))
    }

    @Test func unknownTargetIsBadInput() throws {
        let path = try Fixtures.temporaryFile([UInt8](repeating: 0, count: 16), name: "a.insn")
        let run = try VTACRunner.run(["disasm", path, "--target", "no-such-target"])
        #expect(run.status == 65)
        #expect(run.stderr.contains("no-such-target"))
    }

    @Test func targetsAreListed() throws {
        let run = try VTACRunner.run(["targets"])
        #expect(run.status == 0)
        for name in ["alkali", "pynq", "fsim", "cloud"] {
            #expect(run.stdout.split(separator: "\n").contains { $0.hasPrefix(name + " ") })
        }
    }
}
