/// The suite's one deterministic generator (SplitMix64), so random tests reproduce: test
/// targets add their own draws (edge-biased values, picks) in extensions or thin wrappers.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// Seeded from a text (FNV-1a of its UTF-8), so that a test case seeded from its own
    /// description draws the same in every run (`hashValue` is randomised per process).
    public init(seed text: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        state = h
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` bytes, one draw each.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }

    /// `count` int8 values, one draw each.
    public mutating func int8s(_ count: Int) -> [Int8] {
        (0..<count).map { _ in Int8(truncatingIfNeeded: next()) }
    }
}
