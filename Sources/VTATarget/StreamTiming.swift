/// The modelled timing of one instruction stream: the three modules run concurrently, each in
/// program order, and wait only for the dependency tokens they pop.
public struct StreamTiming: Sendable, Hashable {
    /// Cycles from the first instruction's start to FINISH's end.
    public var totalCycles: Int
    /// Cycles each module spends executing (not waiting).
    public var busyCycles: [ExecutionModule: Int]
    /// Cycles each module spends waiting for a token it pops.
    public var stallCycles: [ExecutionModule: Int]
    /// Multiply-accumulates the GEMM instructions perform (resets excluded).
    public var macs: Int
    /// MACs / (totalCycles × BATCH·BLOCK_IN·BLOCK_OUT): the share of the GEMM array's peak.
    public var gemmUtilization: Double
    /// Start and end cycle of every instruction, in stream order.
    public var intervals: [Range<Int>]
}

/// Why a stream cannot be timed: its tokens deadlock.
public struct StreamTimingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var instruction: Int
    public var queue: TokenQueue
    public var description: String {
        "instruction \(instruction) waits forever on the empty \(queue) queue: the stream deadlocks"
    }
}

extension Target {
    /// Times a stream with this target's cycle model (per-instruction costs from `CycleModel`).
    ///
    /// An event-free list schedule: an instruction starts when its module is free and every
    /// token it pops has been pushed (a token is pushed when its instruction ends; the k-th pop
    /// of a queue takes the k-th push). Because the FIFOs match pushes to pops by position,
    /// every valid interleaving gives the same times, so the model needs no tie-breaking.
    /// FIFO capacity is not modelled as a stall (the verifier checks it).
    public func timing(of stream: [Instruction]) throws(StreamTimingError) -> StreamTiming {
        var pushTimes: [TokenQueue: [Int]] = [:]
        var popCount: [TokenQueue: Int] = [:]
        var free: [ExecutionModule: Int] = [.load: 0, .compute: 0, .store: 0]
        var busy: [ExecutionModule: Int] = [.load: 0, .compute: 0, .store: 0]
        var stall: [ExecutionModule: Int] = [.load: 0, .compute: 0, .store: 0]
        var intervals = Array(repeating: 0..<0, count: stream.count)
        // Per-module queues of instruction indices, in program order.
        var pending: [ExecutionModule: [Int]] = [:]
        for (i, instruction) in stream.enumerated() { pending[instruction.module, default: []].append(i) }
        var next: [ExecutionModule: Int] = [.load: 0, .compute: 0, .store: 0]
        var macs = 0
        let lanes = config.batch * config.blockIn * config.blockOut

        var progressed = true
        while progressed {
            progressed = false
            for module in ExecutionModule.allCases {
                guard let list = pending[module] else { continue }
                while next[module]! < list.count {
                    let index = list[next[module]!]
                    let instruction = stream[index]
                    var ready = free[module]!
                    var blocked = false
                    for flag in [DependencyFlags.popPrev, .popNext] where instruction.deps.contains(flag) {
                        guard let queue = module.queue(for: flag) else { continue }
                        let k = popCount[queue, default: 0]
                        guard let pushed = pushTimes[queue], k < pushed.count else {
                            blocked = true
                            break
                        }
                        ready = max(ready, pushed[k])
                    }
                    if blocked { break }
                    for flag in [DependencyFlags.popPrev, .popNext] where instruction.deps.contains(flag) {
                        if let queue = module.queue(for: flag) { popCount[queue, default: 0] += 1 }
                    }
                    let cost = cycleModel.cycles(for: instruction, config: config, busWidthBits: busWidthBits)
                    stall[module]! += ready - free[module]!
                    busy[module]! += cost
                    intervals[index] = ready..<(ready + cost)
                    free[module] = ready + cost
                    for flag in [DependencyFlags.pushPrev, .pushNext] where instruction.deps.contains(flag) {
                        if let queue = module.queue(for: flag) {
                            pushTimes[queue, default: []].append(ready + cost)
                        }
                    }
                    if case .gemm(let g) = instruction, !g.reset { macs += g.loop.executionCount * lanes }
                    next[module]! += 1
                    progressed = true
                }
            }
        }
        for module in ExecutionModule.allCases {
            guard let list = pending[module], next[module]! < list.count else { continue }
            let index = list[next[module]!]
            let flag = stream[index].deps.contains(.popPrev) ? DependencyFlags.popPrev : .popNext
            throw StreamTimingError(instruction: index, queue: module.queue(for: flag) ?? .l2g)
        }
        let total = intervals.map(\.upperBound).max() ?? 0
        return StreamTiming(
            totalCycles: total, busyCycles: busy, stallCycles: stall, macs: macs,
            gemmUtilization: total == 0 ? 0 : Double(macs) / (Double(total) * Double(lanes)),
            intervals: intervals)
    }
}
