/// One buffer to place in an arena: its size and the span of schedule steps during which it
/// must hold its contents (from the step that writes it to the last step that reads it).
public struct BufferRequest: Sendable, Equatable {
    public var id: Int
    public var size: Int
    public var alignment: Int
    public var firstUse: Int
    public var lastUse: Int

    public init(id: Int, size: Int, alignment: Int, firstUse: Int, lastUse: Int) {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment must be a power of two")
        precondition(firstUse <= lastUse, "a buffer's life cannot end before it starts")
        self.id = id
        self.size = size
        self.alignment = alignment
        self.firstUse = firstUse
        self.lastUse = lastUse
    }

    func overlapsInTime(_ other: BufferRequest) -> Bool {
        firstUse <= other.lastUse && other.firstUse <= lastUse
    }
}

/// Offsets for every buffer in one arena, and what sharing saved.
public struct ArenaPlan: Sendable, Equatable {
    /// Offset of each request, by request id.
    public var offsets: [Int: Int]
    /// Bytes the arena needs: the end of the highest buffer.
    public var peak: Int
    /// Bytes without any reuse: every buffer at its own aligned place.
    public var withoutReuse: Int

    public var saving: Int { withoutReuse - peak }
}

/// Greedy-by-size placement (as TFLite's arena planner does): largest buffers first, each at
/// the lowest aligned offset where it overlaps no already placed buffer that is alive at the
/// same time. Deterministic: ties go by first use, then id.
public enum ArenaPlanner {
    public static func plan(_ requests: [BufferRequest]) -> ArenaPlan {
        let ordered = requests.sorted {
            ($0.size, -$0.firstUse, -$0.id) > ($1.size, -$1.firstUse, -$1.id)
        }
        var placed: [(request: BufferRequest, offset: Int)] = []
        var offsets: [Int: Int] = [:]
        var peak = 0
        for request in ordered {
            let conflicts = placed.filter { $0.request.overlapsInTime(request) }.sorted {
                $0.offset < $1.offset
            }
            var offset = 0
            for conflict in conflicts {
                offset = align(offset, request.alignment)
                if offset + request.size <= conflict.offset { break }
                offset = max(offset, conflict.offset + conflict.request.size)
            }
            offset = align(offset, request.alignment)
            placed.append((request, offset))
            offsets[request.id] = offset
            peak = max(peak, offset + request.size)
        }
        let withoutReuse = requests.reduce(0) { align($0, $1.alignment) + $1.size }
        return ArenaPlan(offsets: offsets, peak: peak, withoutReuse: withoutReuse)
    }

    static func align(_ value: Int, _ alignment: Int) -> Int {
        (value + alignment - 1) & ~(alignment - 1)
    }
}
