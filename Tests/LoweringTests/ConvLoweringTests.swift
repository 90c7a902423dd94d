import Lowering
import Partitioning
import Testing
import VTATarget

/// Convolutions lowered to tiled GEMM give, in the simulator, exactly the sums a direct
/// convolution gives (requantized here by a shift and clamp, so the test checks the tiling,
/// padding, halos, strides and channel blocks, not the requantization).
@Suite struct ConvLoweringTests {
    struct Case: CustomStringConvertible, Sendable {
        var depthwise = false
        var h = 8, w = 8, ic = 16, oc = 16, k = 3, kw: Int? = nil, stride = 1
        var same = true
        var zeroPoint = 0
        var target = "alkali"
        var description: String {
            "\(depthwise ? "dw" : "conv") \(h)x\(w)x\(ic)→\(oc) k\(k)x\(kw ?? k) s\(stride) \(same ? "SAME" : "VALID") zp\(zeroPoint) \(target)"
        }
    }

    static let cases: [Case] = [
        Case(),
        Case(ic: 3, oc: 8, zeroPoint: -128),
        Case(h: 13, w: 13, ic: 17, oc: 20, stride: 2, same: false),
        Case(h: 12, w: 12, ic: 16, oc: 32, stride: 2, zeroPoint: -64),
        Case(ic: 24, oc: 16, k: 1),
        Case(h: 9, w: 7, ic: 40, oc: 33, k: 5, kw: 3, stride: 2, zeroPoint: 5),
        Case(depthwise: true, h: 10, w: 10, ic: 24, oc: 24, zeroPoint: 63),
        Case(depthwise: true, h: 11, w: 11, ic: 16, oc: 16, stride: 2),
        Case(h: 32, w: 32, ic: 16, oc: 16, zeroPoint: -128),
        Case(h: 6, w: 5, ic: 40, oc: 70, target: "cloud"),
        Case(depthwise: true, h: 7, w: 9, ic: 40, oc: 40, zeroPoint: -3, target: "cloud"),
        Case(h: 4, w: 2, ic: 8, oc: 8, k: 3, same: true, zeroPoint: 1),
        Case(h: 3, w: 3, ic: 16, oc: 48, k: 3, same: false),
        // One pixel per tile puts the output blocks in the GEMM kernel, and 63 blocks leave a
        // smaller last weight group, whose kernel must not be the previous group's.
        Case(h: 1, w: 1, ic: 1024, oc: 1008, k: 1),
    ]

