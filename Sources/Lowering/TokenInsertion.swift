import VTATarget

/// Inserts the dependency tokens that make a sequentially written stream correct on VTA's
/// three concurrent modules, and the FINISH epilogue.
///
/// The lowering writes instructions in an order that is correct when executed one by one, and
/// says what each reads and writes. For every instruction, the latest earlier instruction on
/// each other module whose accesses conflict with it must finish first: that is a token from
/// producer to consumer on the queue between their modules (load↔store, which have no queue,
/// go through a compute no-op). Tokens on one queue are matched first-in first-out, so per
/// queue the pass keeps only edges whose producers increase with their consumers — an edge
/// whose producer is already covered by an earlier pop is implied by in-order execution and
/// dropped. Every edge points forward in program order, so the result cannot deadlock.
///
/// Overlap comes for free: a LOAD into a buffer the compute module is not reading waits for
/// nothing, which is what double buffering needs.
public enum TokenInsertion {
    public struct Result: Sendable {
        public var instructions: [Instruction]
        /// For each input instruction, its index in the output (no-ops shift them).
        public var newIndex: [Int]
    }

    public static func apply(_ input: [Instruction], accesses: [[MemoryAccess]]) -> Result {
        precondition(input.count == accesses.count, "one access list per instruction")
        // 1. For every instruction, the latest conflicting instruction on each other module.
        //    A load that depends on a store (or a store on a load) has no queue to wait on: it
        //    waits instead for the earliest compute instruction already ordered after that
        //    producer (compute runs in order, so `implied` is a running maximum), or, if there is
        //    none, for a compute no-op placed right before it that waits for the producer.
        var stream: [Instruction] = []
        var needs: [[ExecutionModule: Int]] = []
        var newIndex: [Int] = []
        var history = AccessHistory()
        // Compute instructions in order, with the latest load and store each is ordered after.
        var computeOrder: [(index: Int, implied: [ExecutionModule: Int])] = []
        func appendCompute(_ index: Int, _ direct: [ExecutionModule: Int]) {
            var implied = computeOrder.last?.implied ?? [:]
            for (module, p) in direct { implied[module] = max(implied[module] ?? -1, p) }
            computeOrder.append((index, implied))
        }
        for (i, instruction) in input.enumerated() {
            let module = instruction.module
            var conflicts = history.latestConflicts(of: accesses[i], excluding: module)
            if module != .compute {
                let other: ExecutionModule = module == .load ? .store : .load
                if let p = conflicts.removeValue(forKey: other) {
                    let k = earliest(computeOrder, after: p, on: other)
                    if let k {
                        conflicts[.compute] = max(conflicts[.compute] ?? -1, k)
                    } else {
                        let noOp = stream.count
                        stream.append(computeNoOp)
                        needs.append([other: p])
                        appendCompute(noOp, [other: p])
                        conflicts[.compute] = max(conflicts[.compute] ?? -1, noOp)
                    }
                }
            }
            newIndex.append(stream.count)
            if module == .compute { appendCompute(stream.count, conflicts) }
            stream.append(instruction.withDeps([]))
            needs.append(conflicts)
            history.record(accesses[i], index: stream.count - 1, module: module)
        }
        // 2. Epilogue: a compute no-op ordered after the last load and the last store, then FINISH.
        var last: [ExecutionModule: Int] = [:]
        for (c, instruction) in stream.enumerated() { last[instruction.module] = c }
        stream.append(computeNoOp)
        needs.append([.load: last[.load], .store: last[.store]].compactMapValues { $0 })
        stream.append(.finish(FinishInstruction()))
        needs.append([:])

        // 3. One edge per (producer module, consumer), matched first-in first-out per queue.
        var lastCovered: [TokenQueue: Int] = [:]
        for c in stream.indices {
            for (_, p) in needs[c].sorted(by: { $0.value < $1.value }) {
                addEdge(&stream, &lastCovered, from: p, to: c)
            }
        }
        return Result(instructions: stream, newIndex: newIndex)
    }

    /// The earliest compute instruction in `order` already ordered after instruction `p` of
    /// `module` (a binary search: `implied` only grows).
    static func earliest(
        _ order: [(index: Int, implied: [ExecutionModule: Int])], after p: Int, on module: ExecutionModule
    ) -> Int? {
        var lo = 0
        var hi = order.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if (order[mid].implied[module] ?? -1) >= p { hi = mid } else { lo = mid + 1 }
        }
        return lo < order.count ? order[lo].index : nil
    }

    /// A compute-module instruction that does nothing but carry tokens: LOAD UOP of 0 elements.
    static let computeNoOp = Instruction.load(
        MemoryInstruction(memoryType: .uop, sramBase: 0, dramBase: 0, ySize: 1, xSize: 0, xStride: 0))

    /// Sets push on the producer and pop on the consumer, unless an earlier pop on the same
    /// queue already came from this producer or a later one.
    private static func addEdge(
        _ stream: inout [Instruction], _ lastCovered: inout [TokenQueue: Int], from p: Int, to c: Int
    ) {
        let from = stream[p].module
        let to = stream[c].module
        let (push, pop): (DependencyFlags, DependencyFlags)
        switch (from, to) {
        case (.load, .compute): (push, pop) = (.pushNext, .popPrev)
        case (.compute, .load): (push, pop) = (.pushPrev, .popNext)
        case (.compute, .store): (push, pop) = (.pushNext, .popPrev)
        case (.store, .compute): (push, pop) = (.pushPrev, .popNext)
        default: return
        }
        let queue = from.queue(for: push)!
        if let covered = lastCovered[queue], covered >= p { return }
        stream[p] = stream[p].withDeps(stream[p].deps.union(push))
        stream[c] = stream[c].withDeps(stream[c].deps.union(pop))
        lastCovered[queue] = p
    }
}

/// Every access so far, per module, for finding the latest conflicting instruction.
struct AccessHistory {
    private var entries: [ExecutionModule: [(index: Int, access: MemoryAccess)]] = [:]

    mutating func record(_ accesses: [MemoryAccess], index: Int, module: ExecutionModule) {
        for a in accesses { entries[module, default: []].append((index, a)) }
    }

    /// For each other module, the latest instruction whose access conflicts with `accesses`.
    func latestConflicts(
        of accesses: [MemoryAccess], excluding module: ExecutionModule
    ) -> [ExecutionModule: Int] {
        var result: [ExecutionModule: Int] = [:]
        for other in ExecutionModule.allCases where other != module {
            guard let list = entries[other] else { continue }
            var found: Int? = nil
            for entry in list.reversed() where accesses.contains(where: { $0.conflicts(with: entry.access) })
            {
                found = entry.index
                break
            }
            if let found { result[other] = found }
        }
        return result
    }
}

extension Instruction {
    /// The same instruction with other dependency flags.
    func withDeps(_ deps: DependencyFlags) -> Instruction {
        switch self {
        case .load(var m):
            m.deps = deps
            return .load(m)
        case .store(var m):
            m.deps = deps
            return .store(m)
        case .gemm(var g):
            g.deps = deps
            return .gemm(g)
        case .alu(var a):
            a.deps = deps
            return .alu(a)
        case .finish(var f):
            f.deps = deps
            return .finish(f)
        }
    }
}
