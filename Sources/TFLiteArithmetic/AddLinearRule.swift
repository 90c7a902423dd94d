/// TFLite's int8 ADD written as one linear floor of its two inputs,
///
///     out = clamp(floor((weight1·x1 + weight2·x2 + constant) / 2^shift), min, max),
///
/// on the raw int8 values `x1`, `x2` (zero points and the output zero point are folded into
/// `constant`). The reference computes three MultiplyByQuantizedMultiplier calls per element
/// (each input shifted left by 20 and scaled, the sum scaled again); for int8 inputs that is
/// a function of 65,536 input pairs, so a rule found by ``find(for:maxWeightMagnitude:)`` is
/// checked against the reference at every pair: it is exact by enumeration, not by argument.
///
/// Why a linear rule exists at all: the reference is `round(c1·u + c2·v)` for `u = x1 − zp1`,
/// `v = x2 − zp2` and real slopes `c1`, `c2`, perturbed by intermediate roundings some 2^20
/// times smaller than an output step. Integer weights near `c·2^shift` reproduce every step
/// once `2^shift` resolves the closest approach of `c1·u + c2·v` to a rounding boundary; the
/// search takes the smallest such `shift`, i.e. the smallest weights (fewest GEMM digits).
/// Exact ties that the reference breaks away from zero on both sides cannot be met by one
/// floor; then no rule is found and the caller keeps the ADD on the CPU.
public struct AddLinearRule: Hashable, Sendable, CustomStringConvertible {
    public var weight1: Int
    public var weight2: Int
    public var constant: Int
    public var shift: Int
    public var min: Int
    public var max: Int

    public init(weight1: Int, weight2: Int, constant: Int, shift: Int, min: Int, max: Int) {
        self.weight1 = weight1
        self.weight2 = weight2
        self.constant = constant
        self.shift = shift
        self.min = min
        self.max = max
    }

    /// The rule's value for one input pair (Int64 arithmetic: no wrap-around).
    public func evaluate(_ x1: Int8, _ x2: Int8) -> Int8 {
        let linear = weight1 * Int(x1) + weight2 * Int(x2) + constant
        let floored = linear >> shift
        return Int8(Swift.min(Swift.max(floored, min), max))
    }

    /// The largest magnitude `weight1·x1 + weight2·x2 + constant` takes over int8 inputs.
    public var linearBound: Int {
        128 * (Swift.abs(weight1) + Swift.abs(weight2)) + Swift.abs(constant)
    }

    public var description: String {
        "clamp((\(weight1)·x1 + \(weight2)·x2 + \(constant)) >> \(shift), \(min), \(max))"
    }

    /// The exact linear rule with the smallest shift whose weights stay within
    /// `maxWeightMagnitude`, or nil when there is none (then no such rule reproduces the
    /// reference, e.g. because of two-sided ties, or the slopes need more precision).
    public static func find(for q: AddQuantization, maxWeightMagnitude: Int = 1 << 22) -> AddLinearRule? {
        let table = q.referenceTable()
        let lo = Int(q.activationRange.min)
        let hi = Int(q.activationRange.max)
        let slope1 = q.input1.realValue * Double(1 << q.leftShift) * q.output.realValue
        let slope2 = q.input2.realValue * Double(1 << q.leftShift) * q.output.realValue
        // The neighbourhood of the rounded slopes tried at each shift, nearest first.
        let offsets = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1), (-1, 1)]
        for shift in 0...40 {
            let scale = Double(UInt64(1) << shift)
            let base1 = Int((slope1 * scale).rounded())
            let base2 = Int((slope2 * scale).rounded())
            if Swift.max(Swift.abs(base1), Swift.abs(base2)) > maxWeightMagnitude { return nil }
            for (d1, d2) in offsets {
                let w1 = base1 + d1
                let w2 = base2 + d2
                guard w1 >= 0, w2 >= 0, Swift.max(w1, w2) <= maxWeightMagnitude else { continue }
                if let constant = constantRange(table, w1, w2, shift, lo, hi).flatMap(roundest) {
                    return AddLinearRule(
                        weight1: w1, weight2: w2, constant: constant, shift: shift, min: lo, max: hi)
                }
            }
        }
        return nil
    }

    /// The constants `c` for which the rule with these weights and shift gives the reference's
    /// output at every pair: each unclamped output `o` needs `o·2^s ≤ L + c < (o+1)·2^s`, an
    /// output at the lower clamp only the upper bound, at the upper clamp only the lower one.
    static func constantRange(
        _ table: [Int8], _ w1: Int, _ w2: Int, _ shift: Int, _ lo: Int, _ hi: Int
    ) -> ClosedRange<Int>? {
        var low = Int.min
        var high = Int.max
        let step = 1 << shift
        for i in 0..<256 {
            let row = w1 * (i - 128)
            for j in 0..<256 {
                let linear = row + w2 * (j - 128)
                let o = Int(table[i << 8 | j])
                if o > lo { low = Swift.max(low, o * step - linear) }
                if o < hi { high = Swift.min(high, (o + 1) * step - 1 - linear) }
            }
            if low > high { return nil }
        }
        return low <= high ? low...high : nil
    }

    /// The value in `range` with the most trailing zero bits (the cheapest to add after a
    /// partial shift), nearest zero among those.
    static func roundest(_ range: ClosedRange<Int>) -> Int? {
        if range.contains(0) { return 0 }
        for bits in stride(from: 62, through: 0, by: -1) {
            let unit = 1 << bits
            // The multiple of `unit` in range nearest zero.
            let candidate =
                range.lowerBound > 0
                ? ((range.lowerBound + unit - 1) >> bits) << bits
                : (range.upperBound >> bits) << bits
            if range.contains(candidate) { return candidate }
        }
        return nil
    }
}

extension AddQuantization {
    /// The reference output for one input pair: TFLite's `AddElementwise` for int8.
    public func reference(_ x1: Int8, _ x2: Int8) -> Int8 {
        let shifted1 = (Int32(x1) + input1Offset) &<< leftShift
        let shifted2 = (Int32(x2) + input2Offset) &<< leftShift
        let scaled1 = FixedPoint.multiplyByQuantizedMultiplier(shifted1, input1)
        let scaled2 = FixedPoint.multiplyByQuantizedMultiplier(shifted2, input2)
        let raw = FixedPoint.multiplyByQuantizedMultiplier(scaled1 &+ scaled2, output) &+ outputOffset
        return Int8(Swift.min(Swift.max(raw, activationRange.min), activationRange.max))
    }

    /// The reference at every pair, indexed `(x1 + 128) << 8 | (x2 + 128)`.
    public func referenceTable() -> [Int8] {
        var table = [Int8](repeating: 0, count: 1 << 16)
        for i in 0..<256 {
            for j in 0..<256 { table[i << 8 | j] = reference(Int8(i - 128), Int8(j - 128)) }
        }
        return table
    }
}
