import VTATarget

/// One segment's compiled program: the instruction stream (tokens inserted, FINISH last), the
/// micro-op image it loads, and the relocations the runtime applies.
public struct SegmentProgram: Sendable {
    public var instructions: [Instruction]
    public var uops: [MicroOp]
    public var relocations: [Relocation]
    /// Builder instruction index → index in `instructions` (the token pass inserts no-ops).
    private var indexMap: [Int]

    /// Where the builder's instruction `i` ended up.
    public func newIndex(_ i: Int) -> Int { indexMap[i] }

    /// Finishes a builder: inserts the dependency tokens and the FINISH epilogue, and moves
    /// the relocations to the instructions' final positions.
    public init(_ builder: StreamBuilder) {
        let result = TokenInsertion.apply(builder.instructions, accesses: builder.accesses)
        instructions = result.instructions
        indexMap = result.newIndex
        uops = builder.uopImage
        relocations = builder.relocations.map { r in
            var moved = r
            moved.instruction = result.newIndex[r.instruction]
            return moved
        }
    }

    /// The stream with every relocated dram_base made absolute, for regions placed at the
    /// given physical byte addresses (what the runtime does at load time).
    public func relocated(bases: [StreamRegion: Int], config: HardwareConfig) -> [Instruction] {
        var result = instructions
        for r in relocations {
            let base = (bases[r.region] ?? 0) / config.dramElementBytes(r.memoryType) + r.elementOffset
            switch result[r.instruction] {
            case .load(var m):
                m.dramBase = base
                result[r.instruction] = .load(m)
            case .store(var m):
                m.dramBase = base
                result[r.instruction] = .store(m)
            default:
                preconditionFailure("relocation \(r) does not point at a LOAD or STORE")
            }
        }
        return result
    }
}
