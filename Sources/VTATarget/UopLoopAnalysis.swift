/// Index arithmetic of one GEMM/ALU loop nest over known micro-ops, done in closed form where
/// possible so that huge loop counts cost nothing.
///
/// Execution order (the "flattened loop iteration order") is
/// `for i in 0..<iterOut { for j in 0..<iterIn { for u in uopBegin..<uopEnd } }`, and the index
/// an execution uses for an operand is `base[u] + i·factorOut + j·factorIn`.
struct UopLoopAnalysis {
    /// One operand of the loop (dst, src or wgt): per-uop bases and the two loop factors.
    struct Operand {
        let name: String
        let buffer: SRAMBuffer
        let bases: [Int]
        let factorOut: Int
        let factorIn: Int
    }

    /// A position in the execution order.
    struct Execution: CustomStringConvertible {
        let i: Int
        let j: Int
        /// Micro-op slot (SRAM index in the uop buffer).
        let uop: Int

        var description: String { "uop \(uop) at i=\(i), j=\(j)" }
    }

    let loop: UopLoop
    /// Micro-ops in slots uopBegin..<uopEnd.
    let uops: [MicroOp]

    var count: Int { uops.count }

    /// The first micro-op whose largest index exceeds `depth`, with that index.
    func firstOutOfRange(_ operand: Operand, depth: Int) -> (execution: Execution, index: Int)? {
        let reach = (loop.iterOut - 1) * operand.factorOut + (loop.iterIn - 1) * operand.factorIn
        for (p, base) in operand.bases.enumerated() where base + reach >= depth {
            // Name the first iteration that leaves the buffer, not only the last.
            for i in 0..<loop.iterOut {
                let outer = base + i * operand.factorOut
                if outer + (loop.iterIn - 1) * operand.factorIn >= depth {
                    let j =
                        outer >= depth ? 0 : (depth - outer + operand.factorIn - 1) / max(operand.factorIn, 1)
                    let jj = min(j, loop.iterIn - 1)
                    return (Execution(i: i, j: jj, uop: loop.uopBegin + p), outer + jj * operand.factorIn)
                }
            }
        }
        return nil
    }

    /// Every index the operand touches, as sorted disjoint ranges. Call only after
    /// `firstOutOfRange` found nothing (all indices are below `depth`).
    func indexRanges(_ operand: Operand, depth: Int) -> [Range<Int>] {
        let outerCount = operand.factorOut == 0 ? 1 : loop.iterOut
        let innerCount = operand.factorIn == 0 ? 1 : loop.iterIn
        var offsets = Set<Int>()
        for i in 0..<outerCount {
            let outer = i * operand.factorOut
            if outer >= depth { break }
            for j in 0..<innerCount {
                let offset = outer + j * operand.factorIn
                if offset >= depth { break }
                offsets.insert(offset)
            }
        }
        let bases = Set(operand.bases)
        // Few indices (the usual case): sort them; many: mark a bitmap of the buffer.
        if bases.count * offsets.count <= depth / 8 {
            var indices: [Int] = []
            for base in bases {
                for offset in offsets where base + offset < depth { indices.append(base + offset) }
            }
            indices.sort()
            var result: [Range<Int>] = []
            for index in indices {
                if let last = result.last, index <= last.upperBound {
                    if index == last.upperBound { result[result.count - 1] = last.lowerBound..<(index + 1) }
                } else {
                    result.append(index..<(index + 1))
                }
            }
            return result
        }
        var touched = [Bool](repeating: false, count: depth)
        for base in bases {
            for offset in offsets where base + offset < depth { touched[base + offset] = true }
        }
        return Self.ranges(of: touched)
    }

    static func ranges(of bitmap: [Bool]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start: Int?
        for (index, on) in bitmap.enumerated() {
            if on, start == nil { start = index }
            if !on, let s = start {
                result.append(s..<index)
                start = nil
            }
        }
        if let s = start { result.append(s..<bitmap.count) }
        return result
    }

