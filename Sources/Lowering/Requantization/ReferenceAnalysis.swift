import TFLiteArithmetic

/// One channel of the reference rule, reduced to what an exact program must match.
///
/// The reference `F(acc) = clamp(zp + f(acc), min, max)` is monotone non-decreasing in `acc`
/// for every rule TFLite uses (a positive multiplier, then roundings that are monotone), so it
/// is a staircase with at most `max − min` steps. `F` is fully described by its value at the
/// ends of the accumulator range and its thresholds `T_v = min{acc : F(acc) ≥ v}`. Any other
/// monotone function that agrees with `F` at the ends and at every `T_v` and `T_v − 1` agrees
/// with `F` everywhere in between (it cannot step where `F` does not). That is how the planner
/// proves exactness without enumerating accumulators.
///
/// Outside `[clampLow, clampHigh]` the output no longer changes (it saturates at the
/// activation bounds, or the accumulator range ends first), so clamping the accumulator to
/// that range first changes nothing and bounds the operand the multiplication sees.
struct ChannelReference: Sendable {
    /// The compile-time accumulator range.
    var lower: Int64
    var upper: Int64
    var outputMin: Int32
    var outputMax: Int32
    /// The real slope of the rule, `mantissa · 2^exponent` (mantissa ≥ 0): the multiplier a
    /// program with right shift N needs is about `mantissa · 2^(N + exponent)`.
    var mantissa: Int64
    var exponent: Int
    /// Set when `F` is constant on the range.
    var constantValue: Int32?
    /// `T_(first+1) − 1` and `T_last`: the accumulator range where the output changes, widened
    /// by one value with the first and the last output (clamping to it changes no output).
    var clampLow: Int64
    var clampHigh: Int64
    /// Constraint points in `[clampLow, clampHigh]`, ascending, with `F` there.
    var points: [Int64]
    var values: [Int32]

    /// Builds the reference of one channel from `evaluate` (the clamped reference output),
    /// which must be monotone non-decreasing on `lower...upper`.
    init(
        lower: Int64, upper: Int64, outputMin: Int32, outputMax: Int32, mantissa: Int64, exponent: Int,
        evaluate: (Int64) -> Int32
    ) {
        self.lower = lower
        self.upper = upper
        self.outputMin = outputMin
        self.outputMax = outputMax
        self.mantissa = mantissa
        self.exponent = exponent
        let first = evaluate(lower)
        let last = evaluate(upper)
        clampLow = lower
        clampHigh = upper
        points = []
        values = []
        if first == last {
            constantValue = first
            points = [lower]
            values = [first]
            return
        }
        constantValue = nil
        /// T_v: the least accumulator with F ≥ v (v in (first, last]).
        func threshold(_ v: Int32) -> Int64 {
            var (lo, hi) = (lower, upper)  // F(lo) < v ≤ F(hi)
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2
                if evaluate(mid) >= v { hi = mid } else { lo = mid }
            }
            return hi
        }
        // Below T_(first+1) the output is `first`, from T_last on it is `last`.
        clampLow = threshold(first + 1) - 1
        clampHigh = threshold(last)
        var set: Set<Int64> = [clampLow, clampHigh]
        var v = first + 1
        while v <= last {
            let t = threshold(v)
            if t > clampLow && t <= clampHigh {
                set.insert(t)
                set.insert(t - 1)
            }
            // Skip the values F jumps over.
            v = max(v + 1, evaluate(t) + 1)
        }
        points = set.sorted()
        values = points.map(evaluate)
    }

    /// The multiplier about `s · 2^N` (floor), or nil above `limit`.
    func nominalMultiplier(shift n: Int, limit: Int64) -> Int64? {
        let e = n + exponent
        if e >= 0 {
            guard mantissa == 0 || mantissa.leadingZeroBitCount > e + 1 else { return nil }
            let m = mantissa << e
            return m <= limit ? m : nil
        }
        let m = -e >= 63 ? 0 : mantissa >> -e
        return m <= limit ? m : nil
    }
}

