/// The suite's one deterministic generator (SplitMix64), so random tests reproduce: test
/// targets add their own draws (edge-biased values, picks) in extensions or thin wrappers.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

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
