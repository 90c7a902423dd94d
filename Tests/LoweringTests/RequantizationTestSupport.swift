import Lowering
import TFLiteArithmetic
import TestSupport

/// Deterministic random numbers and reference-side helpers for the requantization tests.
struct RequantRNG {
    var source: SplitMix64

    init(seed: UInt64) { source = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { source.next() }

    mutating func int(_ range: ClosedRange<Int64>) -> Int64 {
        let width = UInt64(bitPattern: range.upperBound &- range.lowerBound) &+ 1
        if width == 0 { return Int64(bitPattern: next()) }
        return range.lowerBound &+ Int64(bitPattern: next() % width)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        Int(int(Int64(range.lowerBound)...Int64(range.upperBound)))
    }

    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) < p * 1_000_000 }

    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

enum RequantCases {
    /// A random accumulator bound: symmetric or not, from a few hundred to the full int32 range.
    static func bound(_ rng: inout RequantRNG, maxBits: Int = 31) -> ClosedRange<Int64> {
        if rng.chance(0.08) { return Int64(Int32.min)...Int64(Int32.max) }
        let hi = Int64(1) << rng.int(8...maxBits)
        let lo = rng.chance(0.5) ? -hi : -(Int64(1) << rng.int(8...maxBits))
        return (lo + rng.int(0...Int64(50)))...(hi - 1 - rng.int(0...Int64(50)))
    }

    /// A double-rounding multiplier like the converters produce, with shifts from very
    /// negative to positive (positive ones only with a bound that keeps acc·2^shift in int32).
    static func multiplier(_ rng: inout RequantRNG, bound: inout ClosedRange<Int64>) -> QuantizedMultiplier {
        let m = Int32(rng.int(Int64(1 << 30)...Int64(Int32.max)))
        let shift: Int
        switch rng.int(0...9) {
        case 0: shift = rng.int(-31...(-18))
        case 1: shift = rng.int(0...3)
        default: shift = rng.int(-14...(-1))
        }
        if shift > 0 {
            let limit = (Int64(1) << (31 - shift)) - 1
            bound = max(bound.lowerBound, -limit)...min(bound.upperBound, limit)
        }
        return QuantizedMultiplier(multiplier: m, shift: Int32(shift))
    }

    /// A FULLY_CONNECTED scale: arbitrary doubles, and short dyadic fractions that hit exact
    /// ties (acc · s = k + 1/2).
    static func scale(_ rng: inout RequantRNG) -> Double {
        switch rng.int(0...3) {
        case 0: return Double(rng.int(1...255) | 1) / Double(Int64(1) << rng.int(8...20))
        case 1: return Double(sign: .plus, exponent: -rng.int(1...14), significand: 1)
        default: return (0.5 + rng.unit()) * Double(sign: .plus, exponent: -rng.int(2...16), significand: 1)
        }
    }

    /// Output zero point and activation range: none, RELU or RELU6-like.
    static func activation(_ rng: inout RequantRNG) -> (zp: Int32, min: Int32, max: Int32) {
        let zp = Int32(rng.int(-128...127))
        switch rng.int(0...2) {
        case 0: return (zp, -128, 127)
        case 1: return (zp, max(-128, zp), 127)
        default:
            let lo = max(-128, zp)
            return (zp, lo, Int32(min(127, Int(lo) + rng.int(1...200))))
        }
    }

    /// A convolution-like specification: per-channel scales within a factor of 4 of each
    /// other around 2^-8 … 2^-14 of an accumulator step, accumulator bounds of 2^16 … 2^21.
    static func layerSpec(_ rng: inout RequantRNG, channels: Int, floatScale: Bool) -> RequantizationSpec {
        let (zp, lo, hi) = activation(&rng)
        let base = rng.int(8...14)
        let bounds = (0..<channels).map { _ -> ClosedRange<Int64> in
            let b = Int64(1) << rng.int(16...21)
            return -b...(b - 1)
        }
        let rounding: RequantizationSpec.Rounding =
            floatScale
            ? .floatScale(
                (0..<channels).map { _ in
                    (0.5 + rng.unit()) * Double(sign: .plus, exponent: -base, significand: 1)
                }
            )
            : .doubleRounding(
                (0..<channels).map { _ in
                    QuantizedMultiplier(
                        multiplier: Int32(rng.int(Int64(1 << 30)...Int64(Int32.max))),
                        shift: Int32(-base + rng.int(-1...1)))
                })
        return RequantizationSpec(
            rounding: rounding, outputZeroPoint: zp, activationMin: lo, activationMax: hi, channels: channels,
            accumulatorBounds: bounds)
    }

    /// A random specification.
    static func spec(
        _ rng: inout RequantRNG, channels: Int, floatScale: Bool, perChannel: Bool = true
    )
        -> RequantizationSpec
    {
        let (zp, lo, hi) = activation(&rng)
        var bounds: [ClosedRange<Int64>] = []
        let count = perChannel ? channels : 1
        if floatScale {
            let scales = (0..<count).map { _ in scale(&rng) }
            for _ in 0..<channels { bounds.append(bound(&rng)) }
            return RequantizationSpec(
                rounding: .floatScale(scales), outputZeroPoint: zp, activationMin: lo, activationMax: hi,
                channels: channels, accumulatorBounds: bounds)
        }
        var ms: [QuantizedMultiplier] = []
        for c in 0..<channels {
            var b = bound(&rng)
            if c < count { ms.append(multiplier(&rng, bound: &b)) }
            bounds.append(b)
        }
        if !perChannel {
            // One multiplier for all: every bound must respect its shift.
            let shift = Int(ms[0].shift)
            if shift > 0 {
                let limit = (Int64(1) << (31 - shift)) - 1
                bounds = bounds.map { max($0.lowerBound, -limit)...min($0.upperBound, limit) }
            }
        }
        return RequantizationSpec(
            rounding: .doubleRounding(ms), outputZeroPoint: zp, activationMin: lo, activationMax: hi,
            channels: channels, accumulatorBounds: bounds)
    }

    /// The least accumulator in `range` whose output reaches `v`, if any (the reference is
    /// monotone).
    static func threshold(
        _ spec: RequantizationSpec, channel c: Int, value v: Int32, range: ClosedRange<Int64>
    )
        -> Int64?
    {
        guard spec.reference(Int32(range.upperBound), channel: c) >= v else { return nil }
        var (lo, hi) = (range.lowerBound - 1, range.upperBound)
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if spec.reference(Int32(mid), channel: c) >= v { hi = mid } else { lo = mid }
        }
        return hi
    }

    /// Accumulators worth testing for channel `c`: the range's ends, 0 and ±1, every output
    /// step (the threshold and the value below it: the rounding boundaries, ties included),
    /// and random values.
    static func accumulators(
        _ spec: RequantizationSpec, channel c: Int, random: Int, rng: inout RequantRNG
    ) -> [Int64] {
        let b = spec.accumulatorBounds.count == 1 ? spec.accumulatorBounds[0] : spec.accumulatorBounds[c]
        let range = max(b.lowerBound, Int64(Int32.min))...min(b.upperBound, Int64(Int32.max))
        var set: Set<Int64> = [range.lowerBound, range.upperBound]
        for v in [-1, 0, 1] as [Int64] where range.contains(v) { set.insert(v) }
        for v in Int32(-127)...127 {
            if let t = threshold(spec, channel: c, value: v, range: range) {
                for d in [-1, 0, 1] as [Int64] where range.contains(t + d) { set.insert(t + d) }
            }
        }
        for _ in 0..<random { set.insert(rng.int(range)) }
        return set.sorted()
    }
}
