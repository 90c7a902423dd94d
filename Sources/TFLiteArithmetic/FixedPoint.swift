/// TFLite's integer arithmetic, bit for bit: the fixed-point primitives its int8 kernels
/// requantize with, and the rounding helpers its Prepare functions use.
///
/// Every function here is total: arguments outside the range TFLite documents are clamped
/// (shifts) or wrap modulo 2^32 (left shifts of the value), never trap. The same arithmetic
/// exists in C in `CSDKernels` (`csd_srdhm`, `csd_multiply_by_quantized_multiplier`, ...), and
/// the tests check that both agree.
public enum FixedPoint {
    /// SaturatingRoundingDoublingHighMul: the high 32 bits of `2·a·b`, rounded to nearest with
    /// ties towards +∞, i.e. `floor((a·b + 2^30) / 2^31)` on the exact 64-bit product. The only
    /// overflow, `a == b == Int32.min`, saturates to `Int32.max`.
    @inlinable
    public static func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
        if a == .min && b == .min { return .max }
        let product = Int64(a) * Int64(b)
        let nudge: Int64 = product >= 0 ? 1 << 30 : 1 - (1 << 30)
        // Int64 division truncates towards zero, as C++'s does.
        return Int32(truncatingIfNeeded: (product + nudge) / (1 << 31))
    }

    /// RoundingDivideByPOT: `x / 2^exponent` rounded to nearest, ties away from zero.
    /// `exponent` is clamped to `0...31`.
    @inlinable
    public static func roundingDivideByPOT(_ x: Int32, _ exponent: Int) -> Int32 {
        let e = min(max(exponent, 0), 31)
        let mask = Int32(truncatingIfNeeded: (Int64(1) << e) - 1)
        let remainder = x & mask
        let threshold = (mask >> 1) + (x < 0 ? 1 : 0)
        return (x >> Int32(e)) + (remainder > threshold ? 1 : 0)
    }

    /// MultiplyByQuantizedMultiplier with double rounding, as TFLite's default build computes it
    /// (CONV_2D, DEPTHWISE_CONV_2D, ADD, requantizing QUANTIZE):
    /// `RoundingDivideByPOT(SRDHM(x · 2^max(shift, 0), multiplier), max(−shift, 0))`.
    /// The left shift wraps modulo 2^32 as the reference's int32 multiplication does in
    /// practice. `shift` is clamped to `-31...31`.
    @inlinable
    public static func multiplyByQuantizedMultiplier(_ x: Int32, multiplier: Int32, shift: Int) -> Int32 {
        let s = min(max(shift, -31), 31)
        let left = max(s, 0)
        let right = max(-s, 0)
        return roundingDivideByPOT(
            saturatingRoundingDoublingHighMul(x &<< Int32(left), multiplier), right)
    }

    /// ``multiplyByQuantizedMultiplier(_:multiplier:shift:)`` with a ``QuantizedMultiplier``.
    @inlinable
    public static func multiplyByQuantizedMultiplier(_ x: Int32, _ m: QuantizedMultiplier) -> Int32 {
        multiplyByQuantizedMultiplier(x, multiplier: m.multiplier, shift: Int(m.shift))
    }

    /// MultiplyByQuantizedMultiplier with single rounding (TFLite built with
    /// `TFLITE_SINGLE_ROUNDING`): `(x·multiplier + 2^(n−1)) >> n` with `n = 31 − shift`, ties
    /// towards +∞, saturated to Int32. `shift` is clamped to `-31...30`. The pinned golden
    /// interpreter uses this for no operator; see ``scaleAndRound(_:scale:)`` for its
    /// FULLY_CONNECTED.
    @inlinable
    public static func multiplyByQuantizedMultiplierSingleRounding(
        _ x: Int32, multiplier: Int32, shift: Int
    ) -> Int32 {
        let s = min(max(shift, -31), 30)
        let total = 31 - s
        let value = (Int64(x) * Int64(multiplier) + (Int64(1) << (total - 1))) >> Int64(total)
        return Int32(clamping: value)
    }

    /// MultiplyByQuantizedMultiplierGreaterThanOne (softmax's input scaling):
    /// `SRDHM(x · 2^leftShift, multiplier)`, the product wrapping modulo 2^32 (so a left shift
    /// of 32 or more gives 0). A negative `leftShift` counts as 0.
    @inlinable
    public static func multiplyByQuantizedMultiplierGreaterThanOne(
        _ x: Int32, multiplier: Int32, leftShift: Int
    ) -> Int32 {
        let shifted = leftShift >= 32 ? 0 : x &<< Int32(max(leftShift, 0))
        return saturatingRoundingDoublingHighMul(shifted, multiplier)
    }

    /// The requantization of ai-edge-litert 2.3.0's reference FULLY_CONNECTED (the golden):
    /// `round(Double(acc) · scale)` with ties away from zero (C's `round`), saturated to Int32
    /// (NaN gives 0). `scale` is `Double(s_in) · Double(s_w) / Double(s_out)`.
    @inlinable
    public static func scaleAndRound(_ acc: Int32, scale: Double) -> Int32 {
        let r = (Double(acc) * scale).rounded(.toNearestOrAwayFromZero)
        if r.isNaN { return 0 }
        if r >= 2_147_483_647 { return .max }
        if r <= -2_147_483_648 { return .min }
        return Int32(r)
    }

    /// `TfLiteRound` on a Float: `std::round`, ties away from zero.
    @inlinable
    public static func round(_ value: Float) -> Float { value.rounded(.toNearestOrAwayFromZero) }

    /// `TfLiteRound` on a Double: `std::round`, ties away from zero.
    @inlinable
    public static func round(_ value: Double) -> Double { value.rounded(.toNearestOrAwayFromZero) }

    /// Int32 `x · 2^exponent` for `exponent` in `1...31`, saturating: gemmlowp's
    /// SaturatingRoundingMultiplyByPOT for a positive exponent.
    @inlinable
    public static func saturatingShiftLeft(_ x: Int32, _ exponent: Int) -> Int32 {
        let e = min(max(exponent, 1), 31)
        let threshold = Int32(truncatingIfNeeded: (Int64(1) << (31 - e)) - 1)
        if x > threshold { return .max }
        if x < -threshold { return .min }
        return x &<< Int32(e)
    }
}

