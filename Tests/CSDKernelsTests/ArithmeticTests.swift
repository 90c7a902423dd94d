import CSDKernels
import TFLiteArithmetic
import TestSupport
import Testing

/// Edge-biased draws from the suite's generator, so that failures reproduce.
extension SplitMix64 {

    /// Mostly uniform Int32s, with a quarter drawn from the edge values.
    mutating func int32() -> Int32 {
        let r = next()
        if r & 3 == 0 { return Self.edges[Int((r >> 2) % UInt64(Self.edges.count))] }
        return Int32(truncatingIfNeeded: r >> 32)
    }

    static let edges: [Int32] = {
        var v: [Int32] = [.min, .min + 1, .max, .max - 1, 0, 1, -1, 2, -2, 3, -3]
        for k in 1..<31 {
            let p = Int32(1) << k
            v += [p, -p, p - 1, -p + 1, p + 1, -p - 1, p >> 1 | p]
        }
        return v
    }()
}

/// Definitions of TFLite's primitives from exact integer arithmetic, independent of both
/// implementations under test.
enum Definition {
    /// floor((a·b + 2^30) / 2^31), saturated for the single overflow.
    static func srdhm(_ a: Int32, _ b: Int32) -> Int32 {
        if a == .min && b == .min { return .max }
        let v = (Int64(a) * Int64(b) + (1 << 30)) >> 31  // >> on Int64 floors
        return Int32(v)
    }

    /// x / 2^e rounded to nearest, ties away from zero.
    static func roundingDivideByPOT(_ x: Int32, _ e: Int) -> Int32 {
        guard e > 0 else { return x }
        let q = Int64(x) >> Int64(e)
        let r = Int64(x) - (q << Int64(e))  // 0 <= r < 2^e
        let twice = 2 * r
        let half = Int64(1) << Int64(e)
        if twice > half || (twice == half && x >= 0) { return Int32(q + 1) }
        return Int32(q)
    }

    static func mbqmDouble(_ x: Int32, _ m: Int32, _ shift: Int) -> Int32 {
        let left = max(shift, 0)
        let right = max(-shift, 0)
        let shifted = Int32(truncatingIfNeeded: Int64(x) << Int64(left))
        return roundingDivideByPOT(srdhm(shifted, m), right)
    }

    static func mbqmSingle(_ x: Int32, _ m: Int32, _ shift: Int) -> Int32 {
        let n = Int64(31 - shift)
        return Int32(clamping: (Int64(x) * Int64(m) + (Int64(1) << (n - 1))) >> n)
    }
}

/// The C kernels' arithmetic (`csd_*`), the Swift module's (`FixedPoint`) and exact
/// definitions agree, over millions of random and edge-case inputs.
@Suite struct ArithmeticTests {
    static let iterations = 2_000_000

    @Test func srdhmAgrees() {
        var rng = SplitMix64(seed: 1)
        for _ in 0..<Self.iterations {
            let (a, b) = (rng.int32(), rng.int32())
            let d = Definition.srdhm(a, b)
            let c = csd_srdhm(a, b)
            let s = FixedPoint.saturatingRoundingDoublingHighMul(a, b)
            if c != d || s != d {
                Issue.record("srdhm(\(a), \(b)): C \(c), Swift \(s), definition \(d)")
                return
            }
        }
        #expect(csd_srdhm(.min, .min) == .max)
        #expect(csd_srdhm(.min, .max) == -Int32.max)
        #expect(csd_srdhm(1 << 30, -1) == 0)  // -0.5 ULP rounds up (towards +inf)
        #expect(csd_srdhm(1 << 30, 1) == 1)  // +0.5 ULP rounds up
    }

    @Test func roundingDivideByPOTAgrees() {
        var rng = SplitMix64(seed: 2)
        for i in 0..<Self.iterations {
            let x = rng.int32()
            let e = i % 32
            let d = Definition.roundingDivideByPOT(x, e)
            let c = csd_rounding_divide_by_pot(x, Int32(e))
            let s = FixedPoint.roundingDivideByPOT(x, e)
            if c != d || s != d {
                Issue.record("rdpot(\(x), \(e)): C \(c), Swift \(s), definition \(d)")
                return
            }
        }
        #expect(csd_rounding_divide_by_pot(-3, 1) == -2)  // -1.5 -> -2
        #expect(csd_rounding_divide_by_pot(3, 1) == 2)
        #expect(csd_rounding_divide_by_pot(.min, 31) == -1)
        #expect(csd_rounding_divide_by_pot(.max, 31) == 1)
        #expect(csd_rounding_divide_by_pot(5, -3) == 5)  // clamped to 0
    }

