import Bundle
import CSDKernels
import CSDRuntime
// RunKernel steps: the runtime hands validated tensors and parameters to CSDKernels.
import TestSupport
import Testing

/// Softmax parameters for beta 1 and an input scale of 0.1 (TFLite's Prepare:
/// PreprocessSoftmaxScaling(1, 0.1, 5) and -CalculateInputRadius(5, 23)).
func softmaxParams(rows: Int32, depth: Int32) -> Vtac_Bundle_SoftmaxParams {
    var p = Vtac_Bundle_SoftmaxParams()
    p.inputMultiplier = 1_717_986_918
    p.inputLeftShift = 23
    p.diffMin = -248
    p.rows = rows
    p.depth = depth
    return p
}

/// The C kernel itself, for expected values: these tests check the runtime's dispatch and
/// data movement, CSDKernelsTests check the kernel.
func referenceSoftmax(_ input: [Int8], _ p: Vtac_Bundle_SoftmaxParams) -> [Int8] {
    var q = csd_softmax_params(
        input_multiplier: p.inputMultiplier, input_left_shift: p.inputLeftShift, diff_min: p.diffMin)
    var out = [Int8](repeating: 0, count: input.count)
    let status = csd_softmax_s8(&q, p.rows, p.depth, input, &out)
    precondition(status == CSD_OK)
    return out
}

func softmaxKernel(
    _ input: Vtac_Bundle_TensorRef, _ output: Vtac_Bundle_TensorRef, _ p: Vtac_Bundle_SoftmaxParams
) -> Vtac_Bundle_CpuKernel {
    var k = Vtac_Bundle_CpuKernel()
    k.name = "softmax"
    k.inputs = [input]
    k.outputs = [output]
    k.softmax = p
    return k
}

/// TFLite's MultiplyByQuantizedMultiplier (double rounding), written out in Swift.
func multiplyByQuantizedMultiplier(_ x: Int32, _ multiplier: Int32, _ shift: Int32) -> Int32 {
    let left = max(shift, 0), right = max(-shift, 0)
    let a = x &* (Int32(1) << left)
    // SaturatingRoundingDoublingHighMul
    let product = Int64(a) * Int64(multiplier)
    let nudge: Int64 = product >= 0 ? 1 << 30 : 1 - (1 << 30)
    var high = Int32(truncatingIfNeeded: (product + nudge) / (1 << 31))
    if a == Int32.min && multiplier == Int32.min { high = Int32.max }
    // RoundingDivideByPOT
    let mask = (Int32(1) << right) - 1
    let remainder = high & mask
    let threshold = (mask >> 1) + (high < 0 ? 1 : 0)
    return (high >> right) + (remainder > threshold ? 1 : 0)
}

@Suite struct KernelStepTests {
    @Test func softmaxOnTheHost() throws {
        let p = softmaxParams(rows: 1, depth: 10)
        var m = GemmLayer().manifest()
        let inTensor = tensor(.host, 0, [1, 10]), outTensor = tensor(.host, 16, [1, 10])
        m.inputs = [ioTensor("logits", inTensor)]
        m.outputs = [ioTensor("probabilities", outTensor)]
        m.inputRecordSize = 10
        m.outputRecordSize = 10
        m.kernels = [softmaxKernel(inTensor, outTensor, p)]
        m.steps = [kernelStep(0)]
        m.segments = []
        m.layers = []
        m.fills = []
        m.memory.activationsSize = 0
        m.memory.constantsSize = 0
        m.memory.hostSize = 32
        let opened = openBundle(try CSDBundle(manifest: m).encode())
        let bundle = try #require(opened.bundle, "\(opened.message)")
        var rng = SplitMix64(4)
        for _ in 0..<4 {
            let input = rng.int8s(10)
            let run = bundle.infer(bytes(input))
            #expect(run.status == CSDRT_OK, "\(run.message)")
            #expect(int8s(run.output[...]) == referenceSoftmax(input, p))
        }
    }

