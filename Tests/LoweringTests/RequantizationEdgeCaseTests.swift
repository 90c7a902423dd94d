import Lowering
import TFLiteArithmetic
import Testing
import VTATarget

/// Corner cases of the planner: exhaustive small ranges, constant outputs, ties, refusals.
@Suite struct RequantizationEdgeCaseTests {
    static let targets = ["alkali", "fsim", "cloud"]

    /// Every accumulator of a small range, on both profiles.
    @Test(arguments: targets)
    func exhaustiveSmallRange(targetName: String) throws {
        let target = try Target.load(name: targetName)
        var rng = RequantRNG(seed: 99)
        for trial in 0..<6 {
            let channels = 5
            let floatScale = trial % 2 == 1
            var spec = RequantCases.spec(&rng, channels: channels, floatScale: floatScale)
            spec.accumulatorBounds = [-3000...3000]
            if case .doubleRounding(let ms) = spec.rounding {
                // Scales large enough that the small range spans many outputs.
                spec.rounding = .doubleRounding(
                    ms.map {
                        QuantizedMultiplier(multiplier: $0.multiplier, shift: Int32(rng.int(-7...(-1))))
                    })
            } else {
                spec.rounding = .floatScale((0..<channels).map { _ in 0.5 / Double(rng.int(1...40)) })
            }
            let plan = try RequantizationPlan(spec: spec, target: target)
            for c in 0..<channels {
                for acc in Int32(-3000)...3000 {
                    let got = plan.emulate(acc, channel: c)
                    let expected = spec.reference(acc, channel: c)
                    guard got == expected else {
                        Issue.record("\(plan.route) channel \(c) acc \(acc): \(got) ≠ \(expected)")
                        return
                    }
                }
            }
        }
    }