    /// The accumulator hazard: an execution n writing the index that execution n-1 or n-2 of
    /// the same instruction wrote. Only differences between consecutive executions matter, and
    /// those take few forms: within one (i, j) block the uops' own bases; across a block
    /// boundary the bases shifted by `factorIn` (j -> j+1) or `factorOut - (iterIn-1)·factorIn`
    /// (i -> i+1, j wraps to 0); with a single uop, two boundaries. Each form is checked once,
    /// at its first occurrence, so the cost is linear in the uop count.
    func firstWriteHazard(
        _ dst: Operand
    ) -> (later: Execution, earlier: Execution, distance: Int, index: Int)? {
        let L = count
        guard L > 0, loop.iterOut > 0, loop.iterIn > 0 else { return nil }
        let b = dst.bases
        let inDelta = dst.factorIn
        let wrapDelta = dst.factorOut - (loop.iterIn - 1) * dst.factorIn
        func exec(_ i: Int, _ j: Int, _ p: Int) -> Execution { Execution(i: i, j: j, uop: loop.uopBegin + p) }
        func index(_ i: Int, _ j: Int, _ p: Int) -> Int { b[p] + i * dst.factorOut + j * dst.factorIn }
        // Within a block.
        for p in 0..<L {
            for k in 1...2 where p - k >= 0 && b[p - k] == b[p] {
                return (exec(0, 0, p), exec(0, 0, p - k), k, index(0, 0, p))
            }
        }
        // Across one boundary: the later execution is at position p of the next block, the
        // earlier one at position p - k + L of the previous block.
        var transitions: [(from: (Int, Int), to: (Int, Int), delta: Int)] = []
        if loop.iterIn >= 2 { transitions.append(((0, 0), (0, 1), inDelta)) }
        if loop.iterOut >= 2 { transitions.append(((0, loop.iterIn - 1), (1, 0), wrapDelta)) }
        for t in transitions {
            for k in 1...2 {
                for p in 0..<min(k, L) where p - k + L >= 0 {
                    let q = p - k + L
                    if b[q] == b[p] + t.delta {
                        return (
                            exec(t.to.0, t.to.1, p), exec(t.from.0, t.from.1, q), k, index(t.to.0, t.to.1, p)
                        )
                    }
                }
            }
        }
        // Across two boundaries (single uop, distance 2).
        if L == 1 {
            var pairs: [(from: (Int, Int), to: (Int, Int), delta: Int)] = []
            if loop.iterIn >= 3 { pairs.append(((0, 0), (0, 2), 2 * inDelta)) }
            if loop.iterIn >= 2, loop.iterOut >= 2 {
                pairs.append(((0, loop.iterIn - 2), (1, 0), inDelta + wrapDelta))
                pairs.append(((0, loop.iterIn - 1), (1, 1), wrapDelta + inDelta))
            }
            if loop.iterIn == 1, loop.iterOut >= 3 { pairs.append(((0, 0), (2, 0), 2 * wrapDelta)) }
            for pair in pairs where pair.delta == 0 {
                return (
                    exec(pair.to.0, pair.to.1, 0), exec(pair.from.0, pair.from.1, 0), 2,
                    index(pair.to.0, pair.to.1, 0)
                )
            }
        }
        return nil
    }

    /// The ALU source hazard: execution n reads as source an index execution n-1 or n-2
    /// wrote. Source and destination move with different factors, so this walks the
    /// executions, giving up (nil) beyond `limit` of them.
    func firstSourceHazard(
        dst: Operand, src: Operand, limit: Int = 1 << 20
    )
        -> (later: Execution, earlier: Execution, distance: Int, index: Int)?
    {
        guard loop.executionCount <= limit else { return nil }
        var previous: [(Execution, Int)] = []
        for i in 0..<loop.iterOut {
            for j in 0..<loop.iterIn {
                for p in 0..<count {
                    let here = Execution(i: i, j: j, uop: loop.uopBegin + p)
                    let s = src.bases[p] + i * src.factorOut + j * src.factorIn
                    for (k, (earlier, written)) in previous.reversed().enumerated() where written == s {
                        return (here, earlier, k + 1, s)
                    }
                    previous.append((here, dst.bases[p] + i * dst.factorOut + j * dst.factorIn))
                    if previous.count > 2 { previous.removeFirst() }
                }
            }
        }
        return nil
    }
}