    @Test func acceleratorLayerThenSoftmax() throws {
        // GEMM on VTA, copy back to the host, softmax over each pixel's 16 channels.
        let layer = GemmLayer(seed: 21)
        var m = layer.manifest()
        let probabilities = tensor(.host, 128, [1, 2, 2, 16])
        let p = softmaxParams(rows: 4, depth: 16)
        m.kernels = [softmaxKernel(layer.hostOutput, probabilities, p)]
        m.steps.append(kernelStep(0))
        m.outputs = [ioTensor("probabilities", probabilities)]
        m.memory.hostSize = 192
        let opened = openBundle(try layer.bundle(manifest: m).encode())
        let bundle = try #require(opened.bundle, "\(opened.message)")
        var rng = SplitMix64(8)
        let input = rng.int8s(64)
        let run = bundle.infer(bytes(input))
        #expect(run.status == CSDRT_OK, "\(run.message)")
        #expect(int8s(run.output[...]) == referenceSoftmax(layer.expected(input), p))
    }

    @Test func fullyConnectedWithWeightsAndBiasInConstants() throws {
        // 3 rows of 8 inputs -> 4 outputs, per-channel requantization, weights and int32 bias
        // in CONSTANTS (bias at offset 32), computed again in Swift.
        var rng = SplitMix64(12)
        let weights = rng.int8s(32)  // [4][8]
        let bias: [Int32] = [100, -200, 3000, -7]
        let multipliers: [Int32] = [1_300_000_000, 1_100_000_000, 2_000_000_000, 1_073_741_824]
        let shifts: [Int32] = [-7, -8, -9, -6]
        var fc = Vtac_Bundle_FullyConnectedParams()
        fc.inputOffset = 3
        fc.outputOffset = -5
        fc.outputMultiplier = multipliers
        fc.outputShift = shifts
        fc.activationMin = -100
        fc.activationMax = 110
        fc.weights = tensor(.constants, 0, [4, 8])
        fc.bias = tensor(.constants, 32, [4], .int32)
        let inTensor = tensor(.host, 0, [3, 8]), outTensor = tensor(.host, 32, [3, 4])
        var k = Vtac_Bundle_CpuKernel()
        k.name = "fc"
        k.inputs = [inTensor]
        k.outputs = [outTensor]
        k.fullyConnected = fc
        var m = Vtac_Bundle_Manifest()
        m.hardware = hardware()
        m.inputs = [ioTensor("x", inTensor)]
        m.outputs = [ioTensor("y", outTensor)]
        m.inputRecordSize = 24
        m.outputRecordSize = 12
        m.memory.alignment = 256
        m.memory.constantsSize = 48
        m.memory.hostSize = 64
        m.kernels = [k]
        m.steps = [kernelStep(0)]
        let constants =
            bytes(weights) + bias.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let opened = openBundle(try CSDBundle(manifest: m, constants: constants).encode())
        let bundle = try #require(opened.bundle, "\(opened.message)")
        let input = rng.int8s(24)
        let run = bundle.infer(bytes(input))
        #expect(run.status == CSDRT_OK, "\(run.message)")
        var expected: [Int8] = []
        for row in 0..<3 {
            for o in 0..<4 {
                var acc = bias[o]
                for i in 0..<8 { acc &+= (Int32(input[row * 8 + i]) + 3) * Int32(weights[o * 8 + i]) }
                let v = multiplyByQuantizedMultiplier(acc, multipliers[o], shifts[o]) - 5
                expected.append(Int8(min(110, max(-100, v))))
            }
        }
        #expect(int8s(run.output[...]) == expected)
    }

