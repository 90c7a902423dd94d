import Lowering
import Partitioning
import TFLiteArithmetic
import Testing
import VTATarget

/// ADD lowered to GEMM digits and ALU shifts gives TFLite's int8 ADD (the reference the CPU
/// kernel tests cross-check) on every element, with halos, several planes and tiles, narrow
/// rows, on stock and extended cores and BLOCK 32; with the default tiling and the one the
/// cycle-model search picks.
@Suite struct AddLoweringTests {
    struct Case: CustomStringConvertible, Sendable {
        var h: Int, w: Int, c: Int
        var halos: [Padding2DHalo] = [.none, .none, .none]
        var target = "alkali"
        var scales: (Float, Float, Float) = (0.031, 0.017, 0.043)
        var zeroPoints: (Int32, Int32, Int32) = (3, -9, 1)
        var activation: FusedActivation = .none
        var description: String {
            "\(h)x\(w)x\(c) \(target) \(activation) halos \(halos.map { "\($0.top)\($0.bottom)\($0.left)\($0.right)" })"
        }
    }

    static let halo1 = Padding2DHalo(top: 1, bottom: 1, left: 1, right: 1)
    static let cases: [Case] = [
        Case(h: 8, w: 8, c: 16),
        Case(
            h: 32, w: 32, c: 16, halos: [halo1, .none, Padding2DHalo(top: 0, bottom: 1, left: 0, right: 1)]),
        Case(h: 5, w: 7, c: 130, halos: [.none, halo1, .none], activation: .relu),
        Case(h: 5, w: 1, c: 17, halos: [.none, .none, halo1], activation: .relu6),
        Case(h: 1, w: 2, c: 40),
        Case(h: 1, w: 3, c: 16, scales: (0.5, 0.5, 1), zeroPoints: (0, 0, 0)),
        Case(h: 9, w: 9, c: 40, halos: [halo1, halo1, halo1], target: "cloud", activation: .relu),
        Case(h: 6, w: 6, c: 20, target: "fsim", scales: (0.2, 0.002, 0.05), zeroPoints: (-128, 127, -5)),
    ]