/// A real multiplier as TFLite's `QuantizeMultiplier` encodes it:
/// `real ≈ multiplier · 2^(shift − 31)`, with `multiplier` in `[2^30, 2^31)` (or 0).
public struct QuantizedMultiplier: Hashable, Sendable, CustomStringConvertible {
    /// The Q0.31 significand.
    public var multiplier: Int32
    /// TFLite's exponent: positive shifts left, negative shifts right.
    public var shift: Int32

    public init(multiplier: Int32, shift: Int32) {
        self.multiplier = multiplier
        self.shift = shift
    }

    /// `QuantizeMultiplier(real)` exactly as TFLite computes it: `frexp(real) = q · 2^e` with
    /// `q` in `[0.5, 1)`, `multiplier = round(q · 2^31)` (ties away from zero); if that rounds up
    /// to `2^31` it is halved and `e` incremented; an exponent below −31 flushes to
    /// `(0, 0)`, as does `real == 0`. Non-finite input gives `(0, 0)` (TFLite would abort).
    /// Negative reals give a negative multiplier, as in TFLite.
    public init(_ real: Double) {
        guard real != 0, real.isFinite else {
            self.init(multiplier: 0, shift: 0)
            return
        }
        // frexp: real = q * 2^e with |q| in [0.5, 1). Swift's exponent/significand use
        // [1, 2), also for subnormals.
        var e = Int(real.exponent) + 1
        let q = real.significand / 2 * (real < 0 ? -1 : 1)
        var fixed = Int64((q * 2_147_483_648.0).rounded(.toNearestOrAwayFromZero))
        if fixed == 1 << 31 {
            fixed /= 2
            e += 1
        }
        if e < -31 {
            self.init(multiplier: 0, shift: 0)
            return
        }
        self.init(multiplier: Int32(fixed), shift: Int32(clamping: e))
    }

    /// The real value this multiplier stands for, `multiplier · 2^(shift − 31)`.
    public var realValue: Double {
        Double(multiplier) * Double(sign: .plus, exponent: Int(shift) - 31, significand: 1)
    }

    public var description: String { "\(multiplier)·2^(\(shift)−31)" }
}
