/// Which ends of the output range a program clamps explicitly (MAX/MIN after the shift).
/// Without them the affine rule itself must land exactly on the activation bounds at the
/// clamped accumulator range's ends.
struct OutputClamp: Hashable, Sendable {
    var low: Bool
    var high: Bool

    static let all: [OutputClamp] = [
        OutputClamp(low: false, high: false), OutputClamp(low: true, high: false),
        OutputClamp(low: false, high: true), OutputClamp(low: true, high: true),
    ]
}

/// The rule one lane computes: `y = floor((x·M + C + [x < 0]·D) / 2^N)` on
/// `x = clamp(acc, clampLow, clampHigh)`, then the program's output clamp.
///
/// With M ≥ 0 and D ≤ M the rule is monotone non-decreasing in `acc`, so matching the
/// reference at its constraint points proves it equal to the reference on the whole range.
struct LaneRule: Sendable, Hashable {
    var clampLow: Int64
    var clampHigh: Int64
    var multiplier: Int64
    var offset: WideInteger
    var negativeOffset: WideInteger

    /// The lane of a padding channel (beyond the layer's channels): always 0.
    static let padding = LaneRule(
        clampLow: 0, clampHigh: 0, multiplier: 0, offset: .zero, negativeOffset: .zero)

    func evaluate(_ acc: Int64, shift n: Int) -> WideInteger {
        let x = min(max(acc, clampLow), clampHigh)
        var z = WideInteger.product(x, multiplier) + offset
        if x < 0 { z = z + negativeOffset }
        return z.floorShiftedRight(n)
    }
}

/// The set of `(C, D)` that make one multiplier exact for one channel at one shift.
struct ChannelFit: Sendable {
    var multiplier: Int64
    /// C, from the points with x ≥ 0.
    var positive: WideInterval
    /// C + D, from the points with x < 0.
    var negative: WideInterval
    var hasPositive: Bool
    var hasNegative: Bool

    /// The feasible D (sign term): D ≤ M keeps the rule monotone at 0.
    var negativeOffsets: WideInterval {
        guard hasPositive && hasNegative else { return WideInterval(lower: .zero, upper: .zero) }
        let lower: WideInteger? =
            if let l = negative.lower, let u = positive.upper { l - u } else { nil }
        let upper0: WideInteger? =
            if let u = negative.upper, let l = positive.lower { u - l } else { nil }
        let m = WideInteger(multiplier)
        return WideInterval(lower: lower, upper: upper0.map { min($0, m) } ?? m)
    }

    /// The feasible C once D is fixed.
    func offsets(negativeOffset d: WideInteger) -> WideInterval {
        var r = hasPositive ? positive : .all
        if hasNegative {
            let shifted = WideInterval(
                lower: negative.lower.map { $0 - d }, upper: negative.upper.map { $0 - d })
            r = r.intersected(shifted)
        }
        return r
    }

    /// D (0 when possible, else the simplest) and then the simplest C.
    func simplestRule(clampLow: Int64, clampHigh: Int64) -> LaneRule? {
        let ds = negativeOffsets
        guard let d = ds.contains(.zero) ? .zero : ds.simplest else { return nil }
        guard let c = offsets(negativeOffset: d).simplest else { return nil }
        return LaneRule(
            clampLow: clampLow, clampHigh: clampHigh, multiplier: multiplier, offset: c, negativeOffset: d)
    }
}

extension ChannelReference {
    /// The required range of the unclamped rule at constraint point `i`.
    private func required(_ i: Int, _ clamp: OutputClamp) -> (Int64?, Int64?) {
        let v = values[i]
        let lower: Int64? = v == outputMin && clamp.low ? nil : Int64(v)
        let upper: Int64? = v == outputMax && clamp.high ? nil : Int64(v)
        return (lower, upper)
    }

    /// The `(C, D)` region for multiplier `m` at shift `n`, or nil if empty. (The hot loop of
    /// the search: plain Int128 bounds, Int128.min/max for "unbounded".)
    func fit(multiplier m: Int64, shift n: Int, clamp: OutputClamp) -> ChannelFit? {
        var positive = (lower: Int128.min, upper: Int128.max)
        var negative = (lower: Int128.min, upper: Int128.max)
        var hasPositive = false
        var hasNegative = false
        let m128 = Int128(m)
        let lowFree = clamp.low ? outputMin : Int32.min
        let highFree = clamp.high ? outputMax : Int32.max
        for i in points.indices {
            let p = points[i]
            let v = values[i]
            let pm = Int128(p) * m128
            // v·2^n ≤ p·M + C ≤ (v+1)·2^n − 1, unless v sits on an explicitly clamped end.
            let lower = v == lowFree ? Int128.min : (Int128(v) << n) - pm
            let upper = v == highFree ? Int128.max : (Int128(v + 1) << n) - 1 - pm
            if p >= 0 {
                positive = (Swift.max(positive.lower, lower), Swift.min(positive.upper, upper))
                hasPositive = true
                if positive.upper < positive.lower { return nil }
            } else {
                negative = (Swift.max(negative.lower, lower), Swift.min(negative.upper, upper))
                hasNegative = true
                if negative.upper < negative.lower { return nil }
            }
        }
        func interval(_ b: (lower: Int128, upper: Int128)) -> WideInterval {
            WideInterval(
                lower: b.lower == .min ? nil : WideInteger(b.lower),
                upper: b.upper == .max ? nil : WideInteger(b.upper))
        }
        let fit = ChannelFit(
            multiplier: m, positive: interval(positive), negative: interval(negative),
            hasPositive: hasPositive,
            hasNegative: hasNegative)
        return fit.negativeOffsets.isEmpty ? nil : fit
    }