    /// Exact ties of FULLY_CONNECTED's rounding (acc · s = k + 1/2) go away from zero.
    @Test(arguments: targets)
    func fullyConnectedTies(targetName: String) throws {
        let target = try Target.load(name: targetName)
        for scale in [0.5, 0.25, 3.0 / 1024, 0.1, 1.0 / 3] {
            let spec = RequantizationSpec(
                rounding: .floatScale([scale]), outputZeroPoint: -3, channels: 3,
                accumulatorBounds: [-100_000...100_000])
            let plan = try RequantizationPlan(spec: spec, target: target)
            for c in 0..<3 {
                for acc in Int32(-2000)...2000 {
                    #expect(
                        plan.emulate(acc, channel: c) == spec.reference(acc, channel: c),
                        "scale \(scale) acc \(acc)")
                }
            }
            if scale == 0.5 {
                // 1 · 0.5 and −1 · 0.5 are ties: away from zero, then the zero point −3.
                #expect(spec.reference(1, channel: 0) == -2 && spec.reference(-1, channel: 0) == -4)
            }
        }
    }

    /// Constant outputs: a multiplier flushed to zero, a one-value activation range, a range of
    /// one accumulator.
    @Test(arguments: targets)
    func constantChannels(targetName: String) throws {
        let target = try Target.load(name: targetName)
        let flushed = RequantizationSpec(
            rounding: .doubleRounding([QuantizedMultiplier(1e-12)]), outputZeroPoint: 7, channels: 20,
            accumulatorBounds: [-1_000_000...1_000_000])
        let pinned = RequantizationSpec(
            rounding: .doubleRounding([QuantizedMultiplier(0.01)]), outputZeroPoint: 127, activationMin: 127,
            activationMax: 127, channels: 20, accumulatorBounds: [-1_000_000...1_000_000])
        let single = RequantizationSpec(
            rounding: .floatScale([0.013]), outputZeroPoint: 0, channels: 20, accumulatorBounds: [4321...4321]
        )
        for spec in [flushed, pinned, single] {
            let plan = try RequantizationPlan(spec: spec, target: target)
            #expect(plan.route == "constant")
            for c in 0..<20 {
                for acc: Int32 in [-1_000_000, -1, 0, 1, 4321, 1_000_000] {
                    let b = spec.accumulatorBounds[0]
                    guard b.contains(Int64(acc)) else { continue }
                    #expect(plan.emulate(acc, channel: c) == spec.reference(acc, channel: c))
                }
            }
        }
    }

    /// A mix: some channels constant, some not.
    @Test(arguments: targets)
    func mixedConstantChannels(targetName: String) throws {
        let target = try Target.load(name: targetName)
        var ms = (0..<18).map { QuantizedMultiplier(0.0003 * Double($0 + 1)) }
        ms[3] = QuantizedMultiplier(multiplier: 0, shift: 0)
        var bounds = [ClosedRange<Int64>](repeating: -400_000...400_000, count: 18)
        bounds[7] = -5...5
        let spec = RequantizationSpec(
            rounding: .doubleRounding(ms), outputZeroPoint: -20, activationMin: -20, activationMax: 127,
            channels: 18, accumulatorBounds: bounds)
        let plan = try RequantizationPlan(spec: spec, target: target)
        var rng = RequantRNG(seed: 5)
        for c in 0..<18 {
            for acc in RequantCases.accumulators(spec, channel: c, random: 300, rng: &rng) {
                #expect(plan.emulate(Int32(acc), channel: c) == spec.reference(Int32(acc), channel: c))
            }
        }
    }

    /// What cannot be reproduced is refused with the reason.
    @Test func refusals() throws {
        let target = try Target.load(name: "alkali")
        // shift > 0: TFLite's acc · 2^shift overflows int32 within the bound.
        let overflow = RequantizationSpec(
            rounding: .doubleRounding([QuantizedMultiplier(multiplier: 1 << 30, shift: 3)]),
            outputZeroPoint: 0,
            channels: 4, accumulatorBounds: [-(1 << 29)...(1 << 29)])
        #expect(throws: RequantizationError.self) { try RequantizationPlan(spec: overflow, target: target) }
        do {
            _ = try RequantizationPlan(spec: overflow, target: target)
        } catch {
            #expect(error.description.contains("overflow"))
        }
        // Negative multipliers (negative scales) are not TFLite int8 quantization.
        let negative = RequantizationSpec(
            rounding: .doubleRounding([QuantizedMultiplier(multiplier: -(1 << 30), shift: -3)]),
            outputZeroPoint: 0,
            channels: 4, accumulatorBounds: [-1000...1000])
        #expect(throws: RequantizationError.self) { try RequantizationPlan(spec: negative, target: target) }
        // Mismatched counts and non-finite scales.
        let counts = RequantizationSpec(
            rounding: .floatScale([0.1, 0.2]), outputZeroPoint: 0, channels: 3, accumulatorBounds: [-10...10])
        #expect(throws: RequantizationError.self) { try RequantizationPlan(spec: counts, target: target) }
        let nan = RequantizationSpec(
            rounding: .floatScale([.nan]), outputZeroPoint: 0, channels: 3, accumulatorBounds: [-10...10])
        #expect(throws: RequantizationError.self) { try RequantizationPlan(spec: nan, target: target) }
        // The stock route needs one row per accumulator vector.
        let batched = try Target(
            name: "batch2", config: HardwareConfig(logBatch: 1), profile: .stock, clockMHz: 100,
            busWidthBits: 64,
            fifoDepth: 1024, cycleModel: target.cycleModel)
        let fine = RequantizationSpec(
            rounding: .floatScale([0.1]), outputZeroPoint: 0, channels: 3, accumulatorBounds: [-1000...1000])
        #expect(throws: RequantizationError.self) { try RequantizationPlan(spec: fine, target: batched) }
    }

    /// The cost report counts what the emitted stream holds.
    @Test(arguments: targets)
    func costReport(targetName: String) throws {
        let target = try Target.load(name: targetName)
        let spec = RequantizationSpec(
            rounding: .doubleRounding((0..<32).map { QuantizedMultiplier(0.0004 + 0.00001 * Double($0)) }),
            outputZeroPoint: -5, channels: 32, accumulatorBounds: [-2_000_000...2_000_000])
        let plan = try RequantizationPlan(spec: spec, target: target)
        let cost = plan.cost(tileVectors: 32)
        #expect(cost.aluInstructions > 0 && cost.aluUopExecutions == cost.aluInstructions * 32)
        if target.profile == .stock {
            #expect(plan.route.hasPrefix("gemm-digits"))
            #expect(cost.gemmUopExecutions > 0 && cost.storeInstructions > 0)
            #expect(plan.weightTiles() > 0 && plan.scratchBytes(forTileVectors: 32) > 0)
        } else {
            #expect(plan.route.hasPrefix("mul-limbs"))
            #expect(cost.gemmUopExecutions == 0 && cost.storeInstructions == 0)
            #expect(plan.weightTiles() == 0 && plan.scratchBytes(forTileVectors: 32) == 0)
        }
        // Tiles beyond the chunk size cost the same per vector (plus per-chunk overheads).
        let big = plan.cost(tileVectors: 4 * plan.maximumChunkVectors)
        #expect(big.aluUopExecutions == 4 * plan.cost(tileVectors: plan.maximumChunkVectors).aluUopExecutions)
        print("\(targetName) \(plan.route): \(cost)")
    }
}
