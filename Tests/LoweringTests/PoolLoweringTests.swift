import Lowering
import Partitioning
import Testing
import VTATarget

/// Pooling lowered to identity GEMM and ALU taps matches TFLite's reference rules: max over
/// in-bounds taps; average with the truncating rounding division.
@Suite struct PoolLoweringTests {
    struct Case: CustomStringConvertible, Sendable {
        var average: Bool
        var h: Int, w: Int, c: Int
        var f: Int, stride: Int
        var same: Bool
        var target = "alkali"
        var range = (-128, 127)
        var description: String {
            "\(average ? "avg" : "max") \(h)x\(w)x\(c) f\(f) s\(stride) \(same ? "SAME" : "VALID") \(target)"
        }
    }

    static let cases: [Case] = [
        Case(average: false, h: 9, w: 9, c: 20, f: 3, stride: 2, same: true),
        Case(average: false, h: 8, w: 8, c: 16, f: 2, stride: 2, same: false),
        Case(average: false, h: 7, w: 6, c: 3, f: 2, stride: 1, same: false, range: (-100, 90)),
        Case(average: true, h: 8, w: 8, c: 64, f: 8, stride: 8, same: false),
        Case(average: true, h: 8, w: 8, c: 17, f: 2, stride: 2, same: false),
        Case(average: true, h: 4, w: 4, c: 40, f: 4, stride: 4, same: false, target: "cloud"),
        Case(average: false, h: 5, w: 5, c: 40, f: 3, stride: 1, same: true, target: "cloud"),
    ]

    @Test(arguments: cases)
    func matchesReference(c: Case) throws {
        let target = try Target.load(name: c.target)
        let config = target.config
        let block = config.blockOut
        var rng = TokenInsertionTests.RNG(seed: c.description)
        let x = (0..<(c.h * c.w * c.c)).map { _ in rng.int8() }
        let (oh, pt, pb) = ConvLoweringTests().pad(c.h, c.f, c.stride, c.same)
        let (ow, pl, pr) = ConvLoweringTests().pad(c.w, c.f, c.stride, c.same)
        var expected = [Int8](repeating: 0, count: oh * ow * c.c)
        for oy in 0..<oh {
            for ox in 0..<ow {
                for ch in 0..<c.c {
                    var acc = c.average ? 0 : -128
                    var n = 0
                    for ky in 0..<c.f {
                        for kx in 0..<c.f {
                            let (iy, ix) = (oy * c.stride + ky - pt, ox * c.stride + kx - pl)
                            guard iy >= 0 && iy < c.h && ix >= 0 && ix < c.w else { continue }
                            let v = Int(x[(iy * c.w + ix) * c.c + ch])
                            acc = c.average ? acc + v : max(acc, v)
                            n += 1
                        }
                    }
                    if c.average { acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n }
                    expected[(oy * ow + ox) * c.c + ch] = Int8(max(c.range.0, min(c.range.1, acc)))
                }
            }
        }
        let halo = !c.average && c.same ? Padding2DHalo(top: pt, bottom: pb, left: pl, right: pr) : .none
        let inLayout = PackedLayout(shape: [1, c.h, c.w, c.c], config: config, halo: halo)
        let outLayout = PackedLayout(shape: [1, oh, ow, c.c], config: config)
        var activations = [UInt8](repeating: halo == .none ? 0 : 0x80, count: inLayout.byteCount)
        for y in 0..<c.h {
            for xx in 0..<c.w {
                for ch in 0..<c.c {
                    activations[inLayout.offset(n: 0, y: y, x: xx, c: ch)] = UInt8(
                        bitPattern: x[(y * c.w + xx) * c.c + ch])
                }
            }
        }
        let outputOffset = (activations.count + 4095) / 4096 * 4096
        activations += [UInt8](repeating: 0, count: outputOffset - activations.count + outLayout.byteCount)
        var identity = [UInt8](repeating: 0, count: block * block)
        for i in 0..<block { identity[i * block + i] = 1 }
        let layer = PoolLayer(
            average: c.average, inputHeight: c.h, inputWidth: c.w, outputHeight: oh, outputWidth: ow,
            blocks: (c.c + block - 1) / block, filterH: c.f, filterW: c.f, strideH: c.stride,
            strideW: c.stride,
            padTop: pt, padBottom: pb, padLeft: pl, padRight: pr, inputOffset: 0, inputHalo: halo,
            outputOffset: outputOffset, outputHalo: .none, identityOffset: 0, activationMin: c.range.0,
            activationMax: c.range.1)
        var builder = StreamBuilder(config: config)
        try PoolLowering.emit(layer, into: &builder)
        let program = SegmentProgram(builder)
        for eager in [false, true] {
            let harness = SimulatorHarness(target: target, eager: eager)
            harness.region(.constants, size: identity.count, bytes: identity)
            harness.region(.activations, size: activations.count, bytes: activations)
            try harness.run(program)
            let out = harness.read(.activations, offset: outputOffset, count: outLayout.byteCount)
            var mismatches = 0
            for oy in 0..<oh {
                for ox in 0..<ow {
                    for ch in 0..<c.c
                    where Int8(bitPattern: out[outLayout.offset(n: 0, y: oy, x: ox, c: ch)])
                        != expected[(oy * ow + ox) * c.c + ch]
                    {
                        mismatches += 1
                    }
                }
            }
            #expect(mismatches == 0, "\(c) eager=\(eager): \(mismatches) differ")
            if !eager {
                let report = harness.verify(
                    program, sizes: [.constants: identity.count, .activations: activations.count])
                #expect(report.isSafe, "\(c): \(report.errors.prefix(3))")
            }
        }
    }

    @Test func averagePoolingWithBorderWindowsIsRefused() {
        let layer = PoolLayer(
            average: true, inputHeight: 9, inputWidth: 9, outputHeight: 5, outputWidth: 5, blocks: 1,
            filterH: 3,
            filterW: 3, strideH: 2, strideW: 2, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1,
            inputOffset: 0,
            inputHalo: .none, outputOffset: 0, outputHalo: .none, identityOffset: 0, activationMin: -128,
            activationMax: 127)
        var builder = StreamBuilder(config: .tvmDefault)
        #expect(throws: LoweringError.self) { try PoolLowering.emit(layer, into: &builder) }
    }
}
