import Foundation
import TestSupport
import Testing

/// `vtac sim`: a hand-written stream runs on the reference simulator and gives the result
/// computed here by hand.
@Suite struct SimCommandTests {
    /// Image at 0x1000: 16 inputs at +0, a 16x16 weight tile at +256 (diagonal 2 or -1), the
    /// output at +0x800. The micro-ops land at 0x2000 (the next 4 KiB boundary after 0x1900).
    static let program = """
        LOAD   UOP  sram=0 dram=0x800 y=1 x=1 stride=1
        LOAD   INP  sram=0 dram=0x100 y=1 x=1 stride=1
        LOAD   WGT  sram=0 dram=0x11 y=1 x=1 stride=1 deps=push_next
        GEMM        reset=1 uop=0:1 iter=1,1
        GEMM        uop=0:1 iter=1,1 deps=pop_prev,push_next
        STORE  OUT  sram=0 dram=0x180 y=1 x=1 stride=1 deps=pop_prev,push_prev
        FINISH      deps=pop_next
        UOP dst=0 src=0 wgt=0

        """

    static func inputs() -> [Int] { (0..<16).map { $0 * 9 - 60 } }

    func files(program: String = program) throws -> (insn: String, uop: String, image: String) {
        var image = [UInt8](repeating: 0, count: 0x900)
        for (i, x) in Self.inputs().enumerated() { image[i] = UInt8(truncatingIfNeeded: x) }
        for o in 0..<16 { image[256 + o * 16 + o] = o % 2 == 0 ? 2 : 0xFF }
        let source = try Fixtures.temporaryFile(Array(program.utf8), name: "s.s")
        let dir = URL(fileURLWithPath: source).deletingLastPathComponent()
        let insn = dir.appendingPathComponent("s.insn").path
        let uop = dir.appendingPathComponent("s.uop").path
        let asm = try VTACRunner.run(["asm", source, "-o", insn, "--uops-out", uop])
        try #require(asm.status == 0, "\(asm.stderr)")
        let imagePath = dir.appendingPathComponent("image.bin").path
        try Data(image).write(to: URL(fileURLWithPath: imagePath))
        return (insn, uop, imagePath)
    }

    @Test func gemmThroughTheSimulator() throws {
        let (insn, uop, image) = try files()
        let out = URL(fileURLWithPath: image).deletingLastPathComponent().appendingPathComponent("out.bin")
            .path
        let run = try VTACRunner.run([
            "sim", "--insn", insn, "--uops", uop, "--dram", image, "-o", out, "--dump", "0x1800:16", "--json",
        ])
        try #require(run.status == 0, "\(run.stderr)")
        let expected = Self.inputs().enumerated().map { i, x in
            UInt8(truncatingIfNeeded: x * (i % 2 == 0 ? 2 : -1))
        }
        #expect(try Fixtures.bytes(out) == expected)
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(report["macs"] as? Int == 256)
        #expect(report["gemm_uop_iterations"] as? Int == 1)
        // Every buffer is addressed at element 0 only (micro-op slot 0 included).
        #expect(report["sram_high_water"] as? [String: Int] == ["UOP": 1, "INP": 1, "WGT": 1, "ACC": 1])
        #expect((report["modelled_cycles"] as? Int ?? 0) > 0)
    }

    @Test func wholeImageIsTheDefaultOutput() throws {
        let (insn, uop, image) = try files()
        let out = URL(fileURLWithPath: image).deletingLastPathComponent().appendingPathComponent("all.bin")
            .path
        let run = try VTACRunner.run(["sim", "--insn", insn, "--uops", uop, "--dram", image, "-o", out])
        try #require(run.status == 0, "\(run.stderr)")
        let bytes = try Fixtures.bytes(out)
        #expect(bytes.count == 0x900)
        #expect(bytes[0x800] == UInt8(truncatingIfNeeded: -120))
    }

    @Test func deadlockedStreamIsBadInput() throws {
        // GEMM pops a token no load ever pushes.
        let (insn, uop, image) = try files(
            program: Self.program.replacingOccurrences(of: "deps=push_next\n", with: "\n"))
        let out = URL(fileURLWithPath: image).deletingLastPathComponent().appendingPathComponent("x.bin").path
        let run = try VTACRunner.run(["sim", "--insn", insn, "--uops", uop, "--dram", image, "-o", out])
        #expect(run.status == 65)
        #expect(run.stderr.contains("the simulator stopped"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func dumpOutsideMemoryIsBadInput() throws {
        let (insn, uop, image) = try files()
        let out = URL(fileURLWithPath: image).deletingLastPathComponent().appendingPathComponent("y.bin").path
        let run = try VTACRunner.run([
            "sim", "--insn", insn, "--uops", uop, "--dram", image, "-o", out, "--dump", "0x90000000:16",
        ])
        #expect(run.status == 65)
        #expect(run.stderr.contains("--dump"))
    }
}
