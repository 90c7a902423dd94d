import VTATarget

/// A DRAM region an instruction stream addresses relative to; the runtime relocates it.
public enum StreamRegion: String, Sendable, Hashable, CaseIterable {
    case constants, activations, scratch, uops
}

/// Memory that one instruction touches, as the lowering that emits it knows. The token pass
/// orders every pair of instructions on different modules whose accesses conflict.
public struct MemoryAccess: Sendable, Hashable {
    public enum Space: Sendable, Hashable {
        /// An SRAM buffer, in element indices. ACC indices also stand for the OUT buffer that
        /// GEMM and ALU write alongside and STORE reads.
        case sram(SRAMBuffer)
        /// A DRAM region, in bytes.
        case dram(StreamRegion)
    }

    public var space: Space
    public var range: Range<Int>
    public var isWrite: Bool

    public init(_ space: Space, _ range: Range<Int>, write: Bool) {
        self.space = space
        self.range = range
        self.isWrite = write
    }

    public static func reads(_ space: Space, _ range: Range<Int>) -> MemoryAccess {
        MemoryAccess(space, range, write: false)
    }

    public static func writes(_ space: Space, _ range: Range<Int>) -> MemoryAccess {
        MemoryAccess(space, range, write: true)
    }

    /// Two accesses conflict when they overlap and at least one writes.
    public func conflicts(with other: MemoryAccess) -> Bool {
        space == other.space && (isWrite || other.isWrite) && range.overlaps(other.range)
    }
}