extension RequantizationSpec {
    /// The per-channel references, or why the rule cannot be reproduced at all.
    func channelReferences() throws(RequantizationError) -> [ChannelReference] {
        guard channels > 0 else { throw .invalidSpecification("no channels") }
        guard accumulatorBounds.count == 1 || accumulatorBounds.count == channels else {
            throw .invalidSpecification(
                "\(accumulatorBounds.count) accumulator bounds for \(channels) channels")
        }
        guard activationMin <= activationMax, activationMin >= -128, activationMax <= 127 else {
            throw .invalidSpecification(
                "activation range \(activationMin)...\(activationMax) is not within int8")
        }
        for b in accumulatorBounds where b.upperBound < Int64(Int32.min) || b.lowerBound > Int64(Int32.max) {
            throw .invalidSpecification("accumulator bound \(b) lies outside int32")
        }
        var result: [ChannelReference] = []
        switch rounding {
        case .doubleRounding(let ms):
            guard ms.count == 1 || ms.count == channels else {
                throw .invalidSpecification("\(ms.count) multipliers for \(channels) channels")
            }
            for c in 0..<channels {
                let m = ms.count == 1 ? ms[0] : ms[c]
                guard m.multiplier >= 0 else {
                    throw .invalidSpecification(
                        "channel \(c): negative multiplier \(m) (scales are positive)")
                }
                let shift = Int(min(max(m.shift, -31), 31))
                let range = bound(c)
                if shift > 0 {
                    // TFLite computes x · 2^shift in int32: beyond that range the reference
                    // overflows (undefined behaviour in C++), and no program can match it.
                    let limit = Int64(1) << (31 - shift)
                    guard range.lowerBound >= -limit, range.upperBound < limit else {
                        throw .notExact(
                            "channel \(c): shift \(shift) makes TFLite's acc · 2^shift overflow int32 for accumulators in \(range)"
                        )
                    }
                }
                try checkZeroPointSum(c, range)
                result.append(
                    ChannelReference(
                        lower: range.lowerBound, upper: range.upperBound, outputMin: activationMin,
                        outputMax: activationMax, mantissa: Int64(m.multiplier), exponent: shift - 31
                    ) { self.reference(Int32($0), channel: c) })
            }
        case .floatScale(let ss):
            guard ss.count == 1 || ss.count == channels else {
                throw .invalidSpecification("\(ss.count) scales for \(channels) channels")
            }
            for c in 0..<channels {
                let s = ss.count == 1 ? ss[0] : ss[c]
                guard s.isFinite, s >= 0 else {
                    throw .invalidSpecification(
                        "channel \(c): scale \(s) is not a finite non-negative number")
                }
                let range = bound(c)
                try checkZeroPointSum(c, range)
                // s = significand · 2^exponent exactly, with a 53-bit integer significand.
                let mantissa = s == 0 ? 0 : Int64(s.significand * 4_503_599_627_370_496.0)
                let exponent = s == 0 ? 0 : Int(s.exponent) - 52
                result.append(
                    ChannelReference(
                        lower: range.lowerBound, upper: range.upperBound, outputMin: activationMin,
                        outputMax: activationMax, mantissa: mantissa, exponent: exponent
                    ) { self.reference(Int32($0), channel: c) })
            }
        }
        return result
    }

    /// TFLite adds the zero point in int32: where that addition overflows the reference is
    /// undefined, so refuse rather than guess.
    private func checkZeroPointSum(_ c: Int, _ range: ClosedRange<Int64>) throws(RequantizationError) {
        for acc in [range.lowerBound, range.upperBound] {
            let raw: Int64
            switch rounding {
            case .doubleRounding(let ms):
                raw = Int64(
                    FixedPoint.multiplyByQuantizedMultiplier(Int32(acc), ms.count == 1 ? ms[0] : ms[c]))
            case .floatScale(let ss):
                raw = Int64(FixedPoint.scaleAndRound(Int32(acc), scale: ss.count == 1 ? ss[0] : ss[c]))
            }
            let sum = raw + Int64(outputZeroPoint)
            guard sum >= Int64(Int32.min), sum <= Int64(Int32.max) else {
                throw .notExact(
                    "channel \(c): TFLite's int32 addition of the zero point overflows at accumulator \(acc)")
            }
        }
    }
}
