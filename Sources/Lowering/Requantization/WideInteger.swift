/// A 128-bit two's-complement integer, enough for the exact products and bounds the
/// requantization search works with (|acc| < 2^31 times multipliers below 2^48, plus
/// offsets below 2^80). A thin wrapper over the standard library's `Int128` that keeps the
/// operations the search needs, with wrapping arithmetic (the callers stay within 127 bits).
struct WideInteger: Hashable, Comparable, Sendable, CustomStringConvertible {
    var value: Int128

    init(_ value: Int128) { self.value = value }

    init(_ value: Int64) { self.value = Int128(value) }

    init(_ value: Int) { self.value = Int128(value) }

    static let zero = WideInteger(Int128(0))

    /// 2^n for n in 0...126.
    static func power(_ n: Int) -> WideInteger { WideInteger(Int128(1) << n) }

    static func + (a: WideInteger, b: WideInteger) -> WideInteger { WideInteger(a.value &+ b.value) }

    static prefix func - (a: WideInteger) -> WideInteger { WideInteger(0 &- a.value) }

    static func - (a: WideInteger, b: WideInteger) -> WideInteger { WideInteger(a.value &- b.value) }

    /// The exact product of two 64-bit integers.
    static func product(_ a: Int64, _ b: Int64) -> WideInteger { WideInteger(Int128(a) * Int128(b)) }

    static func < (a: WideInteger, b: WideInteger) -> Bool { a.value < b.value }

    var isNegative: Bool { value < 0 }

    /// self · 2^n (n ≥ 0); the caller keeps the result within 127 bits.
    func shiftedLeft(_ n: Int) -> WideInteger { n >= 128 ? .zero : WideInteger(value &<< n) }

    /// floor(self / 2^n) (n ≥ 0): an arithmetic shift.
    func floorShiftedRight(_ n: Int) -> WideInteger {
        n >= 128 ? WideInteger(isNegative ? Int128(-1) : 0) : WideInteger(value >> n)
    }

    /// ceil(self / 2^n).
    func ceilShiftedRight(_ n: Int) -> WideInteger {
        -((-self).floorShiftedRight(n))
    }

    /// The value, if it fits in Int64.
    var int64: Int64? { Int64(exactly: value) }

    /// Number of trailing zero bits (128 for zero).
    var trailingZeroBitCount: Int { value.trailingZeroBitCount }

    /// Bits of |self| (0 for zero).
    var magnitudeBitWidth: Int { 128 - value.magnitude.leadingZeroBitCount }

    var description: String { String(value) }
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
