import GraphIR
import VTATarget

/// Weights packed for the GEMM unit: tiles of BLOCK_OUT × BLOCK_IN int8 stored [out][in]
/// (one WGT element each), zero-padded where channels do not fill a block.
public struct PackedWeights: Sendable, Equatable {
    /// Tile index order: [outBlock][tap][inBlock], tap = kh·KW + kw (1 tap for FULLY_CONNECTED).
    public var outBlocks: Int
    public var taps: Int
    public var inBlocks: Int
    public var blockOut: Int
    public var blockIn: Int
    /// outBlocks · taps · inBlocks tiles of blockOut · blockIn bytes.
    public var bytes: [Int8]

    public func tileIndex(outBlock: Int, tap: Int, inBlock: Int) -> Int {
        (outBlock * taps + tap) * inBlocks + inBlock
    }

    /// The weight multiplying input channel `i` into output channel `o` at `tap`.
    public func weight(o: Int, i: Int, tap: Int) -> Int8 {
        let tile = tileIndex(outBlock: o / blockOut, tap: tap, inBlock: i / blockIn)
        return bytes[(tile * blockOut + o % blockOut) * blockIn + i % blockIn]
    }
}

/// Packing of constants for the accelerator, and the bias with the input zero point folded in.
///
/// TFLite computes Σ w·(x − zp_in) + bias. With padded taps reading the zero point (halos
/// filled with zp_in), that equals Σ w·x + (bias − zp_in·Σ w): the second term is a constant
/// per output channel, so the accelerator adds it as its bias and multiplies raw int8 inputs.
public enum ConstantPacking {
    /// CONV_2D weights [OC][KH][KW][IC] → tiles [ocBlock][kh·KW+kw][icBlock].
    public static func convolution(_ weights: [Int8], shape: [Int], config: HardwareConfig) -> PackedWeights {
        let (oc, kh, kw, ic) = (shape[0], shape[1], shape[2], shape[3])
        var packed = empty(out: oc, taps: kh * kw, in: ic, config: config)
        for o in 0..<oc {
            for tap in 0..<(kh * kw) {
                for i in 0..<ic {
                    set(&packed, o: o, i: i, tap: tap, weights[(o * kh * kw + tap) * ic + i])
                }
            }
        }
        return packed
    }

    /// DEPTHWISE_CONV_2D weights [1][KH][KW][C] (multiplier 1) → diagonal tiles: channel c of
    /// a block multiplies only input lane c, so one GEMM does a block of channels at once. The
    /// tile of output block b is applied to input block b (`inBlocks` is 1: lanes are local).
    public static func depthwise(_ weights: [Int8], shape: [Int], config: HardwareConfig) -> PackedWeights {
        let (kh, kw, c) = (shape[1], shape[2], shape[3])
        let blocks = (c + config.blockOut - 1) / config.blockOut
        var packed = PackedWeights(
            outBlocks: blocks, taps: kh * kw, inBlocks: 1, blockOut: config.blockOut, blockIn: config.blockIn,
            bytes: Array(repeating: 0, count: blocks * kh * kw * config.blockOut * config.blockIn))
        for ch in 0..<c {
            for tap in 0..<(kh * kw) {
                let tile = packed.tileIndex(outBlock: ch / config.blockOut, tap: tap, inBlock: 0)
                packed.bytes[
                    (tile * config.blockOut + ch % config.blockOut) * config.blockIn + ch % config.blockIn] =
                    weights[tap * c + ch]
            }
        }
        return packed
    }

    /// FULLY_CONNECTED weights [OUT][IN] → tiles [outBlock][0][inBlock]. `inputOrder`, when
    /// given, maps position k of the accelerator's input vector to the model's input index (or
    /// nil for a padding lane): that is how a flatten of a packed tensor is folded into the
    /// weights.
    public static func fullyConnected(
        _ weights: [Int8], shape: [Int], config: HardwareConfig, inputOrder: [Int?]? = nil
    ) -> PackedWeights {
        let (out, inDepth) = (shape[0], shape[1])
        let order = inputOrder ?? (0..<inDepth).map { Optional($0) }
        var packed = empty(out: out, taps: 1, in: order.count, config: config)
        for o in 0..<out {
            for (k, source) in order.enumerated() {
                guard let source else { continue }
                set(&packed, o: o, i: k, tap: 0, weights[o * inDepth + source])
            }
        }
        return packed
    }

    /// The accelerator's input order for a flatten of an NHWC tensor held packed: position k of
    /// the packed vector (channel blocks outermost, then rows, columns, lanes) → NHWC index.
    public static func flattenOrder(of shape: [Int], config: HardwareConfig) -> [Int?] {
        let layout = PackedLayout(shape: shape, config: config)
        var order = [Int?](repeating: nil, count: layout.channelBlocks * layout.h * layout.w * layout.block)
        for y in 0..<layout.h {
            for x in 0..<layout.w {
                for c in 0..<layout.c {
                    let k =
                        ((c / layout.block * layout.h + y) * layout.w + x) * layout.block + c % layout.block
                    order[k] = (y * layout.w + x) * layout.c + c
                }
            }
        }
        return order
    }

    /// bias[o] − zpIn · Σ weights of output channel o (int32, as TFLite accumulates).
    /// `weightsPerOutput` lists, per output channel, the weights that multiply inputs.
    public static func foldedBias(bias: [Int32]?, weightSums: [Int], inputZeroPoint: Int) -> [Int32] {
        weightSums.enumerated().map { o, sum in
            Int32(truncatingIfNeeded: Int(bias?[o] ?? 0) - inputZeroPoint * sum)
        }
    }

    /// Σ of the weights feeding each output channel: CONV [OC][KH][KW][IC] sums per OC; FC
    /// [OUT][IN] per OUT; DEPTHWISE [1][KH][KW][C] per C.
    public static func weightSums(_ weights: [Int8], shape: [Int], depthwise: Bool) -> [Int] {
        if depthwise {
            let c = shape[3]
            var sums = [Int](repeating: 0, count: c)
            for (i, w) in weights.enumerated() { sums[i % c] += Int(w) }
            return sums
        }
        let out = shape[0]
        let per = weights.count / max(out, 1)
        return (0..<out).map { o in weights[(o * per)..<((o + 1) * per)].reduce(0) { $0 + Int($1) } }
    }

    private static func empty(out: Int, taps: Int, in inDepth: Int, config: HardwareConfig) -> PackedWeights {
        let outBlocks = (out + config.blockOut - 1) / config.blockOut
        let inBlocks = (inDepth + config.blockIn - 1) / config.blockIn
        return PackedWeights(
            outBlocks: outBlocks, taps: taps, inBlocks: inBlocks, blockOut: config.blockOut,
            blockIn: config.blockIn,
            bytes: Array(repeating: 0, count: outBlocks * taps * inBlocks * config.blockOut * config.blockIn))
    }

    private static func set(_ packed: inout PackedWeights, o: Int, i: Int, tap: Int, _ value: Int8) {
        let tile = packed.tileIndex(outBlock: o / packed.blockOut, tap: tap, inBlock: i / packed.blockIn)
        packed.bytes[(tile * packed.blockOut + o % packed.blockOut) * packed.blockIn + i % packed.blockIn] =
            value
    }
}
