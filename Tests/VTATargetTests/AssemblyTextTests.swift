import Testing
import VTATarget

@Suite("Assembly text")
struct AssemblyTextTests {
    @Test func linesNameEveryField() {
        let load = Instruction.load(
            MemoryInstruction(
                memoryType: .input, sramBase: 0, dramBase: 0x100, ySize: 4, xSize: 8, xStride: 8,
                yPad0: 1, yPad1: 1, xPad0: 1, xPad1: 1, deps: [.popNext, .pushNext]))
        #expect(
            AssemblyText.line(for: load)
                == "LOAD   INP      sram=0 dram=0x100 y=4 x=8 stride=8 pad=1,1,1,1 deps=pop_next,push_next")
        let gemm = Instruction.gemm(
            GemmInstruction(
                loop: UopLoop(
                    uopBegin: 0, uopEnd: 9, iterOut: 4, iterIn: 2, dstFactorOut: 16, dstFactorIn: 1),
                deps: []))
        #expect(
            AssemblyText.line(for: gemm)
                == "GEMM            reset=0 uop=0:9 iter=4,2 dst=16,1 src=0,0 wgt=0,0 deps=none")
        let alu = Instruction.alu(
            AluInstruction(
                opcode: .shr, loop: UopLoop(uopBegin: 3, uopEnd: 4), useImmediate: true, immediate: -8))
        #expect(
            AssemblyText.line(for: alu)
                == "ALU    SHR      reset=0 uop=3:4 iter=1,1 dst=0,0 src=0,0 use_imm=1 imm=-8 deps=none")
        #expect(AssemblyText.line(for: .finish(FinishInstruction())) == "FINISH          deps=none")
        #expect(AssemblyText.line(for: MicroOp(dst: 1, src: 2, wgt: 3)) == "UOP    dst=1 src=2 wgt=3")
    }

    @Test func randomStreamsRoundTrip() throws {
        for (config, seed) in [
            (HardwareConfig.tvmDefault, UInt64(7)), (try shippedTarget("cloud").config, 8),
        ] {
            var random = RandomInstructions(config: config, seed: seed)
            let stream = (0..<3000).map { _ in random.next() }
            let text = disassemble(stream)
            #expect(try assemble(text) == stream)
            #expect(try assemble(text, config: config) == stream)
            #expect(try assemble(AssemblyText.disassemble(stream, numbered: true)) == stream)
            let uops = (0..<500).map { _ in random.uop() }
            #expect(
                try AssemblyText.assembleUops(AssemblyText.disassemble(uops: uops), config: config) == uops)
        }
    }

    @Test func handWrittenTextWithDefaultsAndComments() throws {
        let text = """
            # a tiny stream
            load inp sram=0 dram=0x10 y=1 x=4 stride=4     ; pad and deps default to zero
            LOAD UOP sram=0 dram=0b100 y=1 x=1 stride=1
            GEMM uop=0:1 iter=1,4 dst=0,1 src=0,1 deps=pop_prev
            ALU SHR uop=0:1 iter=1,4 dst=0,1 src=0,1 imm=3
            ALU ADD uop=0:1 iter=1,4 dst=0,1 src=0,1 use_imm=0 imm=-5

            FINISH
            """
        let stream = try assemble(text, config: .tvmDefault)
        #expect(stream.count == 6)
        guard case .load(let load) = stream[0], case .load(let uop) = stream[1],
            case .gemm(let gemm) = stream[2],
            case .alu(let shr) = stream[3], case .alu(let add) = stream[4]
        else {
            Issue.record("unexpected kinds \(stream)")
            return
        }
        #expect(load.memoryType == .input && load.dramBase == 16 && !load.hasPadding && load.deps == [])
        #expect(uop.memoryType == .uop && uop.dramBase == 4)
        #expect(gemm.deps == [.popPrev] && gemm.loop.iterIn == 4 && gemm.wgtFactorOut == 0)
        #expect(shr.useImmediate && shr.immediate == 3)
        #expect(!add.useImmediate && add.immediate == -5)
    }

    /// Each malformed line fails with the line number and a precise problem.
    @Test(arguments: [
        (
            "FINISH\nLAOD INP sram=0",
            "line 2: unknown mnemonic 'LAOD' (expected LOAD, STORE, GEMM, ALU, FINISH or UOP)"
        ),
        (
            "LOAD sram=0 dram=0 y=1 x=1 stride=1",
            "line 1: LOAD needs a memory type (UOP, WGT, INP, ACC, OUT, ACC_8BIT) right after the mnemonic"
        ),
        (
            "LOAD XYZ sram=0",
            "line 1: LOAD: unknown operand 'XYZ' (expected one of UOP, WGT, INP, ACC, OUT, ACC_8BIT)"
        ),
        ("LOAD INP sram=0 dram=0 y=1 x=1", "line 1: LOAD is missing field 'stride'"),
        ("LOAD INP sram=0 dram=0 y=1 x=1 stride=1 sram=2", "line 1: field 'sram' is given twice"),
        (
            "LOAD INP sram=0 dram=0 y=1 x=1 stride=1 pad=1,1",
            "line 1: field 'pad': '1,1' is not 4 comma-separated integers"
        ),
        (
            "\n\nGEMM uop=0:1 iter=1,1 wgts=0,0",
            "line 3: GEMM has no field 'wgts' (fields: reset, uop, iter, dst, src, wgt, deps)"
        ),
        ("GEMM uop=0-1 iter=1,1", "line 1: field 'uop': '0-1' is not a range begin:end (end exclusive)"),
        ("GEMM uop=0:1 iter=1,1 reset=2", "line 1: field 'reset': '2' is not 0 or 1"),
        (
            "ALU ADD uop=0:1 iter=1,x",
            "line 1: field 'iter': 'x' is not an integer (decimal, 0x hex or 0b binary)"
        ),
        (
            "LOAD INP sram=-1 dram=0 y=1 x=1 stride=1",
            "line 1: field 'sram': '-1' is not a non-negative integer"
        ),
        (
            "FINISH deps=pop_nxt",
            "line 1: field 'deps': 'pop_nxt' is not none or a comma-separated list of pop_prev, pop_next, push_prev, push_next"
        ),
        ("FINISH deps pop_next", "line 1: 'deps' is not of the form field=value (no spaces inside a value)"),
        (
            "LOAD INP sram=0 dram=0 y=1 x=70000 stride=1",
            "line 1: x_size = 70000 does not fit its field (0...65535)"
        ),
        ("ALU SHR uop=0:1 iter=1,1 imm=40000", "line 1: imm = 40000 does not fit its field (-32768...32767)"),
        (
            "FINISH\nUOP dst=0 src=0 wgt=0",
            "line 2: UOP does not belong here: this listing holds instructions (assemble micro-ops separately)"
        ),
    ])
    func errorsNameLineAndProblem(text: String, message: String) {
        do {
            _ = try assemble(text, config: .tvmDefault)
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func uopListingErrors() {
        #expect(throws: AssemblyError.missingField(line: 1, mnemonic: "UOP", field: "wgt")) {
            try AssemblyText.assembleUops("UOP dst=0 src=0")
        }
        #expect(throws: AssemblyError.wrongListing(line: 2, found: "GEMM", expected: "micro-ops (UOP lines)"))
        {
            try AssemblyText.assembleUops("UOP dst=0 src=0 wgt=0\nGEMM uop=0:1 iter=1,1")
        }
        #expect(throws: AssemblyError.self) {
            try AssemblyText.assembleUops("UOP dst=2048 src=0 wgt=0", config: .tvmDefault)
        }
    }
}
