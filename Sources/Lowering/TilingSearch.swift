import VTATarget

/// Picks, among candidate tilings of one layer, the one with the fewest modelled cycles for
/// the layer on its own: each candidate is emitted into a fresh stream, given its dependency
/// tokens and timed with the target's cycle model. Ties go to the earlier candidate, so list
/// the preferred default first.
///
/// With `after`, each candidate is emitted after the stream so far and the whole is timed:
/// the layer in context, where its first loads may overlap the previous layer's tail.
enum TilingSearch {
    static func cheapest<Candidate>(
        _ candidates: [Candidate], target: Target, after prefix: StreamBuilder? = nil,
        emit: (Candidate, inout StreamBuilder) throws(LoweringError) -> Void
    ) -> (choice: Candidate, cycles: Int)? {
        var best: (choice: Candidate, cycles: Int)? = nil
        for candidate in candidates {
            var b = prefix ?? StreamBuilder(config: target.config)
            do { try emit(candidate, &b) } catch { continue }
            guard let timing = try? target.timing(of: SegmentProgram(b).instructions) else { continue }
            if best.map({ timing.totalCycles < $0.cycles }) ?? true { best = (candidate, timing.totalCycles) }
        }
        return best
    }
}
