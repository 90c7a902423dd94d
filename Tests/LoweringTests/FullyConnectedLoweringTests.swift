import Lowering
import Partitioning
import Testing
import VTATarget

/// FULLY_CONNECTED lowered to GEMM gives the direct dot products, including the one-row,
/// one-block classifiers that need partial accumulators for the hazard rule.
@Suite struct FullyConnectedLoweringTests {
    @Test(arguments: [
        (1, 64, 10, "alkali"), (1, 256, 10, "alkali"), (3, 40, 20, "alkali"), (1, 17, 3, "alkali"),
        (2, 300, 70, "fsim"), (1, 48, 16, "alkali"), (1, 100, 5, "cloud"), (4, 8, 1, "alkali"),
    ])
    func matchesDirectProducts(rows: Int, depth: Int, units: Int, targetName: String) throws {
        let target = try Target.load(name: targetName)
        let config = target.config
        var rng = TokenInsertionTests.RNG(state: UInt64(rows * 1000 + depth * 10 + units))
        let x = (0..<(rows * depth)).map { _ in rng.int8() }
        let weights = (0..<(units * depth)).map { _ in rng.int8() }
        let bias = (0..<units).map { _ in Int32(rng.next() % 8000 - 4000) }
        let shift = 8
        let packed = ConstantPacking.fullyConnected(weights, shape: [units, depth], config: config)
        var constants = packed.bytes.map { UInt8(bitPattern: $0) }
        let accBytes = config.dramElementBytes(.accumulator)
        let biasOffset = (constants.count + accBytes - 1) / accBytes * accBytes
        constants += [UInt8](repeating: 0, count: biasOffset - constants.count)
        var biasBytes = [UInt8](repeating: 0, count: packed.outBlocks * accBytes)
        for (o, v) in bias.enumerated() {
            for byte in 0..<4 { biasBytes[o * 4 + byte] = UInt8(truncatingIfNeeded: v >> (8 * byte)) }
        }
        constants += biasBytes
        let inLayout = PackedLayout(shape: [rows, depth], config: config)
        let outLayout = PackedLayout(shape: [rows, units], config: config)
        var activations = [UInt8](repeating: 0, count: 4096 + outLayout.byteCount)
        for r in 0..<rows {
            for k in 0..<depth {
                activations[inLayout.offset(n: r, y: 0, x: 0, c: k)] = UInt8(bitPattern: x[r * depth + k])
            }
        }
        let layer = FullyConnectedLayer(
            rows: rows, inputBlocks: packed.inBlocks, outputBlocks: packed.outBlocks, inputOffset: 0,
            outputOffset: 4096,
            weightsOffset: 0, biasOffset: biasOffset)
        var builder = StreamBuilder(config: config)
        try FullyConnectedLowering.emit(
            layer, into: &builder, requantizer: ShiftRequantizer(shift: shift, zeroPoint: 0))
        let program = SegmentProgram(builder)
        for eager in [false, true] {
            let harness = SimulatorHarness(target: target, eager: eager)
            harness.region(.constants, size: constants.count, bytes: constants)
            harness.region(.activations, size: activations.count, bytes: activations)
            try harness.run(program)
            let out = harness.read(.activations, offset: 4096, count: outLayout.byteCount)
            for r in 0..<rows {
                for o in 0..<units {
                    let acc = (0..<depth).reduce(Int(bias[o])) {
                        $0 + Int(weights[o * depth + $1]) * Int(x[r * depth + $1])
                    }
                    let expected = Int8(max(-128, min(127, acc >> shift)))
                    #expect(
                        Int8(bitPattern: out[outLayout.offset(n: r, y: 0, x: 0, c: o)]) == expected,
                        "row \(r) unit \(o)")
                }
            }
            if !eager {
                let report = harness.verify(
                    program, sizes: [.constants: constants.count, .activations: activations.count])
                #expect(report.isSafe, "\(report.errors.prefix(3))")
            }
        }
    }
}
