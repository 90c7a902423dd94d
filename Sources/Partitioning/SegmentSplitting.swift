/// Splits accelerator segments so that no instruction stream exceeds what the device's
/// instruction queue holds. A segment breaks only between layers: a layer's stream is never cut.
public enum SegmentSplitting {
    /// `instructions[node]` is the instruction count of each layer; `limit` the most one device
    /// run may execute. A single layer larger than the limit keeps a segment of its own (the
    /// lowering must tile it smaller; the caller reports it).
    public static func split(_ segments: [Segment], instructions: [Int: Int], limit: Int) -> [Segment] {
        var result: [Segment] = []
        for segment in segments {
            var current: [Int] = []
            var count = 0
            for node in segment.nodes {
                let n = instructions[node] ?? 0
                if !current.isEmpty && count + n > limit {
                    result.append(Segment(index: result.count, nodes: current))
                    current = []
                    count = 0
                }
                current.append(node)
                count += n
            }
            if !current.isEmpty { result.append(Segment(index: result.count, nodes: current)) }
        }
        return result
    }
}
