import Lowering
import TestSupport
import Testing
import VTATarget

/// The stream builder and the token pass on a two-layer matrix chain: layer 2 reads what
/// layer 1 stored, through DRAM, with the SRAM buffers reused. Correct under the simulator's
/// eager schedule (which breaks any missing dependency) and accepted by the verifier.
@Suite struct TokenInsertionTests {
    /// The suite's generator with the draws the lowering tests use.
    struct RNG {
        var source: SplitMix64

        init(state: UInt64) { source = SplitMix64(seed: state) }

        init(seed text: String) { source = SplitMix64(seed: text) }

        mutating func next() -> Int { Int(truncatingIfNeeded: source.next() >> 33) }
        mutating func int8() -> Int8 { Int8(truncatingIfNeeded: next()) }
    }

    /// y[b][o] = clamp(Σ_k w[o][k]·x[b][k] + bias[o] >> shift, -128, 127) for o < outDepth, with
    /// the output's padding lanes 0 (their weights and bias are 0).
    static func reference(x: [[Int8]], w: [[Int8]], bias: [Int32], shift: Int) -> [[Int8]] {
        x.map { row in
            w.enumerated().map { o, weights in
                let acc = zip(weights, row).reduce(Int(bias[o])) { $0 + Int($1.0) * Int($1.1) }
                return Int8(max(-128, min(127, acc >> shift)))
            }
        }
    }

    /// Emits one matrix layer: inputs `rows` × `inBlocks` INP elements at activations+inOffset,
    /// weight tiles [outBlocks][inBlocks] at constants+wOffset, bias (outBlocks ACC elements) at
    /// constants+bOffset; output to activations+outOffset.
    static func matrixLayer(
        _ b: inout StreamBuilder, rows: Int, inBlocks: Int, outBlocks: Int, inOffset: Int, wOffset: Int,
        bOffset: Int,
        outOffset: Int, shift: Int
    ) {
        let config = b.config
        var kernel: [MicroOp] = []
        for r in 0..<rows {
            for ob in 0..<outBlocks {
                kernel.append(MicroOp(dst: r * outBlocks + ob, src: r * inBlocks, wgt: ob * inBlocks))
            }
        }
        let gemmUops = b.loadKernel(kernel, at: 0)
        b.load(
            .weight, sram: 0, region: .constants, byteOffset: wOffset, rows: 1, columns: outBlocks * inBlocks,
            stride: 0)
        b.load(
            .input, sram: 0, region: .activations, byteOffset: inOffset, rows: 1, columns: rows * inBlocks,
            stride: 0)
        // Every row starts from the bias: the same outBlocks vectors, rows times (stride 0).
        b.load(
            .accumulator, sram: 0, region: .constants, byteOffset: bOffset, rows: rows, columns: outBlocks,
            stride: 0)
        b.gemm(uops: gemmUops, iterOut: inBlocks, iterIn: 1, dst: (0, 0), src: (1, 0), wgt: (1, 0))
        let aluUop = b.loadKernel([MicroOp(dst: 0, src: 0)], at: kernel.count)
        let n = rows * outBlocks
        b.alu(.shr, uops: aluUop, iterOut: n, iterIn: 1, dst: (1, 0), src: (1, 0), immediate: shift)
        b.alu(.max, uops: aluUop, iterOut: n, iterIn: 1, dst: (1, 0), src: (1, 0), immediate: -128)
        b.alu(.min, uops: aluUop, iterOut: n, iterIn: 1, dst: (1, 0), src: (1, 0), immediate: 127)
        b.store(sram: 0, region: .activations, byteOffset: outOffset, rows: 1, columns: n, stride: 0)
        _ = config
    }

