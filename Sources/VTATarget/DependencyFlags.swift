/// The four dependency-token bits (3-6) of every instruction.
///
/// "prev" and "next" are relative to the module that executes the instruction: the load
/// module's next is compute, compute's prev is load and next is store, store's prev is compute.
/// Which queue a flag touches therefore depends on the module; see `TokenQueue.queue(for:in:)`.
public struct DependencyFlags: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue & 0xF }

    /// Wait for (and consume) a token from the previous module before executing.
    public static let popPrev = DependencyFlags(rawValue: 1 << 0)
    /// Wait for (and consume) a token from the next module before executing.
    public static let popNext = DependencyFlags(rawValue: 1 << 1)
    /// Signal the previous module after completing.
    public static let pushPrev = DependencyFlags(rawValue: 1 << 2)
    /// Signal the next module after completing.
    public static let pushNext = DependencyFlags(rawValue: 1 << 3)

    /// Every flag with its text-form name, in encoding order (bit 3 first).
    public static let named: [(flag: DependencyFlags, name: String)] = [
        (.popPrev, "pop_prev"), (.popNext, "pop_next"), (.pushPrev, "push_prev"), (.pushNext, "push_next"),
    ]

    /// `pop_prev,push_next`, or `none` when no flag is set (the text form's spelling).
    public var description: String {
        let names = Self.named.filter { contains($0.flag) }.map(\.name)
        return names.isEmpty ? "none" : names.joined(separator: ",")
    }
}
