/// A 128-bit two's-complement integer, enough for the exact products and bounds the
/// requantization search works with (|acc| < 2^31 times multipliers below 2^48, plus
/// offsets below 2^80). Only the operations the search needs.
struct WideInteger: Hashable, Comparable, Sendable, CustomStringConvertible {
    var high: Int64
    var low: UInt64

    init(high: Int64, low: UInt64) {
        self.high = high
        self.low = low
    }

    init(_ value: Int64) {
        high = value < 0 ? -1 : 0
        low = UInt64(bitPattern: value)
    }

    init(_ value: Int) { self.init(Int64(value)) }

    static let zero = WideInteger(0)

    /// 2^n for n in 0...126.
    static func power(_ n: Int) -> WideInteger { WideInteger(1).shiftedLeft(n) }

    static func + (a: WideInteger, b: WideInteger) -> WideInteger {
        let (low, carry) = a.low.addingReportingOverflow(b.low)
        return WideInteger(high: a.high &+ b.high &+ (carry ? 1 : 0), low: low)
    }

    static prefix func - (a: WideInteger) -> WideInteger {
        WideInteger(high: ~a.high, low: ~a.low) + WideInteger(1)
    }

    static func - (a: WideInteger, b: WideInteger) -> WideInteger { a + (-b) }

    /// The exact product of two 64-bit integers.
    static func product(_ a: Int64, _ b: Int64) -> WideInteger {
        let r = a.multipliedFullWidth(by: b)
        return WideInteger(high: r.high, low: r.low)
    }

    static func < (a: WideInteger, b: WideInteger) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }

    var isNegative: Bool { high < 0 }

    /// self · 2^n (n ≥ 0); the caller keeps the result within 127 bits.
    func shiftedLeft(_ n: Int) -> WideInteger {
        if n == 0 { return self }
        if n >= 64 { return WideInteger(high: Int64(bitPattern: low << UInt64(n - 64)), low: 0) }
        let high = (self.high << Int64(n)) | Int64(bitPattern: low >> UInt64(64 - n))
        return WideInteger(high: high, low: low << UInt64(n))
    }

    /// floor(self / 2^n) (n ≥ 0): an arithmetic shift.
    func floorShiftedRight(_ n: Int) -> WideInteger {
        if n == 0 { return self }
        if n >= 128 { return isNegative ? WideInteger(-1) : .zero }
        if n >= 64 { return WideInteger(high: high >> 63, low: UInt64(bitPattern: high >> Int64(n - 64))) }
        let low = (self.low >> UInt64(n)) | (UInt64(bitPattern: high) << UInt64(64 - n))
        return WideInteger(high: high >> Int64(n), low: low)
    }

    /// ceil(self / 2^n).
    func ceilShiftedRight(_ n: Int) -> WideInteger {
        -((-self).floorShiftedRight(n))
    }

    /// The value, if it fits in Int64.
    var int64: Int64? {
        let value = Int64(bitPattern: low)
        return (value < 0 ? -1 : 0) == high ? value : nil
    }

    /// Number of trailing zero bits (128 for zero).
    var trailingZeroBitCount: Int {
        low != 0 ? low.trailingZeroBitCount : (high != 0 ? 64 + high.trailingZeroBitCount : 128)
    }

    /// Bits of |self| (0 for zero).
    var magnitudeBitWidth: Int {
        let m = isNegative ? -self : self
        return m.high != 0 ? 128 - m.high.leadingZeroBitCount : 64 - m.low.leadingZeroBitCount
    }

    var description: String {
        if let v = int64 { return String(v) }
        return "(\(high) << 64) + \(low)"
    }
}

/// An inclusive range of wide integers; `nil` bounds are unbounded.
struct WideInterval: Hashable, Sendable {
    var lower: WideInteger?
    var upper: WideInteger?

    static let all = WideInterval(lower: nil, upper: nil)

    var isEmpty: Bool {
        if let lower, let upper { return upper < lower }
        return false
    }

    func contains(_ v: WideInteger) -> Bool {
        (lower.map { !(v < $0) } ?? true) && (upper.map { !($0 < v) } ?? true)
    }

    func intersected(_ other: WideInterval) -> WideInterval {
        let lo: WideInteger? =
            switch (lower, other.lower) {
            case let (a?, b?): max(a, b)
            case let (a, b): a ?? b
            }
        let hi: WideInteger? =
            switch (upper, other.upper) {
            case let (a?, b?): min(a, b)
            case let (a, b): a ?? b
            }
        return WideInterval(lower: lo, upper: hi)
    }

    /// The value in the interval with the most trailing zero bits (0 if the interval holds it):
    /// the one whose binary expansion is shortest, so the fewest digits or limbs carry it.
    /// Nil for an empty interval.
    var simplest: WideInteger? {
        guard !isEmpty else { return nil }
        if contains(.zero) { return .zero }
        // Unbounded on one side (and not holding 0): the bound nearest zero.
        guard let lower, let upper else { return lower ?? upper }
        // Entirely positive or entirely negative: search from the largest power of two down.
        for t in stride(from: 120, through: 0, by: -1) {
            let candidate = lower.ceilShiftedRight(t).shiftedLeft(t)
            if !(upper < candidate) { return candidate }
        }
        return lower
    }
}
