/// A 128-bit instruction word as two little-endian 64-bit halves (bits 0-63, 64-127).
///
/// Fields are read and written by bit offset so that one code path serves every layout.
public struct InstructionWord: Sendable, Hashable {
    public var low: UInt64
    public var high: UInt64

    public init(low: UInt64 = 0, high: UInt64 = 0) {
        self.low = low
        self.high = high
    }

    /// Reads 16 little-endian bytes.
    public init<C: Collection>(bytes: C) where C.Element == UInt8 {
        precondition(bytes.count == 16, "an instruction word is 16 bytes")
        var low: UInt64 = 0
        var high: UInt64 = 0
        for (i, byte) in bytes.enumerated() {
            if i < 8 {
                low |= UInt64(byte) << UInt64(8 * i)
            } else {
                high |= UInt64(byte) << UInt64(8 * (i - 8))
            }
        }
        self.init(low: low, high: high)
    }

    /// The 16 bytes, little-endian (bit 0 is the LSB of byte 0).
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: low >> UInt64(8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: high >> UInt64(8 * $0)) }
    }

    /// The raw bits at `offset..<offset+width` (width 1...64); may straddle bit 64.
    public func bits(offset: Int, width: Int) -> UInt64 {
        precondition(width >= 1 && width <= 64 && offset >= 0 && offset + width <= 128)
        if offset + width <= 64 { return (low >> UInt64(offset)) & Self.mask(width) }
        if offset >= 64 { return (high >> UInt64(offset - 64)) & Self.mask(width) }
        var result: UInt64 = 0
        for bit in 0..<width where isSet(offset + bit) { result |= 1 << UInt64(bit) }
        return result
    }

    /// Replaces the bits at `offset..<offset+width` with the low `width` bits of `value`.
    public mutating func setBits(_ value: UInt64, offset: Int, width: Int) {
        precondition(width >= 1 && width <= 64 && offset >= 0 && offset + width <= 128)
        let m = Self.mask(width)
        if offset + width <= 64 {
            low = (low & ~(m << UInt64(offset))) | ((value & m) << UInt64(offset))
        } else if offset >= 64 {
            let shift = UInt64(offset - 64)
            high = (high & ~(m << shift)) | ((value & m) << shift)
        } else {
            for bit in 0..<width { set(offset + bit, (value >> UInt64(bit)) & 1 == 1) }
        }
    }

    /// The low `width` bits set.
    private static func mask(_ width: Int) -> UInt64 { width >= 64 ? .max : (UInt64(1) << UInt64(width)) - 1 }

    mutating func clear(offset: Int, width: Int) {
        for bit in offset..<(offset + width) { set(bit, false) }
    }

    private func isSet(_ bit: Int) -> Bool {
        bit < 64 ? (low >> UInt64(bit)) & 1 == 1 : (high >> UInt64(bit - 64)) & 1 == 1
    }

    private mutating func set(_ bit: Int, _ on: Bool) {
        if bit < 64 {
            let mask = UInt64(1) << UInt64(bit)
            low = on ? low | mask : low & ~mask
        } else {
            let mask = UInt64(1) << UInt64(bit - 64)
            high = on ? high | mask : high & ~mask
        }
    }
}