    @Test(arguments: ["alkali", "fsim"], [false, true])
    func twoChainedLayers(targetName: String, eager: Bool) throws {
        let target = try Target.load(name: targetName)
        let config = target.config
        let block = config.blockIn
        var rng = RNG(state: 77)
        let rows = 3
        let (k1, o1, o2) = (40, 20, 9)
        let (kb1, ob1, ob2) = ((k1 + block - 1) / block, (o1 + block - 1) / block, (o2 + block - 1) / block)
        let x = (0..<rows).map { _ in (0..<k1).map { _ in rng.int8() } }
        let w1 = (0..<o1).map { _ in (0..<k1).map { _ in rng.int8() } }
        let w2 = (0..<o2).map { _ in (0..<o1).map { _ in rng.int8() } }
        let b1 = (0..<o1).map { _ in Int32(rng.next() % 20000 - 10000) }
        let b2 = (0..<o2).map { _ in Int32(rng.next() % 20000 - 10000) }
        let y1 = Self.reference(x: x, w: w1, bias: b1, shift: 7)
        let y2 = Self.reference(x: y1, w: w2, bias: b2, shift: 6)

        // Constants: weight tiles (WGT elements), then biases (ACC elements).
        let wgtBytes = config.dramElementBytes(.weight)
        let accBytes = config.dramElementBytes(.accumulator)
        func tiles(_ w: [[Int8]], outBlocks: Int, inBlocks: Int) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: outBlocks * inBlocks * block * block)
            for (o, row) in w.enumerated() {
                for (i, v) in row.enumerated() {
                    let tile = (o / block) * inBlocks + i / block
                    bytes[(tile * block + o % block) * block + i % block] = UInt8(bitPattern: v)
                }
            }
            return bytes
        }
        func vectors(_ bias: [Int32], blocks: Int) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: blocks * block * 4)
            for (o, v) in bias.enumerated() {
                for byte in 0..<4 { bytes[o * 4 + byte] = UInt8(truncatingIfNeeded: v >> (8 * byte)) }
            }
            return bytes
        }
        var constants = tiles(w1, outBlocks: ob1, inBlocks: kb1)
        let w2Offset = constants.count
        constants += tiles(w2, outBlocks: ob2, inBlocks: ob1)
        let b1Offset = (constants.count + accBytes - 1) / accBytes * accBytes
        constants += [UInt8](repeating: 0, count: b1Offset - constants.count) + vectors(b1, blocks: ob1)
        let b2Offset = constants.count
        constants += vectors(b2, blocks: ob2)
        #expect(w2Offset % wgtBytes == 0)

        // Activations: x packed [row][kblock][lane] at 0, y1 at 4096, y2 at 8192.
        var activations = [UInt8](repeating: 0, count: 12288)
        for r in 0..<rows {
            for (i, v) in x[r].enumerated() { activations[r * kb1 * block + i] = UInt8(bitPattern: v) }
        }

        var builder = StreamBuilder(config: config)
        Self.matrixLayer(
            &builder, rows: rows, inBlocks: kb1, outBlocks: ob1, inOffset: 0, wOffset: 0, bOffset: b1Offset,
            outOffset: 4096, shift: 7)
        Self.matrixLayer(
            &builder, rows: rows, inBlocks: ob1, outBlocks: ob2, inOffset: 4096, wOffset: w2Offset,
            bOffset: b2Offset,
            outOffset: 8192, shift: 6)
        let program = SegmentProgram(builder)

        let harness = SimulatorHarness(target: target, eager: eager)
        harness.region(.constants, size: constants.count, bytes: constants)
        harness.region(.activations, size: activations.count, bytes: activations)
        try harness.run(program)
        let out = harness.read(.activations, offset: 8192, count: rows * ob2 * block)
        for r in 0..<rows {
            for o in 0..<o2 {
                #expect(Int8(bitPattern: out[r * ob2 * block + o]) == y2[r][o], "row \(r) out \(o)")
            }
        }

        // The static verifier agrees that the stream is safe.
        let report = harness.verify(
            program, sizes: [.constants: constants.count, .activations: activations.count])
        #expect(report.isSafe, "\(report.findings)")

        // As `vtac compile` checks it (canonical region layout): safe, and unsafe once the
        // activations region is too small for the last store (y2 at 8192).
        var sizes: [StreamRegion: Int] = [.constants: constants.count, .activations: activations.count]
        let bases = SegmentProgram.canonicalBases(
            regionSizes: sizes, uopCount: program.uops.count, config: config)
        #expect(program.verification(target: target, bases: bases, regionSizes: sizes).isSafe)
        sizes[.activations] = 8192
        let small = program.verification(target: target, bases: bases, regionSizes: sizes)
        #expect(!small.isSafe)
    }

    /// Without a conflict nothing waits: a load into a buffer nobody reads carries no token,
    /// which is what lets double buffering overlap; only the epilogue orders the last load.
    @Test func independentInstructionsGetNoTokens() {
        var b = StreamBuilder(config: .tvmDefault)
        b.load(.input, sram: 0, region: .activations, byteOffset: 0, rows: 1, columns: 4, stride: 4)
        b.load(.input, sram: 100, region: .activations, byteOffset: 4096, rows: 1, columns: 4, stride: 4)
        let program = SegmentProgram(b)
        #expect(program.instructions[0].deps.isEmpty)
        // Epilogue: the last load pushes to a no-op that waits for it, then FINISH without pops.
        #expect(program.instructions.count == 4)
        #expect(program.instructions[1].deps == .pushNext)
        #expect(program.instructions[2].deps == .popPrev)
        if case .finish(let f) = program.instructions[3] {
            #expect(f.deps.isEmpty)
        } else {
            Issue.record("no FINISH")
        }
    }
}