    @Test func multiplyByQuantizedMultiplierAgrees() {
        var rng = SplitMix64(seed: 3)
        for i in 0..<Self.iterations {
            let x = rng.int32()
            // Real multipliers are in [2^30, 2^31) or 0; edges and negatives are checked too.
            let m =
                i % 5 == 0
                ? rng.int32() : Int32(1 << 30) | Int32(truncatingIfNeeded: rng.next() & 0x3FFF_FFFF)
            let shift = Int(rng.next() % 63) - 31  // -31...31
            let d = Definition.mbqmDouble(x, m, shift)
            let c = csd_multiply_by_quantized_multiplier(x, m, Int32(shift))
            let s = FixedPoint.multiplyByQuantizedMultiplier(x, multiplier: m, shift: shift)
            if c != d || s != d {
                Issue.record("mbqm(\(x), \(m), \(shift)): C \(c), Swift \(s), definition \(d)")
                return
            }
        }
    }

    @Test func singleRoundingAgrees() {
        var rng = SplitMix64(seed: 4)
        for _ in 0..<Self.iterations {
            let x = rng.int32()
            let m = Int32(truncatingIfNeeded: rng.next() & 0x7FFF_FFFF)
            let shift = Int(rng.next() % 62) - 31  // -31...30
            let d = Definition.mbqmSingle(x, m, shift)
            let c = csd_multiply_by_quantized_multiplier_single_rounding(x, m, Int32(shift))
            let s = FixedPoint.multiplyByQuantizedMultiplierSingleRounding(x, multiplier: m, shift: shift)
            if c != d || s != d {
                Issue.record("single(\(x), \(m), \(shift)): C \(c), Swift \(s), definition \(d)")
                return
            }
        }
        // Ties go towards +inf: -0.5 -> 0, unlike the reference FC's round().
        #expect(csd_multiply_by_quantized_multiplier_single_rounding(-1, 1 << 30, 0) == 0)
        #expect(csd_scale_and_round(-1, 0.5) == -1)
    }

    @Test func scaleAndRoundAgrees() {
        var rng = SplitMix64(seed: 5)
        for i in 0..<Self.iterations {
            let acc =
                i % 3 == 0
                ? rng.int32() : Int32(truncatingIfNeeded: Int64(rng.next() % 2_000_001) - 1_000_000)
            // Exact ties (k + 0.5) and ordinary scales.
            let scale: Double =
                i % 2 == 0
                ? Double(rng.next() % 1_000_000) / 1_000_000 * 0.05
                : Double(sign: .plus, exponent: -Int(rng.next() % 12), significand: 1)
                    * Double(1 + 2 * (rng.next() % 4))
            let exact = (Double(acc) * scale)
            let d: Int32 =
                exact.isNaN
                ? 0
                : exact >= 2_147_483_647
                    ? .max
                    : exact <= -2_147_483_648
                        ? .min
                        : Int32(exact.rounded(.toNearestOrAwayFromZero))
            let c = csd_scale_and_round(acc, scale)
            let s = FixedPoint.scaleAndRound(acc, scale: scale)
            if c != d || s != d {
                Issue.record("scaleAndRound(\(acc), \(scale)): C \(c), Swift \(s), definition \(d)")
                return
            }
        }
        #expect(csd_scale_and_round(3, 0.5) == 2)
        #expect(csd_scale_and_round(-3, 0.5) == -2)
        #expect(csd_scale_and_round(.max, 2) == .max)
        #expect(csd_scale_and_round(.min, 2) == .min)
        #expect(csd_scale_and_round(7, .nan) == 0)
    }

