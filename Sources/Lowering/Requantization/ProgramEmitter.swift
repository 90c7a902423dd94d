import VTATarget

/// Where one tile's program runs: the tile (or one chunk of its rows) and the areas the
/// caller handed over.
struct RQLayout: Sendable {
    var tile: AccumulatorTile
    var firstBlock: Int
    /// Blocks of constants per constant vector (the layer's channel blocks).
    var totalBlocks: Int
    var constantBase: Int
    var tempBase: Int
    /// ACC entries per temporary: the tile's footprint, (rows − 1)·rowStride + blocks.
    var tempSpan: Int
    var weightBase: Int
    var inputBase: Int
    var scratchOffset: Int
    var uopBase: Int

    var vectors: Int { tile.rows * tile.blocks }
    /// Whether one loop walks the whole tile (one row of blocks, or one block down the rows)
    /// and the tile has at least three vectors: then a loop over products into one slot
    /// writes each vector at least three executions after the last write to it.
    var steppable: Bool { (tile.rows == 1 || tile.blocks == 1) && vectors >= 3 }
    var isContiguous: Bool { tile.rows == 1 || tile.rowStride == tile.blocks }
}

extension RQProgram {
    /// The products in groups that each run as one GEMM: within a group no product writes
    /// the vector either of the two before it wrote (the accumulator hazard), so every loop
    /// iteration (one tile vector) is safe, and consecutive iterations touch other vectors.
    static func hazardFreeGroups(_ products: [RQProduct]) -> [[RQProduct]] {
        var remaining = products
        var groups: [[RQProduct]] = []
        var current: [RQProduct] = []
        while !remaining.isEmpty {
            let recent = Set(current.suffix(2).map(\.dst))
            var counts: [RQSlot: Int] = [:]
            for p in remaining { counts[p.dst, default: 0] += 1 }
            let pick = remaining.indices.filter { !recent.contains(remaining[$0].dst) }
                .max { counts[remaining[$0].dst]! < counts[remaining[$1].dst]! }
            if let i = pick {
                current.append(remaining.remove(at: i))
            } else {
                groups.append(current)
                current = []
            }
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// Products into one slot that one GEMM loop steps through: `count` products from
    /// `first`, digits and weight tiles each a constant non-negative step apart.
    struct ProductRun {
        var first: RQProduct
        var count = 1
        var digitStep = 0
        var weightStep = 0
    }

    /// Products that all accumulate into one slot, in runs that one GEMM loop can step
    /// through (the outer loop over the run, the inner one over the tile's vectors). Nil when
    /// the products write several slots (then `hazardFreeGroups` interleaves them in a kernel).
    static func sameSlotRuns(_ products: [RQProduct]) -> [ProductRun]? {
        guard let dst = products.first?.dst, products.allSatisfy({ $0.dst == dst }) else { return nil }
        var runs: [ProductRun] = []
        for p in products {
            if var run = runs.last {
                let last = run.first.digit + (run.count - 1) * run.digitStep
                let step = (
                    digit: p.digit - last,
                    weight: p.weights - run.first.weights - (run.count - 1) * run.weightStep
                )
                if step.digit >= 0 && step.weight >= 0
                    && (run.count == 1 || (step.digit == run.digitStep && step.weight == run.weightStep))
                {
                    (run.digitStep, run.weightStep) = step
                    run.count += 1
                    runs[runs.count - 1] = run
                    continue
                }
            }
            runs.append(ProductRun(first: p))
        }
        return runs
    }

    /// Micro-ops one tile needs at most (independent of the tile's geometry; product runs
    /// that one loop steps through take fewer).
    var microOpCount: Int {
        var distinct = Set<String>()
        var count = 0
        for op in ops {
            switch op {
            case .alu(_, let slot, let operand):
                // Immediates read their own destination: one micro-op per destination.
                let key: String =
                    switch operand {
                    case .immediate: "\(slot)|self"
                    case .constant(let k): "\(slot)|c\(k)"
                    case .slot(let s): "\(slot)|\(s)"
                    }
                if distinct.insert(key).inserted { count += 1 }
            case .reset(let slots):
                count += slots.contains(.tile) ? 1 : 0
                count += Self.tempRuns(slots).count
            case .products(let products):
                count += products.count
            case .storeDigit, .loadDigits, .refine:
                break
            }
        }
        return count
    }

    /// Consecutive runs of temporaries among `slots`.
    static func tempRuns(_ slots: [RQSlot]) -> [Range<Int>] {
        let temps = slots.compactMap { s -> Int? in if case .temp(let t) = s { t } else { nil } }.sorted()
        var runs: [Range<Int>] = []
        for t in temps {
            if let last = runs.last, last.upperBound == t {
                runs[runs.count - 1] = last.lowerBound..<(t + 1)
            } else {
                runs.append(t..<(t + 1))
            }
        }
        return runs
    }

    /// Where the digit round trip splits the program: ops before it only prepare and store
    /// digits, ops from it on load them and finish. nil without a round trip.
    var roundTripIndex: Int? {
        ops.firstIndex { if case .loadDigits = $0 { true } else { false } }
    }

    /// The ops that store a digit, in order.
    var digitStoreIndices: [Int] {
        ops.indices.filter { if case .storeDigit = ops[$0] { true } else { false } }
    }

    /// True when the ops before the round trip touch only the tile: then the digits of later
    /// chunks can be prepared while earlier chunks finish (their temporaries are not in use).
    var preparesOnTileOnly: Bool {
        guard let split = roundTripIndex else { return false }
        return ops[..<split].allSatisfy { op in
            switch op {
            case .alu(_, let slot, let operand):
                if case .slot(let s) = operand, s != .tile { return false }
                return slot == .tile
            case .storeDigit(let slot, _): return slot == .tile
            case .reset(let slots): return slots.allSatisfy { $0 == .tile }
            case .products, .loadDigits, .refine: return false
            }
        }
    }

    /// Emits the program for one tile: one LOAD UOP of its micro-ops, then the instructions.
    /// `phase` selects the ops to emit (the kernel is loaded only with the first op).
    func emit(into b: inout StreamBuilder, layout: RQLayout, phase: Range<Int>? = nil) {
        let phase = phase ?? ops.indices
        let config = b.config
        let tile = layout.tile
        let n = layout.vectors
        func base(_ s: RQSlot) -> Int {
            switch s {
            case .tile: tile.base
            case .temp(let t): layout.tempBase + t * layout.tempSpan
            }
        }
        func source(_ operand: RQOperand, dst: Int) -> Int {
            switch operand {
            case .immediate: dst
            case .constant(let k): layout.constantBase + k * layout.totalBlocks + layout.firstBlock
            case .slot(let s): base(s)
            }
        }
        // The kernel: distinct ALU micro-ops, reset micro-ops, product groups.
        var kernel: [MicroOp] = []
        var aluSlot: [MicroOp: Int] = [:]
        var resetSlots: [Int: [(slot: Int, vectors: Int, isTile: Bool)]] = [:]
        var productSlots: [Int: [Range<Int>]] = [:]
        var productRuns: [Int: [ProductRun]] = [:]
        let maxIter = (1 << HardwareConfig.loopIterationBits) - 1
        for (index, op) in ops.enumerated() {
            switch op {
            case .alu(_, let slot, let operand):
                let dst = base(slot)
                let uop = MicroOp(dst: dst, src: source(operand, dst: dst))
                if aluSlot[uop] == nil {
                    aluSlot[uop] = kernel.count
                    kernel.append(uop)
                }
            case .reset(let slots):
                var list: [(Int, Int, Bool)] = []
                if slots.contains(.tile) {
                    list.append((kernel.count, 0, true))
                    kernel.append(MicroOp(dst: tile.base))
                }
                for run in Self.tempRuns(slots) {
                    // One micro-op per run of temporaries, in pieces the loop count can hold.
                    var first = layout.tempBase + run.lowerBound * layout.tempSpan
                    var left = run.count * layout.tempSpan
                    while left > 0 {
                        let piece = min(left, maxIter)
                        list.append((kernel.count, piece, false))
                        kernel.append(MicroOp(dst: first))
                        first += piece
                        left -= piece
                    }
                }
                resetSlots[index] = list
            case .products(let products):
                if let runs = Self.sameSlotRuns(products), layout.steppable {
                    // One micro-op per run; the loop steps through the run's products.
                    var ranges: [Range<Int>] = []
                    for run in runs {
                        let p = run.first
                        ranges.append(kernel.count..<(kernel.count + 1))
                        kernel.append(
                            MicroOp(
                                dst: base(p.dst), src: layout.inputBase + p.digit * n,
                                wgt: layout.weightBase + p.weights * layout.totalBlocks + layout.firstBlock))
                    }
                    productSlots[index] = ranges
                    productRuns[index] = runs
                    continue
                }
                var ranges: [Range<Int>] = []
                for group in Self.hazardFreeGroups(products) {
                    let start = kernel.count
                    for p in group {
                        kernel.append(
                            MicroOp(
                                dst: base(p.dst), src: layout.inputBase + p.digit * n,
                                wgt: layout.weightBase + p.weights * layout.totalBlocks + layout.firstBlock))
                    }
                    ranges.append(start..<kernel.count)
                }
                productSlots[index] = ranges
            case .storeDigit, .loadDigits, .refine:
                break
            }
        }
        assert(kernel.count <= microOpCount, "the kernel must fit the slots `microOpSlots` reports")
        if !kernel.isEmpty && phase.lowerBound == 0 { b.loadKernel(kernel, at: layout.uopBase) }
        let u = layout.uopBase
        let outBytes = config.dramElementBytes(.output)
        let tileFactors = (out: tile.rowStride, in: 1)
        for index in phase {
            let op = ops[index]
            switch op {
            case .alu(let code, let slot, let operand):
                let dst = base(slot)
                let k = aluSlot[MicroOp(dst: dst, src: source(operand, dst: dst))]! + u
                let src: (out: Int, in: Int) =
                    switch operand {
                    case .constant: (0, 1)
                    case .immediate, .slot: tileFactors
                    }
                var immediate: Int? = nil
                if case .immediate(let v) = operand { immediate = Int(v) }
                b.alu(
                    code, uops: k..<(k + 1), iterOut: tile.rows, iterIn: tile.blocks, dst: tileFactors,
                    src: src,
                    immediate: immediate)
            case .reset:
                for entry in resetSlots[index]! {
                    let k = entry.slot + u
                    if entry.isTile {
                        b.gemm(
                            uops: k..<(k + 1), iterOut: tile.rows, iterIn: tile.blocks, dst: tileFactors,
                            src: (0, 0), wgt: (0, 0), reset: true)
                    } else {
                        b.gemm(
                            uops: k..<(k + 1), iterOut: entry.vectors, iterIn: 1, dst: (1, 0), src: (0, 0),
                            wgt: (0, 0), reset: true)
                    }
                }
            case .storeDigit(let slot, let digit):
                let offset = layout.scratchOffset + digit * n * outBytes
                if layout.isContiguous {
                    b.store(
                        sram: base(slot), region: .scratch, byteOffset: offset, rows: 1, columns: n, stride: n
                    )
                } else {
                    for r in 0..<tile.rows {
                        b.store(
                            sram: base(slot) + r * tile.rowStride, region: .scratch,
                            byteOffset: offset + r * tile.blocks * outBytes, rows: 1, columns: tile.blocks,
                            stride: tile.blocks)
                    }
                }
            case .loadDigits(let count):
                b.load(
                    .input, sram: layout.inputBase, region: .scratch, byteOffset: layout.scratchOffset,
                    rows: 1,
                    columns: count * n, stride: count * n)
            case .products:
                if let runs = productRuns[index] {
                    // Outer loop: the run's products; inner loop: the tile's vectors, a line
                    // of rows or of blocks (`steppable`).
                    let alongBlocks = tile.rows == 1
                    for (range, run) in zip(productSlots[index]!, runs) {
                        b.gemm(
                            uops: (range.lowerBound + u)..<(range.upperBound + u), iterOut: run.count,
                            iterIn: n, dst: (0, alongBlocks ? 1 : tile.rowStride),
                            src: (run.digitStep * n, 1),
                            wgt: (run.weightStep * layout.totalBlocks, alongBlocks ? 1 : 0))
                    }
                    continue
                }
                for range in productSlots[index]! {
                    b.gemm(
                        uops: (range.lowerBound + u)..<(range.upperBound + u), iterOut: tile.rows,
                        iterIn: tile.blocks, dst: tileFactors, src: (tile.blocks, 1), wgt: (0, 1))
                }
            case .refine:
                break
            }
        }
    }
}
