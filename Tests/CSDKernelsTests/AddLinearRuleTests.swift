import CSDKernels
import Foundation
import TFLite
import TFLiteArithmetic
import TestSupport
import Testing

/// `AddLinearRule` reproduces the CPU kernel's int8 ADD (itself bit-exact against the pinned
/// interpreter's goldens) at every input pair, for every ADD in the model zoo and for random
/// quantizations.
@Suite struct AddLinearRuleTests {
    /// The C kernel's output at every pair, in `referenceTable`'s order.
    static func kernelTable(_ q: AddQuantization) -> [Int8] {
        var p = csd_add_params(q)
        var x1 = [Int8](), x2 = [Int8]()
        for i in 0..<256 {
            for j in 0..<256 {
                x1.append(Int8(i - 128))
                x2.append(Int8(j - 128))
            }
        }
        var out = [Int8](repeating: 0, count: x1.count)
        #expect(csd_add_s8(&p, Int32(out.count), x1, x2, &out) == CSD_OK)
        return out
    }

    static func check(_ q: AddQuantization, _ label: String) -> AddLinearRule? {
        let kernel = kernelTable(q)
        #expect(q.referenceTable() == kernel, "\(label): Swift reference vs C kernel")
        guard let rule = AddLinearRule.find(for: q) else { return nil }
        var wrong = 0
        for i in 0..<256 {
            for j in 0..<256 where rule.evaluate(Int8(i - 128), Int8(j - 128)) != kernel[i << 8 | j] {
                wrong += 1
            }
        }
        #expect(wrong == 0, "\(label): \(rule) differs at \(wrong) pairs")
        #expect(rule.linearBound < 1 << 31, "\(label): \(rule) may overflow int32")
        return rule
    }

    static func quantization(_ t: Tensor) -> TensorQuantization {
        TensorQuantization(scale: t.quantization!.scales[0], zeroPoint: Int32(t.quantization!.zeroPoints[0]))
    }

    @Test func everyZooAddHasAnExactRule() throws {
        var seen = 0
        for (name, path) in Fixtures.allModels() {
            let model = try TFLiteReader.read(path: path)
            let graph = model.main
            for op in graph.operators {
                guard case .builtin(.add) = op.kind, case .elementwise(let activation, _) = op.options else {
                    continue
                }
                let ts = [op.inputs[0], op.inputs[1], op.outputs[0]].map { graph.tensors[$0] }
                guard ts.allSatisfy({ $0.type == .int8 }) else { continue }
                let q = try AddQuantization(
                    input1: Self.quantization(ts[0]), input2: Self.quantization(ts[1]),
                    output: Self.quantization(ts[2]), activation: CPUExecutor.activation(activation))
                let rule = Self.check(q, "\(name) operator \(op.index)")
                #expect(rule != nil, "\(name) operator \(op.index): no exact linear rule")
                seen += 1
            }
        }
        #expect(seen >= 6)
    }

    @Test func randomQuantizations() throws {
        var rng = SplitMix64(seed: 2026)
        var found = 0
        for k in 0..<40 {
            func scale() -> Float { Float.random(in: 0.002...0.2, using: &rng) }
            func zp() -> Int32 { Int32.random(in: -128...127, using: &rng) }
            let activations: [FusedActivation] = [.none, .relu, .relu6]
            guard
                let q = try? AddQuantization(
                    input1: TensorQuantization(scale: scale(), zeroPoint: zp()),
                    input2: TensorQuantization(scale: scale(), zeroPoint: zp()),
                    output: TensorQuantization(scale: scale(), zeroPoint: zp()),
                    activation: activations[k % 3])
            else { continue }
            if Self.check(q, "random \(k)") != nil { found += 1 }
        }
        #expect(found == 40, "\(found) of 40 random ADDs have a rule")
    }

    /// Equal scales put `(x1 + x2) / 2` on exact halves, which the reference rounds away from
    /// zero on both sides; a slope a little above 1/2 does the same on the int8 range, so the
    /// search finds it. Weights too small to resolve the steps give no rule, not an approximation.
    @Test func tiesAwayFromZeroAndTooFewBits() throws {
        let q = try AddQuantization(
            input1: TensorQuantization(scale: 0.5, zeroPoint: 0),
            input2: TensorQuantization(scale: 0.5, zeroPoint: 0),
            output: TensorQuantization(scale: 1, zeroPoint: 0), activation: .none)
        let rule = try #require(Self.check(q, "halves"))
        #expect(rule.evaluate(1, 0) == 1 && rule.evaluate(-1, 0) == -1 && rule.evaluate(-3, 0) == -2)
        #expect(rule.weight1 * 2 > 1 << rule.shift)
        let uneven = try AddQuantization(
            input1: TensorQuantization(scale: 0.031, zeroPoint: 3),
            input2: TensorQuantization(scale: 0.017, zeroPoint: -9),
            output: TensorQuantization(scale: 0.043, zeroPoint: 1), activation: .none)
        #expect(AddLinearRule.find(for: uneven, maxWeightMagnitude: 8) == nil)
        #expect(AddLinearRule.find(for: uneven) != nil)
        // Slopes 3/4 and 1/2 (less a rounding of input 2's multiplier): ties the reference breaks
        // by sign and by its intermediate roundings, which no single floor reproduces.
        let ties = try AddQuantization(
            input1: TensorQuantization(scale: 0.03, zeroPoint: 0),
            input2: TensorQuantization(scale: 0.02, zeroPoint: 0),
            output: TensorQuantization(scale: 0.04, zeroPoint: 0), activation: .none)
        #expect(Self.check(ties, "ties") == nil)
    }
}
