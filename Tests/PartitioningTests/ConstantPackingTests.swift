import Partitioning
import TestSupport
import Testing
import VTATarget

/// Packed weights and folded biases give exactly TFLite's sums when used the way the GEMM unit
/// uses them: tiles of [out][in] against input vectors, with raw int8 inputs.
@Suite struct ConstantPackingTests {
    static let configs: [(String, HardwareConfig)] = [
        ("default", .tvmDefault),
        (
            "block32",
            try! HardwareConfig(
                target: "cloud", hardwareVersion: "0.0.2", logInputWidth: 3, logWeightWidth: 3,
                logAccumulatorWidth: 5,
                logBatch: 0, logBlockIn: 5, logBlockOut: 5, logUopBufferSize: 15, logInputBufferSize: 16,
                logWeightBufferSize: 20, logAccumulatorBufferSize: 18)
        ),
    ]

    @Test(arguments: [3, 16, 17, 40], [0, 1])
    func convolutionTilesReproduceTheDotProducts(channels: Int, configIndex: Int) {
        let config = Self.configs[configIndex].1
        var rng = SplitMix64(seed: UInt64(channels * 7 + configIndex))
        let (oc, kh, kw, ic) = (channels + 3, 3, 2, channels)
        let weights = rng.int8s(oc * kh * kw * ic)
        let packed = ConstantPacking.convolution(weights, shape: [oc, kh, kw, ic], config: config)
        #expect(
            packed.bytes.count == packed.outBlocks * packed.taps * packed.inBlocks * config.blockOut
                * config.blockIn)
        for o in 0..<oc {
            for tap in 0..<(kh * kw) {
                for i in 0..<ic {
                    #expect(packed.weight(o: o, i: i, tap: tap) == weights[(o * kh * kw + tap) * ic + i])
                }
            }
        }
        // Padding lanes are zero, so a padded input channel contributes nothing.
        let padIn = packed.inBlocks * config.blockIn
        for i in ic..<padIn { #expect(packed.weight(o: 0, i: i, tap: 0) == 0) }
    }

    @Test(arguments: [0, 1])
    func depthwiseTilesAreDiagonal(configIndex: Int) {
        let config = Self.configs[configIndex].1
        var rng = SplitMix64(seed: 99)
        let c = 20
        let weights = rng.int8s(3 * 3 * c)
        let packed = ConstantPacking.depthwise(weights, shape: [1, 3, 3, c], config: config)
        for ch in 0..<c {
            for tap in 0..<9 {
                // The tile of output block b multiplies input block b: lanes are local to it.
                for i in 0..<config.blockIn {
                    let expected: Int8 = i == ch % config.blockOut ? weights[tap * c + ch] : 0
                    #expect(packed.weight(o: ch, i: i, tap: tap) == expected)
                }
            }
        }
    }

    /// A FULLY_CONNECTED after a flatten reads the packed tensor directly: with the weights'
    /// columns permuted, packed-order dot products equal the NHWC-order ones.
    @Test(arguments: [0, 1])
    func flattenIsFoldedIntoTheWeights(configIndex: Int) {
        let config = Self.configs[configIndex].1
        var rng = SplitMix64(seed: 5)
        let shape = [1, 2, 3, 20]
        let inDepth = 2 * 3 * 20
        let out = 7
        let x = rng.int8s(inDepth)
        let weights = rng.int8s(out * inDepth)
        let order = ConstantPacking.flattenOrder(of: shape, config: config)
        let packed = ConstantPacking.fullyConnected(
            weights, shape: [out, inDepth], config: config, inputOrder: order)
        let layout = PackedLayout(shape: shape, config: config)
        // The packed input vector, as the accelerator holds it.
        var packedX = [Int8](repeating: 0, count: layout.byteCount)
        for y in 0..<2 {
            for xx in 0..<3 {
                for c in 0..<20 { packedX[layout.offset(n: 0, y: y, x: xx, c: c)] = x[(y * 3 + xx) * 20 + c] }
            }
        }
        #expect(packedX.count == order.count)
        for o in 0..<out {
            let reference = (0..<inDepth).reduce(0) { $0 + Int(weights[o * inDepth + $1]) * Int(x[$1]) }
            let accelerated = (0..<packedX.count).reduce(0) {
                $0 + Int(packed.weight(o: o, i: $1, tap: 0)) * Int(packedX[$1])
            }
            #expect(accelerated == reference)
        }
    }

    @Test func foldedBiasMatchesTFLiteSums() {
        var rng = SplitMix64(seed: 11)
        let (out, k) = (5, 27)
        let weights = rng.int8s(out * k)
        let bias: [Int32] = (0..<out).map { Int32($0 * 1000 - 2000) }
        for zp in [-128, -5, 0, 77, 127] {
            let folded = ConstantPacking.foldedBias(
                bias: bias,
                weightSums: ConstantPacking.weightSums(weights, shape: [out, k], depthwise: false),
                inputZeroPoint: zp)
            let x = rng.int8s(k)
            for o in 0..<out {
                let tflite = (0..<k).reduce(Int(bias[o])) {
                    $0 + Int(weights[o * k + $1]) * (Int(x[$1]) - zp)
                }
                let accelerator = (0..<k).reduce(Int(folded[o])) {
                    $0 + Int(weights[o * k + $1]) * Int(x[$1])
                }
                #expect(accelerator == tflite)
            }
        }
    }

    @Test func packedLayoutOffsetsAreABijection() {
        let layout = PackedLayout(
            shape: [1, 5, 4, 20], config: .tvmDefault,
            halo: Padding2DHalo(top: 1, bottom: 2, left: 1, right: 0))
        #expect(layout.byteCount == 2 * 8 * 5 * 16)
        var seen = Set<Int>()
        for y in 0..<5 {
            for x in 0..<4 {
                for c in 0..<20 {
                    let o = layout.offset(n: 0, y: y, x: x, c: c)
                    #expect(o >= 0 && o < layout.byteCount)
                    seen.insert(o)
                }
            }
        }
        #expect(seen.count == 5 * 4 * 20)
        #expect(layout.offset(n: 0, y: 0, x: 0, c: 0) == (1 * 5 + 1) * 16)
    }
}