    @Test(arguments: cases)
    func matchesReference(c: Case) throws {
        let target = try Target.load(name: c.target)
        let config = target.config
        let q = try AddQuantization(
            input1: TensorQuantization(scale: c.scales.0, zeroPoint: c.zeroPoints.0),
            input2: TensorQuantization(scale: c.scales.1, zeroPoint: c.zeroPoints.1),
            output: TensorQuantization(scale: c.scales.2, zeroPoint: c.zeroPoints.2), activation: c.activation
        )
        let rule = try #require(
            AddLinearRule.find(for: q, maxWeightMagnitude: ElementwiseAdd.maxWeightMagnitude))
        var rng = TokenInsertionTests.RNG(state: UInt64(c.description.utf8.count * 7919 + c.c))
        let count = c.h * c.w * c.c
        let x1 = (0..<count).map { _ in rng.int8() }
        let x2 = (0..<count).map { _ in rng.int8() }
        let layouts = c.halos.map { PackedLayout(shape: [1, c.h, c.w, c.c], config: config, halo: $0) }
        // Inputs then output, each at a 4 KiB boundary; halos and channel padding hold garbage.
        var activations: [UInt8] = []
        var offsets: [Int] = []
        for layout in layouts {
            offsets.append(activations.count)
            activations += (0..<((layout.byteCount + 4095) / 4096 * 4096)).map { _ in
                UInt8(bitPattern: rng.int8())
            }
        }
        for (k, x) in [x1, x2].enumerated() {
            for y in 0..<c.h {
                for xx in 0..<c.w {
                    for ch in 0..<c.c {
                        activations[offsets[k] + layouts[k].offset(n: 0, y: y, x: xx, c: ch)] = UInt8(
                            bitPattern: x[(y * c.w + xx) * c.c + ch])
                    }
                }
            }
        }
        let tiles = AddLowering.digitTiles(rule, config: config)
        var constants = tiles + [UInt8](repeating: 0, count: (4096 - tiles.count % 4096) % 4096)
        let constantOffset = constants.count
        constants += Self.accumulatorVector(Int32(rule.constant), config)
        let operands = (0..<3).map { PackedOperand(offset: offsets[$0], halo: c.halos[$0]) }
        let layer = AddLayer(
            planes: layouts[0].channelBlocks, height: c.h, width: c.w, input1: operands[0],
            input2: operands[1],
            output: operands[2], rule: rule, tilesOffset: 0,
            constantOffset: AddLowering.immediateConstant(rule) == nil ? constantOffset : nil)
        // The default tiling and the one the cycle-model search picks (no slower than it).
        let chosen = AddLowering.chooseTileCount(layer, target: target)
        var programs: [SegmentProgram] = []
        for tiles in [nil, chosen] {
            var builder = StreamBuilder(config: config)
            try AddLowering.emit(layer, into: &builder, tiles: tiles)
            programs.append(SegmentProgram(builder))
        }
        let cycles = try programs.map { try target.timing(of: $0.instructions).totalCycles }
        #expect(cycles[1] <= cycles[0], "\(c): \(chosen) tiles \(cycles[1]) cycles, default \(cycles[0])")
        for (program, eager) in [
            (programs[0], false), (programs[0], true), (programs[1], false), (programs[1], true),
        ] {
            let harness = SimulatorHarness(target: target, eager: eager)
            harness.region(.constants, size: constants.count, bytes: constants)
            harness.region(.activations, size: activations.count, bytes: activations)
            try harness.run(program)
            let out = harness.read(.activations, offset: offsets[2], count: layouts[2].byteCount)
            var mismatches = 0
            for y in 0..<c.h {
                for xx in 0..<c.w {
                    for ch in 0..<c.c {
                        let i = (y * c.w + xx) * c.c + ch
                        let got = Int8(bitPattern: out[layouts[2].offset(n: 0, y: y, x: xx, c: ch)])
                        if got != q.reference(x1[i], x2[i]) { mismatches += 1 }
                    }
                }
            }
            #expect(mismatches == 0, "\(c) eager=\(eager): \(mismatches) of \(count) differ (\(rule))")
            if !eager {
                let report = harness.verify(
                    program, sizes: [.constants: constants.count, .activations: activations.count])
                #expect(report.isSafe, "\(c): \(report.errors.prefix(3))")
            }
        }
    }

    /// One ACC vector with `value` in every lane (what the lowering's caller appends).
    static func accumulatorVector(_ value: Int32, _ config: HardwareConfig) -> [UInt8] {
        ConstantsRegion.accumulatorVectors(
            [Int32](repeating: value, count: config.blockOut), lanes: config.blockOut, batch: config.batch)
    }

    @Test func digitsAreBalancedBase256() {
        for w in [0, 1, 127, 128, 255, 256, 32_767, 178_963, 429_312, (1 << 22) - 1] {
            let d = AddLowering.digits(w)
            #expect(d.allSatisfy { (-128...127).contains($0) }, "\(w): \(d)")
            #expect(d.reversed().reduce(0) { $0 * 256 + $1 } == w, "\(w): \(d)")
        }
        #expect(AddLowering.digits(128) == [-128, 1])
    }

    @Test func tooFewVectorsIsRefused() throws {
        let q = try AddQuantization(
            input1: TensorQuantization(scale: 0.031, zeroPoint: 0),
            input2: TensorQuantization(scale: 0.017, zeroPoint: 0),
            output: TensorQuantization(scale: 0.043, zeroPoint: 0), activation: .none)
        let rule = try #require(AddLinearRule.find(for: q))
        let none = PackedOperand(offset: 0, halo: .none)
        let layer = AddLayer(
            planes: 1, height: 1, width: 2, input1: none, input2: none, output: none, rule: rule,
            tilesOffset: 0,
            constantOffset: 0)
        var builder = StreamBuilder(config: .tvmDefault)
        #expect(throws: LoweringError.self) { try AddLowering.emit(layer, into: &builder) }
    }
}
