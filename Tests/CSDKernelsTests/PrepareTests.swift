import CSDKernels
import Foundation
import TFLite
import TFLiteArithmetic
import TestSupport
import Testing

/// TFLiteArithmetic's Prepare functions compute what TFLite's Prepare computes.
@Suite struct PrepareTests {
    @Test func activationRanges() throws {
        let q = TensorQuantization(scale: 0.05, zeroPoint: -10)
        #expect(try ActivationRange(.none, output: q) == ActivationRange(min: -128, max: 127))
        #expect(try ActivationRange(.relu, output: q) == ActivationRange(min: -10, max: 127))
        // 6 / 0.05 = 120 (in Float: 119.99999 or 120.00001 both round to 120).
        #expect(try ActivationRange(.relu6, output: q) == ActivationRange(min: -10, max: 110))
        #expect(try ActivationRange(.reluN1To1, output: q) == ActivationRange(min: -30, max: 10))
        // A zero point at the bottom: RELU changes nothing.
        let image = TensorQuantization(scale: 1 / 255, zeroPoint: -128)
        #expect(try ActivationRange(.relu, output: image) == ActivationRange(min: -128, max: 127))
        // Ties round away from zero: 6 / 4 = 1.5 -> 2, -1 / 2 -> -0.5 -> -1.
        #expect(try ActivationRange(.relu6, output: TensorQuantization(scale: 4, zeroPoint: 0)).max == 2)
        #expect(try ActivationRange(.reluN1To1, output: TensorQuantization(scale: 2, zeroPoint: 0)).min == -1)
        // A zero point at the top: RELU6 leaves the single value 127.
        #expect(
            try ActivationRange(.relu6, output: TensorQuantization(scale: 0.01, zeroPoint: 127))
                == ActivationRange(min: 127, max: 127))
        #expect(throws: PrepareError.self) {
            try ActivationRange(.none, output: TensorQuantization(scale: 0, zeroPoint: 0))
        }
        #expect(throws: PrepareError.self) {
            try ActivationRange(.none, output: TensorQuantization(scale: 1, zeroPoint: 200))
        }
        #expect(
            try ActivationRange(.relu, output: TensorQuantization(scale: 1, zeroPoint: 200), type: .uint8).min
                == 200)
    }

    @Test func padding() {
        // SAME stride 2 on 12: output 6, total padding 1 -> (0, 1): bottom/right only.
        #expect(PaddingScheme.same.outputSize(inputSize: 12, filterSize: 3, stride: 2) == 6)
        #expect(PaddingScheme.same.padding(inputSize: 12, filterSize: 3, stride: 2, outputSize: 6) == (0, 1))
        // SAME stride 2 on 11: output 6, total 2 -> (1, 1).
        #expect(PaddingScheme.same.padding(inputSize: 11, filterSize: 3, stride: 2, outputSize: 6) == (1, 1))
        // 5x5 SAME stride 2 on 9: output 5, total 4 -> (2, 2); on 10: output 5, total 3 -> (1, 2).
        #expect(PaddingScheme.same.padding(inputSize: 10, filterSize: 5, stride: 2, outputSize: 5) == (1, 2))
        // Dilation 2, 3 taps: effective 5.
        #expect(
            PaddingScheme.same.padding(inputSize: 8, filterSize: 3, stride: 1, dilation: 2, outputSize: 8)
                == (2, 2))
        #expect(PaddingScheme.valid.outputSize(inputSize: 13, filterSize: 3, stride: 2) == 6)
        #expect(PaddingScheme.valid.outputSize(inputSize: 2, filterSize: 5, stride: 1) == 0)
        #expect(PaddingScheme.valid.padding(inputSize: 13, filterSize: 3, stride: 2, outputSize: 6) == (0, 0))
    }

    @Test func convMultipliersUseDoubleProducts() throws {
        let q = try ConvQuantization(
            input: TensorQuantization(scale: 0.034_122_48, zeroPoint: -128),
            filterScales: [0.004_502_04, 0.002_908_74],
            outputChannels: 2, output: TensorQuantization(scale: 0.050_212_4, zeroPoint: -128),
            activation: .relu)
        for c in 0..<2 {
            let s = [Float(0.004_502_04), 0.002_908_74][c]
            #expect(
                q.effectiveScales[c] == Double(Float(0.034_122_48)) * Double(s) / Double(Float(0.050_212_4)))
            #expect(q.multipliers[c] == QuantizedMultiplier(q.effectiveScales[c]))
        }
        #expect(q.inputOffset == 128 && q.outputOffset == -128)
        // A single per-tensor scale is broadcast to every channel.
        let t = try ConvQuantization(
            input: TensorQuantization(scale: 0.5, zeroPoint: 0), filterScales: [0.25], outputChannels: 3,
            output: TensorQuantization(scale: 1, zeroPoint: 0), activation: .none)
        #expect(
            t.multipliers == Array(repeating: QuantizedMultiplier(multiplier: 1 << 30, shift: -2), count: 3))
        #expect(throws: PrepareError.self) {
            try ConvQuantization(
                input: TensorQuantization(scale: 0.5, zeroPoint: 0), filterScales: [0.25, 0.5],
                outputChannels: 3,
                output: TensorQuantization(scale: 1, zeroPoint: 0), activation: .none)
        }
    }

    @Test func addUsesLeftShift20() throws {
        let q = try AddQuantization(
            input1: TensorQuantization(scale: 0.02894, zeroPoint: -9),
            input2: TensorQuantization(scale: 0.007842, zeroPoint: 3),
            output: TensorQuantization(scale: 0.03, zeroPoint: 5), activation: .none)
        #expect(q.leftShift == 20)
        let twiceMax = Double(2 * Float(0.02894))
        #expect(q.input1 == QuantizedMultiplier(Double(Float(0.02894)) / twiceMax))  // exactly 0.5
        #expect(q.input1 == QuantizedMultiplier(multiplier: 1 << 30, shift: 0))
        #expect(q.input2 == QuantizedMultiplier(Double(Float(0.007842)) / twiceMax))
        #expect(q.output == QuantizedMultiplier(twiceMax / Double(Float(1 << 20) * Float(0.03))))
        #expect(q.input1Offset == 9 && q.input2Offset == -3 && q.outputOffset == 5)
    }

    @Test func softmaxParameters() throws {
        // op_softmax_wide's input scale and op_softmax_narrow's, checked against TFLite's formulas
        // evaluated in Python.
        let wide = try SoftmaxQuantization(
            inputScale: 0.313_630_37, output: TensorQuantization(scale: 1 / 256, zeroPoint: -128))
        #expect(wide.inputMultiplier == 1_347_032_192 && wide.inputLeftShift == 25 && wide.diffMin == -62)
        let narrow = try SoftmaxQuantization(inputScale: 0.002_339_4)
        #expect(
            narrow.inputMultiplier == 1_286_098_688 && narrow.inputLeftShift == 18 && narrow.diffMin == -7936)
        // A huge scale saturates the real multiplier at 2^31 - 1 (exactly representable): left
        // shift 31, diff_min 0 (only the row maxima count).
        let huge = try SoftmaxQuantization(inputScale: 40)
        #expect(huge.inputMultiplier == Int32.max && huge.inputLeftShift == 31 && huge.diffMin == 0)
        #expect(throws: PrepareError.softmaxScaleTooSmall) { try SoftmaxQuantization(inputScale: 1e-9) }
        #expect(throws: PrepareError.softmaxOutputQuantization) {
            try SoftmaxQuantization(inputScale: 0.1, output: TensorQuantization(scale: 1 / 256, zeroPoint: 0))
        }
    }

    @Test func requantizeParameters() throws {
        let shift = try RequantizeQuantization(
            input: TensorQuantization(scale: 0.01, zeroPoint: 159), inputType: .uint8,
            output: TensorQuantization(scale: 0.01, zeroPoint: 31), outputType: .int8)
        #expect(shift.multiplier == QuantizedMultiplier(multiplier: 1 << 30, shift: 1))
        #expect(shift.isZeroPointShiftBy128)
        let scaled = try RequantizeQuantization(
            input: TensorQuantization(scale: 0.0123, zeroPoint: -7), inputType: .int8,
            output: TensorQuantization(scale: 0.0051, zeroPoint: 11), outputType: .int8)
        #expect(scaled.multiplier == QuantizedMultiplier(Double(Float(0.0123)) / Double(Float(0.0051))))
        #expect(!scaled.isZeroPointShiftBy128)
        #expect(throws: PrepareError.self) {
            try RequantizeQuantization(
                input: TensorQuantization(scale: 0.01, zeroPoint: 200), inputType: .int8,
                output: TensorQuantization(scale: 0.01, zeroPoint: 0), outputType: .int8)
        }
    }

    @Test func fullyConnectedParameters() throws {
        let perTensor = try FullyConnectedQuantization(
            input: TensorQuantization(scale: 0.116, zeroPoint: -128), weightScales: [0.004],
            weightZeroPoint: 0,
            outputDepth: 10, output: TensorQuantization(scale: 0.1537, zeroPoint: 32), activation: .none,
            biasScale: Float(0.116) * Float(0.004))
        #expect(!perTensor.isPerChannel && perTensor.effectiveScales.count == 1)
        #expect(
            perTensor.effectiveScales[0] == Double(Float(0.116)) * Double(Float(0.004))
                / Double(Float(0.1537)))
        #expect(perTensor.inputOffset == 128 && perTensor.outputOffset == 32)
        #expect(throws: PrepareError.biasScaleMismatch) {
            try FullyConnectedQuantization(
                input: TensorQuantization(scale: 0.116, zeroPoint: -128), weightScales: [0.004],
                outputDepth: 10,
                output: TensorQuantization(scale: 0.01, zeroPoint: 32), activation: .none, biasScale: 0.01)
        }
        let perChannel = try FullyConnectedQuantization(
            input: TensorQuantization(scale: 0.1, zeroPoint: 0), weightScales: [0.01, 0.02],
            weightZeroPoint: 7,
            outputDepth: 2, output: TensorQuantization(scale: 0.5, zeroPoint: 0), activation: .relu)
        #expect(perChannel.isPerChannel && perChannel.weightsOffset == 0)  // TFLite ignores it per channel
    }

    /// The spec's integer single rounding `(acc·M + 2^(n−1)) >> n` agrees with the 2.3.0 reference
    /// FULLY_CONNECTED rule (`round(acc · scale)`, ties away from zero) on every accumulator value
    /// that reaches the int8 range in every FC layer of our models — which is why goldens of
    /// random inputs cannot tell them apart — but not on exact ties (the fc_ties probes, whose
    /// goldens follow the reference rule).
    @Test func fullyConnectedRoundingRulesOnRealLayers() throws {
        var layers = 0
        for folder in Fixtures.modelFolders(in: Fixtures.root.appendingPathComponent("Models"))
            + Fixtures.modelFolders(in: Fixtures.sharedModels)
        {
            for (index, disagreements) in try Self.singleRoundingDisagreements(folder) {
                #expect(disagreements == 0, "\(folder.lastPathComponent) operator \(index)")
                layers += 1
            }
        }
        #expect(layers >= 9)
        for probe in ["fc_ties_per_channel", "fc_ties_per_tensor"] {
            let folder = KernelFixtures.root.appendingPathComponent("probes/\(probe)")
            let counts = try Self.singleRoundingDisagreements(folder)
            #expect(counts.count == 1 && counts[0].disagreements > 0, "\(probe)")
        }
        // On an exact tie the rules differ: acc = -3, scale 0.5 -> -1.5.
        let half = QuantizedMultiplier(0.5)
        #expect(FixedPoint.scaleAndRound(-3, scale: 0.5) == -2)
        #expect(
            FixedPoint.multiplyByQuantizedMultiplierSingleRounding(
                -3, multiplier: half.multiplier, shift: Int(half.shift)) == -1)
        #expect(FixedPoint.multiplyByQuantizedMultiplier(-3, half) == -1)
    }

    /// For each FULLY_CONNECTED of a model: on how many unclamped accumulator values the integer
    /// single rounding differs from the reference rule. Both rules are non-decreasing step
    /// functions of acc whose steps (near (k + 1/2) / scale) lie less than one accumulator unit
    /// apart, so they can only disagree next to a step: checking those accumulators covers all.
    static func singleRoundingDisagreements(_ folder: URL) throws -> [(index: Int, disagreements: Int)] {
        let model = try TFLiteReader.read(path: folder.appendingPathComponent("model.tflite").path)
        var result: [(Int, Int)] = []
        for op in model.main.operators where op.kind == .builtin(.fullyConnected) {
            let (x, w, y) = (
                model.main.tensors[op.inputs[0]], model.main.tensors[op.inputs[1]],
                model.main.tensors[op.outputs[0]]
            )
            let q = try FullyConnectedQuantization(
                input: TensorQuantization(
                    scale: x.quantization!.scales[0], zeroPoint: Int32(x.quantization!.zeroPoints[0])),
                weightScales: w.quantization!.scales, outputDepth: w.shape[0],
                output: TensorQuantization(
                    scale: y.quantization!.scales[0], zeroPoint: Int32(y.quantization!.zeroPoints[0])),
                activation: .none)
            var disagreements = 0
            for (scale, m) in zip(q.effectiveScales, q.multipliers) {
                for k in (-129 - Int(q.outputOffset))...(128 - Int(q.outputOffset)) {
                    let step = (Double(k) + 0.5) / scale
                    for acc in Int64(step.rounded(.down)) - 2...Int64(step.rounded(.up)) + 2 {
                        let a = Int32(clamping: acc)
                        let reference = FixedPoint.scaleAndRound(a, scale: scale)
                        let single = FixedPoint.multiplyByQuantizedMultiplierSingleRounding(
                            a, multiplier: m.multiplier, shift: Int(m.shift))
                        if single != reference { disagreements += 1 }
                    }
                }
            }
            result.append((op.index, disagreements))
        }
        return result
    }
}
