import Bundle
import CSDRuntime
// CPU-only bundles, one per kernel kind, for the dispatch tests and the fuzzer's seeds.
import TestSupport
import Testing

/// A manifest whose graph inputs and outputs are HOST tensors, laid out one after the other
/// in the records, running `kernels` in order.
func cpuManifest(
    inputs: [Vtac_Bundle_TensorRef], outputs: [Vtac_Bundle_TensorRef], kernels: [Vtac_Bundle_CpuKernel],
    constantsSize: UInt64 = 0, hostSize: UInt64 = 256
) -> Vtac_Bundle_Manifest {
    var m = Vtac_Bundle_Manifest()
    m.producer = "CSDRuntimeTests"
    m.hardware = hardware()
    var offset: UInt64 = 0
    m.inputs = inputs.enumerated().map { i, t in
        let io = ioTensor("in\(i)", t, recordOffset: offset)
        offset += io.size
        return io
    }
    m.inputRecordSize = offset
    offset = 0
    m.outputs = outputs.enumerated().map { i, t in
        let io = ioTensor("out\(i)", t, recordOffset: offset)
        offset += io.size
        return io
    }
    m.outputRecordSize = offset
    m.memory.alignment = 256
    m.memory.constantsSize = constantsSize
    m.memory.hostSize = hostSize
    m.kernels = kernels
    m.steps = kernels.indices.map { kernelStep(UInt32($0)) }
    return m
}

func cpuKernel(
    _ name: String, _ inputs: [Vtac_Bundle_TensorRef], _ output: Vtac_Bundle_TensorRef,
    _ params: Vtac_Bundle_CpuKernel.OneOf_Params
) -> Vtac_Bundle_CpuKernel {
    var k = Vtac_Bundle_CpuKernel()
    k.name = name
    k.inputs = inputs
    k.outputs = [output]
    k.params = params
    return k
}

func le32(_ values: [Int32]) -> [UInt8] {
    values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
}

enum CPUKernelBundles {
    /// CONV_2D 3x3 valid: [1,4,4,3] -> [1,2,2,2], filter and bias in CONSTANTS.
    static func conv(depthwise: Bool = false) throws -> [UInt8] {
        var rng = SplitMix64(depthwise ? 77 : 78)
        let outC: Int32 = depthwise ? 3 : 2
        var p = Vtac_Bundle_ConvParams()
        p.depthwise = depthwise
        p.strideH = 1
        p.strideW = 1
        p.dilationH = 1
        p.dilationW = 1
        p.depthMultiplier = 1
        p.inputOffset = 1
        p.outputOffset = -2
        p.outputMultiplier = [Int32](repeating: 1_500_000_000, count: Int(outC))
        p.outputShift = [Int32](repeating: -6, count: Int(outC))
        p.activationMin = -128
        p.activationMax = 127
        let filterShape: [Int32] = depthwise ? [1, 3, 3, 3] : [2, 3, 3, 3]
        let filterBytes = filterShape.reduce(1, *)
        p.filter = tensor(.constants, 0, filterShape)
        p.bias = tensor(.constants, 64, [outC], .int32)
        let input = tensor(.host, 0, [1, 4, 4, 3]), output = tensor(.host, 64, [1, 2, 2, outC])
        let m = cpuManifest(
            inputs: [input], outputs: [output],
            kernels: [cpuKernel(depthwise ? "dwconv" : "conv", [input], output, .conv(p))], constantsSize: 80)
        let constants =
            bytes(rng.int8s(Int(filterBytes))) + [UInt8](repeating: 0, count: 64 - Int(filterBytes))
            + le32((0..<outC).map { $0 * 100 - 50 })
        return try CSDBundle(manifest: m, constants: constants).encode()
    }

    /// MAX_POOL_2D 2x2 stride 2: [1,4,4,3] -> [1,2,2,3].
    static func maxPool() throws -> [UInt8] {
        var p = Vtac_Bundle_PoolParams()
        p.filterH = 2
        p.filterW = 2
        p.strideH = 2
        p.strideW = 2
        p.activationMin = -128
        p.activationMax = 127
        let input = tensor(.host, 0, [1, 4, 4, 3]), output = tensor(.host, 64, [1, 2, 2, 3])
        return try CSDBundle(
            manifest: cpuManifest(
                inputs: [input], outputs: [output], kernels: [cpuKernel("pool", [input], output, .pool(p))])
        ).encode()
    }