    @Test(arguments: cases)
    func matchesDirectConvolution(c: Case) throws {
        let target = try Target.load(name: c.target)
        let config = target.config
        let block = config.blockOut
        var rng = TokenInsertionTests.RNG(seed: c.description)
        let kw = c.kw ?? c.k
        let (oh, padTop, padBottom) = pad(c.h, c.k, c.stride, c.same)
        let (ow, padLeft, padRight) = pad(c.w, kw, c.stride, c.same)
        let x = (0..<(c.h * c.w * c.ic)).map { _ in rng.int8() }  // NHWC
        let weightCount = c.depthwise ? c.k * kw * c.ic : c.oc * c.k * kw * c.ic
        let weights = (0..<weightCount).map { _ in rng.int8() }
        let bias = (0..<c.oc).map { _ in Int32(rng.next() % 4000 - 2000) }
        let shift = c.depthwise ? 6 : 9

        // Reference: padded taps read the zero point.
        var expected = [Int8](repeating: 0, count: oh * ow * c.oc)
        for oy in 0..<oh {
            for ox in 0..<ow {
                for o in 0..<c.oc {
                    var acc = Int(bias[o])
                    for ky in 0..<c.k {
                        for kx in 0..<kw {
                            let (iy, ix) = (oy * c.stride + ky - padTop, ox * c.stride + kx - padLeft)
                            let inside = iy >= 0 && iy < c.h && ix >= 0 && ix < c.w
                            if c.depthwise {
                                let v = inside ? Int(x[(iy * c.w + ix) * c.ic + o]) : c.zeroPoint
                                acc += v * Int(weights[(ky * kw + kx) * c.ic + o])
                            } else {
                                for i in 0..<c.ic {
                                    let v = inside ? Int(x[(iy * c.w + ix) * c.ic + i]) : c.zeroPoint
                                    acc += v * Int(weights[((o * c.k + ky) * kw + kx) * c.ic + i])
                                }
                            }
                        }
                    }
                    expected[(oy * ow + ox) * c.oc + o] = Int8(max(-128, min(127, acc >> shift)))
                }
            }
        }

        // Constants: packed weights, then the bias as ACC vectors.
        let packed =
            c.depthwise
            ? ConstantPacking.depthwise(weights, shape: [1, c.k, kw, c.ic], config: config)
            : ConstantPacking.convolution(weights, shape: [c.oc, c.k, kw, c.ic], config: config)
        var constants = packed.bytes.map { UInt8(bitPattern: $0) }
        let accBytes = config.dramElementBytes(.accumulator)
        let biasOffset = (constants.count + accBytes - 1) / accBytes * accBytes
        constants += [UInt8](repeating: 0, count: biasOffset - constants.count)
        let outBlocks = (c.oc + block - 1) / block
        var biasBytes = [UInt8](repeating: 0, count: outBlocks * accBytes)
        for (o, v) in bias.enumerated() {
            for byte in 0..<4 { biasBytes[o * 4 + byte] = UInt8(truncatingIfNeeded: v >> (8 * byte)) }
        }
        constants += biasBytes

        // Activations: the input packed (with a halo holding the zero point when it is not 0).
        let halo =
            c.zeroPoint != 0
            ? Padding2DHalo(top: padTop, bottom: padBottom, left: padLeft, right: padRight) : .none
        let inLayout = PackedLayout(shape: [1, c.h, c.w, c.ic], config: config, halo: halo)
        let outLayout = PackedLayout(shape: [1, oh, ow, c.oc], config: config)
        var activations = [UInt8](
            repeating: halo == .none ? 0 : UInt8(bitPattern: Int8(c.zeroPoint)), count: inLayout.byteCount)
        for y in 0..<c.h {
            for xx in 0..<c.w {
                for ch in 0..<c.ic {
                    activations[inLayout.offset(n: 0, y: y, x: xx, c: ch)] = UInt8(
                        bitPattern: x[(y * c.w + xx) * c.ic + ch])
                }
            }
        }
        let outputOffset = (activations.count + 4095) / 4096 * 4096
        activations += [UInt8](repeating: 0, count: outputOffset - activations.count + outLayout.byteCount)

        let layer = ConvLayer(
            depthwise: c.depthwise, inputHeight: c.h, inputWidth: c.w, outputHeight: oh, outputWidth: ow,
            inputBlocks: (c.ic + block - 1) / block, outputBlocks: outBlocks, kernelH: c.k, kernelW: kw,
            strideH: c.stride, strideW: c.stride, padTop: padTop, padBottom: padBottom, padLeft: padLeft,
            padRight: padRight, inputOffset: 0, inputHalo: halo, outputOffset: outputOffset,
            outputHalo: .none,
            weightsOffset: 0, biasOffset: biasOffset)
        var builder = StreamBuilder(config: config)
        try ConvLowering.emit(
            layer, into: &builder, requantizer: ShiftRequantizer(shift: shift, zeroPoint: 0))
        let program = SegmentProgram(builder)

        for eager in [false, true] {
            let harness = SimulatorHarness(target: target, eager: eager)
            harness.region(.constants, size: constants.count, bytes: constants)
            harness.region(.activations, size: activations.count, bytes: activations)
            try harness.run(program)
            let out = harness.read(.activations, offset: outputOffset, count: outLayout.byteCount)
            var mismatches = 0
            for oy in 0..<oh {
                for ox in 0..<ow {
                    for o in 0..<c.oc {
                        let got = Int8(bitPattern: out[outLayout.offset(n: 0, y: oy, x: ox, c: o)])
                        if got != expected[(oy * ow + ox) * c.oc + o] { mismatches += 1 }
                    }
                }
            }
            #expect(mismatches == 0, "\(c) eager=\(eager): \(mismatches) of \(oh * ow * c.oc) outputs differ")
            // Exactly the convolution's block MACs: no GEMM runs blocks outside its group.
            let inBlocks = c.depthwise ? 1 : (c.ic + config.blockIn - 1) / config.blockIn
            let blockMACs = oh * ow * outBlocks * inBlocks * c.k * kw * config.batch * config.blockIn * block
            #expect(Int(harness.counters().macs) == blockMACs, "\(c) eager=\(eager)")
            if !eager {
                let report = harness.verify(
                    program, sizes: [.constants: constants.count, .activations: activations.count])
                #expect(report.isSafe, "\(c): \(report.errors.prefix(3))")
            }
        }
    }

    /// TFLite's output size and padding (SAME: the odd element after; VALID: none).
    func pad(_ size: Int, _ k: Int, _ stride: Int, _ same: Bool) -> (Int, Int, Int) {
        if same {
            let out = (size + stride - 1) / stride
            let total = max(0, (out - 1) * stride + k - size)
            return (out, total / 2, total - total / 2)
        }
        return ((size - k + stride) / stride, 0, 0)
    }
}