    /// With `scale` set, the CPU FULLY_CONNECTED rounds double(acc) × scale half away from zero,
    /// as the pinned interpreter's reference kernel does (ties included: scale 0.25 and 0.5).
    @Test func fullyConnectedFloatScales() throws {
        var rng = SplitMix64(21)
        let weights = rng.int8s(16)  // [2][8]
        let scales: [Double] = [0.25, 0.5]
        var fc = Vtac_Bundle_FullyConnectedParams()
        fc.inputOffset = 0
        fc.outputOffset = 1
        fc.scale = scales
        fc.activationMin = -128
        fc.activationMax = 127
        fc.weights = tensor(.constants, 0, [2, 8])
        let inTensor = tensor(.host, 0, [4, 8]), outTensor = tensor(.host, 32, [4, 2])
        var k = Vtac_Bundle_CpuKernel()
        k.name = "fc"
        k.inputs = [inTensor]
        k.outputs = [outTensor]
        k.fullyConnected = fc
        var m = Vtac_Bundle_Manifest()
        m.hardware = hardware()
        m.inputs = [ioTensor("x", inTensor)]
        m.outputs = [ioTensor("y", outTensor)]
        m.inputRecordSize = 32
        m.outputRecordSize = 8
        m.memory.alignment = 256
        m.memory.constantsSize = 16
        m.memory.hostSize = 64
        m.kernels = [k]
        m.steps = [kernelStep(0)]
        let opened = openBundle(try CSDBundle(manifest: m, constants: bytes(weights)).encode())
        let bundle = try #require(opened.bundle, "\(opened.message)")
        // Inputs of ±1 and ±2 give small odd accumulators, so x.5 ties appear.
        let input: [Int8] = (0..<32).map { i in Int8([1, -1, 2, -2, 1, 1, -1, 0][i % 8]) }
        let run = bundle.infer(bytes(input))
        #expect(run.status == CSDRT_OK, "\(run.message)")
        var expected: [Int8] = []
        for row in 0..<4 {
            for o in 0..<2 {
                var acc = 0
                for i in 0..<8 { acc += Int(input[row * 8 + i]) * Int(weights[o * 8 + i]) }
                let v = Int((Double(acc) * scales[o]).rounded(.toNearestOrAwayFromZero)) + 1
                expected.append(Int8(min(127, max(-128, v))))
            }
        }
        #expect(int8s(run.output[...]) == expected)
    }

    @Test func kernelFailureNamesTheStep() throws {
        // A shift the kernel refuses (outside 0...31) only shows when the kernel runs.
        var p = softmaxParams(rows: 1, depth: 10)
        p.inputLeftShift = 40
        var m = GemmLayer().manifest()
        let inTensor = tensor(.host, 0, [1, 10]), outTensor = tensor(.host, 16, [1, 10])
        m.inputs = [ioTensor("logits", inTensor)]
        m.outputs = [ioTensor("probabilities", outTensor)]
        m.inputRecordSize = 10
        m.outputRecordSize = 10
        m.kernels = [softmaxKernel(inTensor, outTensor, p)]
        m.steps = [kernelStep(0)]
        let opened = openBundle(try GemmLayer().bundle(manifest: m).encode())
        let bundle = try #require(opened.bundle, "\(opened.message)")
        let run = bundle.infer([UInt8](repeating: 1, count: 10))
        #expect(run.status == CSDRT_ERR_KERNEL)
        #expect(run.message.hasPrefix("step 0 (kernel 0 'softmax')"), "\(run.message)")
    }

    @Test func kernelShapesAreCheckedAtLoad() throws {
        let p = softmaxParams(rows: 3, depth: 10)  // 30 elements, the tensors have 10
        var m = GemmLayer().manifest()
        let inTensor = tensor(.host, 0, [1, 10]), outTensor = tensor(.host, 16, [1, 10])
        m.inputs = [ioTensor("logits", inTensor)]
        m.outputs = [ioTensor("probabilities", outTensor)]
        m.inputRecordSize = 10
        m.outputRecordSize = 10
        m.kernels = [softmaxKernel(inTensor, outTensor, p)]
        m.steps = [kernelStep(0)]
        let opened = openBundle(try GemmLayer().bundle(manifest: m).encode())
        #expect(opened.status == CSDRT_ERR_PARAMS)
        #expect(opened.message.contains("kernel 0 'softmax'"), "\(opened.message)")
    }
}