    @Test func quantizeMultiplierMatchesTFLite() {
        // Values computed with TFLite's algorithm (frexp, round half away, 2^31 fix-up, flush).
        let cases: [(Double, Int32, Int32)] = [
            (0.5, 1_073_741_824, 0), (1.0, 1_073_741_824, 1), (0.75, 1_610_612_736, 0),
            (0x1p-32, 1_073_741_824, -31), (0x1p-33, 0, 0), (1 - 0x1p-40, 1_073_741_824, 1),
            (0.1, 1_717_986_918, -3), (3.0, 1_610_612_736, 2), (1e-10, 0, 0),
            (123456.789, 2_022_716_031, 17), (0, 0, 0), (-0.75, -1_610_612_736, 0),
        ]
        for (real, m, shift) in cases {
            #expect(QuantizedMultiplier(real) == QuantizedMultiplier(multiplier: m, shift: shift), "\(real)")
        }
        var rng = SplitMix64(seed: 6)
        for _ in 0..<100_000 {
            let real = Double(
                sign: .plus, exponent: Int(rng.next() % 60) - 40,
                significand: 1 + Double(rng.next() % (1 << 52)) / 0x1p52)
            let q = QuantizedMultiplier(real)
            if q.multiplier == 0 { continue }
            #expect(q.multiplier >= 1 << 30)
            // Within half a unit of the 31-bit significand.
            #expect((q.realValue - real).magnitude <= real * 0x1p-31)
        }
    }

    /// C's softmax equals the Swift port of the same fixed-point algorithm on random rows and
    /// scales (the goldens pin both to the interpreter on the scales our models use).
    @Test func softmaxAgreesWithSwift() throws {
        var rng = SplitMix64(seed: 7)
        for trial in 0..<3000 {
            let scale = Float(
                Double(
                    sign: .plus, exponent: -Int(rng.next() % 20),
                    significand: 1 + Double(rng.next() % 1000) / 1000))
            guard let q = try? SoftmaxQuantization(inputScale: scale * 3) else { continue }
            let depth = 1 + Int(rng.next() % 300)
            let spread = 1 + Int(rng.next() % 256)
            let row = (0..<depth).map { _ in Int8(clamping: 127 - Int(rng.next() % UInt64(spread))) }
            var p = csd_softmax_params(
                input_multiplier: q.inputMultiplier, input_left_shift: q.inputLeftShift, diff_min: q.diffMin)
            var out = [Int8](repeating: 0, count: depth)
            let status = csd_softmax_s8(&p, 1, Int32(depth), row, &out)
            if let expected = FixedPointSoftmax.softmaxRow(row, q) {
                #expect(status == CSD_OK)
                if out != expected {
                    Issue.record("trial \(trial): scale \(scale), depth \(depth): C \(out) Swift \(expected)")
                    return
                }
            } else {
                #expect(status == CSD_ERR_RUNTIME)
            }
        }
    }

    @Test func exponentialIsAccurate() {
        // exp_on_negative_values in Q5.26 -> Q0.31 against Double's exp: within 2^-21.
        for k in stride(from: 0, through: 16 << 26, by: 997) {
            let a = Int32(-k)
            let got = Double(FixedPointSoftmax.expOnNegativeValues(a)) / 0x1p31
            let want = (Double(a) / 0x1p26).exponential
            #expect((got - want).magnitude <= 0x1p-21, "exp(\(Double(a) / 0x1p26))")
        }
        for k in stride(from: 0, to: Int(Int32.max), by: 7919 * 13) {
            let x = Double(k) / 0x1p31
            let got = Double(FixedPointSoftmax.oneOverOnePlusXForXIn01(Int32(k))) / 0x1p31
            #expect((got - 1 / (1 + x)).magnitude <= 0x1p-28, "1/(1+\(x))")
        }
    }
}

extension Double {
    /// e^self without Foundation (the test target stays free of libm differences).
    fileprivate var exponential: Double {
        // Range reduction by powers of two of ln 2, then a Taylor series.
        let ln2 = 0.693_147_180_559_945_3
        let k = (self / ln2).rounded()
        let r = self - k * ln2
        var term = 1.0
        var sum = 1.0
        for n in 1...25 {
            term *= r / Double(n)
            sum += term
        }
        return sum * Double(sign: .plus, exponent: Int(k), significand: 1)
    }
}