    /// ADD of two [1,2,2,3] inputs with equal scales.
    static func add() throws -> [UInt8] {
        var p = Vtac_Bundle_AddParams()
        p.leftShift = 20
        p.input1Offset = 0
        p.input2Offset = 0
        p.input1Multiplier = 1_073_741_824
        p.input1Shift = 0
        p.input2Multiplier = 1_073_741_824
        p.input2Shift = 0
        p.outputMultiplier = 1_073_741_824
        p.outputShift = -19
        p.activationMin = -128
        p.activationMax = 127
        let a = tensor(.host, 0, [1, 2, 2, 3]), b = tensor(.host, 16, [1, 2, 2, 3]),
            out = tensor(.host, 32, [1, 2, 2, 3])
        return try CSDBundle(
            manifest: cpuManifest(
                inputs: [a, b], outputs: [out], kernels: [cpuKernel("add", [a, b], out, .add(p))])
        ).encode()
    }

    /// QUANTIZE float32 -> int8 (scale 0.5, zero point 3), then DEQUANTIZE back to float32.
    static func quantizeDequantize() throws -> [UInt8] {
        var q = Vtac_Bundle_QuantizeParams()
        q.outputScale = 0.5
        q.outputZeroPoint = 3
        q.count = 8
        var d = Vtac_Bundle_DequantizeParams()
        d.scale = 0.5
        d.zeroPoint = 3
        d.count = 8
        let x = tensor(.host, 0, [8], .float32), mid = tensor(.host, 32, [8]),
            y = tensor(.host, 64, [8], .float32)
        return try CSDBundle(
            manifest: cpuManifest(
                inputs: [x], outputs: [y],
                kernels: [
                    cpuKernel("quantize", [x], mid, .quantize(q)),
                    cpuKernel("dequantize", [mid], y, .dequantize(d)),
                ])
        ).encode()
    }

    /// RESHAPE [1,2,3] -> [6], then requantizing QUANTIZE int8 -> uint8 (zero points 128 apart).
    static func reshapeRequantize() throws -> [UInt8] {
        var r = Vtac_Bundle_ReshapeParams()
        r.bytes = 6
        var q = Vtac_Bundle_QuantizeParams()
        q.multiplier = 1_073_741_824
        q.shift = 1
        q.inputZeroPoint = 0
        q.outputZeroPoint = 128
        q.count = 6
        let x = tensor(.host, 0, [1, 2, 3]), flat = tensor(.host, 16, [6]), y = tensor(.host, 32, [6], .uint8)
        return try CSDBundle(
            manifest: cpuManifest(
                inputs: [x], outputs: [y],
                kernels: [
                    cpuKernel("reshape", [x], flat, .reshape(r)),
                    cpuKernel("requantize", [flat], y, .quantize(q)),
                ])
        ).encode()
    }
}

@Suite struct CPUKernelDispatchTests {
    @Test(arguments: ["conv", "dwconv", "pool", "add", "quantize", "reshape"])
    func everyKernelKindRuns(_ kind: String) throws {
        let bundle: [UInt8] =
            switch kind {
            case "conv": try CPUKernelBundles.conv()
            case "dwconv": try CPUKernelBundles.conv(depthwise: true)
            case "pool": try CPUKernelBundles.maxPool()
            case "add": try CPUKernelBundles.add()
            case "quantize": try CPUKernelBundles.quantizeDequantize()
            default: try CPUKernelBundles.reshapeRequantize()
            }
        let opened = openBundle(bundle)
        let b = try #require(opened.bundle, "\(kind): \(opened.message)")
        var rng = SplitMix64(3)
        let size = Int(csdrt_bundle_input_record_size(b.handle))
        var input = bytes(rng.int8s(size))
        if kind == "quantize" {
            input = le32([0, 2, -4, 6, 100, -100, 1, 3].map { Int32(bitPattern: Float($0).bitPattern) })
        }
        let run = b.infer(input)
        #expect(run.status == CSDRT_OK, "\(kind): \(run.message)")
        switch kind {
        case "pool":
            // The maximum of each 2x2 window, per channel.
            let x = int8s(input[...])
            var expected: [Int8] = []
            for oh in 0..<2 {
                for ow in 0..<2 {
                    for c in 0..<3 {
                        expected.append(
                            [0, 1].flatMap { dh in
                                [0, 1].map { dw in x[((oh * 2 + dh) * 4 + ow * 2 + dw) * 3 + c] }
                            }.max()!)
                    }
                }
            }
            #expect(int8s(run.output[...]) == expected)
        case "quantize":
            // q = round(x / 0.5) + 3, back to 0.5 * (q - 3): exact for these values.
            let y = (0..<8).map { i in
                Float(
                    bitPattern: run.output[4 * i..<4 * i + 4].enumerated().reduce(UInt32(0)) {
                        $0 | UInt32($1.1) << (8 * $1.0)
                    })
            }
            #expect(y == [0, 2, -4, 6, 62, -65.5, 1, 3])  // 100 and -100 saturate
        case "reshape":
            // Equal scales, zero points 128 apart: the bytes with the top bit flipped.
            #expect(run.output == input.map { $0 ^ 0x80 })
        default:
            break
        }
    }
}