    /// A multiplier near `s · 2^n` that is exact at shift `n`, if any.
    func fit(shift n: Int, clamp: OutputClamp, limit: Int64) -> ChannelFit? {
        if let v = constantValue {
            let c = WideInteger(Int64(v)).shiftedLeft(n)
            let exact = WideInterval(lower: c, upper: c)
            return ChannelFit(
                multiplier: 0, positive: exact, negative: exact, hasPositive: true, hasNegative: true)
        }
        guard let nominal = nominalMultiplier(shift: n, limit: limit) else { return nil }
        for delta: Int64 in [0, 1, -1, 2, -2, 3] {
            let m = nominal + delta
            guard m >= 0, m <= limit else { continue }
            if let f = fit(multiplier: m, shift: n, clamp: clamp) { return f }
        }
        return nil
    }

    /// The smallest shift with an exact multiplier (feasibility only grows with the shift:
    /// (2M, 2C, 2D, N+1) is the same rule as (M, C, D, N)).
    func minimalShift(clamp: OutputClamp, limit: Int64, maximum: Int) -> Int? {
        guard fit(shift: maximum, clamp: clamp, limit: limit) != nil else { return nil }
        var (lo, hi) = (-1, maximum)  // infeasible at lo (or lo = -1), feasible at hi
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if fit(shift: mid, clamp: clamp, limit: limit) != nil { hi = mid } else { lo = mid }
        }
        return hi
    }

    /// The lane rule's clamp: constant channels pin x to one value.
    var ruleClamp: (Int64, Int64) {
        if constantValue != nil {
            let x = min(max(0, lower), upper)
            return (x, x)
        }
        return (clampLow, clampHigh)
    }
}

/// Exact multipliers for every channel: channel c divides by 2^shifts[c], in two steps:
/// 2^shift for all lanes together (the column chain), then 2^(shifts[c] − shift) per lane.
struct ShiftSolution: Sendable {
    var shift: Int
    var shifts: [Int]
    var clamp: OutputClamp
    var fits: [ChannelFit]
}

enum AffineSearch {
    /// Largest multiplier the search considers (products of a 31-bit operand stay below 2^93);
    /// the routes then reject what they cannot evaluate without overflow.
    static let multiplierLimit: Int64 = 1 << 62
    /// Largest shift tried.
    static let maximumShift = 90

    /// For each output-clamp choice, solutions for a few common shifts: from the smallest
    /// channel's minimal shift (every channel at its own minimal shift, the rest per lane) to
    /// a few above the largest (every channel at one shift).
    static func solutions(_ refs: [ChannelReference]) -> [ShiftSolution] {
        var result: [ShiftSolution] = []
        for clamp in OutputClamp.all {
            var minimal: [Int?] = []
            var feasible = true
            for r in refs {
                if r.constantValue != nil {
                    minimal.append(nil)
                    continue
                }
                guard
                    let n = r.minimalShift(
                        clamp: clamp, limit: multiplierLimit, maximum: maximumShift(for: r))
                else {
                    feasible = false
                    break
                }
                minimal.append(n)
            }
            guard feasible else { continue }
            let known = minimal.compactMap { $0 }
            let lo = known.min() ?? 0
            let hi = known.max() ?? 0
            // Per-lane shifts beyond ~20 bits would overflow the chain; very different channel
            // scales need larger multipliers on the coarse channels instead (bases near hi).
            var bases: Set<Int> = [lo, hi, hi + 1, hi + 2]
            for i in 1..<4 { bases.insert(lo + (hi - lo) * i / 4) }
            for d in [8, 12, 16, 20] where hi - d > lo { bases.insert(hi - d) }
            var seen = Set<[Int]>()
            for base in bases.sorted() {
                var shifts: [Int] = []
                var fits: [ChannelFit] = []
                for (r, m) in zip(refs, minimal) {
                    var n = max(m ?? base, base)
                    var f = r.fit(shift: n, clamp: clamp, limit: multiplierLimit)
                    while f == nil && n < (m ?? base) + 4 {
                        n += 1
                        f = r.fit(shift: n, clamp: clamp, limit: multiplierLimit)
                    }
                    guard let f else { break }
                    shifts.append(n)
                    fits.append(f)
                }
                // Bases that give every channel the same shift as an earlier base add nothing.
                if fits.count == refs.count, seen.insert(shifts.map { $0 - base } + [base]).inserted {
                    result.append(ShiftSolution(shift: base, shifts: shifts, clamp: clamp, fits: fits))
                }
            }
        }
        return result
    }

    /// The largest shift whose nominal multiplier stays within the limit.
    static func maximumShift(for r: ChannelReference) -> Int {
        var n = maximumShift
        while n > 0 && r.nominalMultiplier(shift: n, limit: multiplierLimit) == nil { n -= 1 }
        return n
    }
}
