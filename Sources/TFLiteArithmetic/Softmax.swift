/// The fixed-point softmax of TFLite's reference kernel (`reference_ops::Softmax` for int8
/// input and int8 output), built on gemmlowp's fixed-point functions. This is what the golden
/// interpreter (BUILTIN_REF) computes; the optimized kernel uses a float lookup table instead
/// and differs by up to 12 LSB.
///
/// Values are raw Int32 in gemmlowp's `FixedPoint<int32, I>` formats: Q(I).(31 − I).
public enum FixedPointSoftmax {
    /// `exp(a)` for `a` in `[−1/4, 0)`, Q0.31 in and out (a Taylor series around −1/8).
    public static func expOnIntervalBetweenNegativeOneQuarterAnd0Excl(_ a: Int32) -> Int32 {
        let constantTerm: Int32 = 1_895_147_668  // exp(-1/8)
        let constantOneThird: Int32 = 715_827_883  // 1/3
        let x = a &+ (1 << 28)  // a + 1/8
        let x2 = mul(x, x)
        let x3 = mul(x2, x)
        let x4 = mul(x2, x2)
        let x4Over4 = FixedPoint.roundingDivideByPOT(x4, 2)
        let poly = FixedPoint.roundingDivideByPOT(mul(x4Over4 &+ x3, constantOneThird) &+ x2, 1)
        return constantTerm &+ mul(constantTerm, x &+ poly)
    }

    /// `exp(a)` for `a ≤ 0` in Q5.26, result in Q0.31 (gemmlowp's `exp_on_negative_values` with
    /// 5 integer bits).
    public static func expOnNegativeValues(_ a: Int32) -> Int32 {
        let oneQuarter: Int32 = 1 << 24
        let mask = oneQuarter - 1
        let aModQuarterMinusOneQuarter = (a & mask) - oneQuarter
        var result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(
            FixedPoint.saturatingShiftLeft(aModQuarterMinusOneQuarter, 5))
        let remainder = aModQuarterMinusOneQuarter &- a
        // exp(-2^k) in Q0.31 for k = -2...4.
        let multipliers: [Int32] = [
            1_672_461_947, 1_302_514_674, 790_015_084, 290_630_308, 39_332_535, 720_401, 242,
        ]
        for (i, m) in multipliers.enumerated() where remainder & (1 << Int32(26 + i - 2)) != 0 {
            result = mul(result, m)
        }
        return a == 0 ? .max : result
    }

    /// `1 / (1 + a)` for `a` in `[0, 1)`, Q0.31 in and out (Newton–Raphson in Q2.29).
    public static func oneOverOnePlusXForXIn01(_ a: Int32) -> Int32 {
        let halfDenominator = roundingHalfSum(a, .max)
        let constant48Over17: Int32 = 1_515_870_810
        let constantNeg32Over17: Int32 = -1_010_580_540
        var x = constant48Over17 &+ mul(halfDenominator, constantNeg32Over17)
        for _ in 0..<3 {
            let halfDenominatorTimesX = mul(halfDenominator, x)
            let oneMinus = (1 << 29) &- halfDenominatorTimesX
            x = x &+ FixedPoint.saturatingShiftLeft(mul(x, oneMinus), 2)
        }
        return FixedPoint.saturatingShiftLeft(x, 1)
    }

    /// gemmlowp's `RoundingHalfSum`: `(a + b ± 1) / 2` rounded away from zero.
    public static func roundingHalfSum(_ a: Int32, _ b: Int32) -> Int32 {
        let sum = Int64(a) + Int64(b)
        return Int32(truncatingIfNeeded: (sum + (sum >= 0 ? 1 : -1)) / 2)
    }

    /// One row of the int8 → int8 softmax (output scale 1/256, zero point −128). Returns nil
    /// where the reference kernel aborts (a sum of exponentials of 2^28 or more).
    public static func softmaxRow(_ input: [Int8], _ q: SoftmaxQuantization) -> [Int8]? {
        guard let maxInRow = input.max() else { return [] }
        func scaledExp(_ v: Int8) -> Int32? {
            let diff = Int32(v) - Int32(maxInRow)
            guard diff >= q.diffMin else { return nil }
            let rescaled = FixedPoint.multiplyByQuantizedMultiplierGreaterThanOne(
                diff, multiplier: q.inputMultiplier, leftShift: Int(q.inputLeftShift))
            return expOnNegativeValues(rescaled)
        }
        var sum: Int64 = 0
        for v in input {
            if let e = scaledExp(v) { sum += Int64(FixedPoint.roundingDivideByPOT(e, 12)) }
        }
        guard sum > 0, sum < 1 << 28 else { return nil }
        let headroomPlusOne = UInt32(sum).leadingZeroBitCount
        let numBitsOverUnit = 12 - headroomPlusOne
        let shiftedSumMinusOne = Int32(bitPattern: (UInt32(sum) << UInt32(headroomPlusOne)) &- (1 << 31))
        let shiftedScale = oneOverOnePlusXForXIn01(shiftedSumMinusOne)
        let exponent = numBitsOverUnit + 31 - 8
        return input.map { v in
            guard let e = scaledExp(v) else { return -128 }
            let unsat = FixedPoint.roundingDivideByPOT(mul(shiftedScale, e), exponent)
            return Int8(clamping: Int64(unsat) - 128)
        }
    }

    @inline(__always)
    static func mul(_ a: Int32, _ b: Int32) -> Int32 { FixedPoint.saturatingRoundingDoublingHighMul(a, b) }
}
