/// Replays the dependency tokens of a stream across the three modules, without executing
/// anything else, to find deadlocks and the happens-before order between instructions.
///
/// Model: each module runs its own instructions in program order. An instruction first pops
/// one token from every queue its pop flags name (waiting while a queue is empty), executes,
/// then pushes one token to every queue its push flags name (waiting while a queue holds
/// `fifoDepth` tokens). The k-th pop of a queue receives the k-th push, so the happens-before
/// relation is the same in every run: it is captured with vector clocks.
///
/// Because each queue has exactly one producer and one consumer, a module that can proceed
/// stays able to until it does (the system is persistent); whether the stream deadlocks is
/// therefore the same for every interleaving, and simulating one is enough. The simulation
/// picks, among modules that can proceed, the one whose instruction comes first in the stream.
public struct TokenSimulation: Sendable {
    /// Per-module progress counters: component m of instruction x's clock is the number of
    /// instructions of module m that happen before or at x.
    public struct VectorClock: Sendable, Hashable, CustomStringConvertible {
        public var load = 0
        public var compute = 0
        public var store = 0

        public subscript(module: ExecutionModule) -> Int {
            get {
                switch module {
                case .load: load
                case .compute: compute
                case .store: store
                }
            }
            set {
                switch module {
                case .load: load = newValue
                case .compute: compute = newValue
                case .store: store = newValue
                }
            }
        }

        mutating func join(_ other: VectorClock) {
            load = max(load, other.load)
            compute = max(compute, other.compute)
            store = max(store, other.store)
        }

        public var description: String { "(L\(load) C\(compute) S\(store))" }
    }

    /// Why a module could not proceed when the simulation stopped.
    public enum Wait: Sendable, Hashable, CustomStringConvertible {
        /// The instruction must pop from an empty queue.
        case emptyQueue(TokenQueue)
        /// The instruction has executed and must push to a full queue.
        case fullQueue(TokenQueue)

        public var description: String {
            switch self {
            case .emptyQueue(let q): "waits for a token on \(q), which is empty"
            case .fullQueue(let q): "waits to push to \(q), which is full"
            }
        }
    }

    /// A module stuck at an instruction.
    public struct Stall: Sendable, Hashable {
        public var module: ExecutionModule
        public var index: Int
        public var waits: [Wait]
    }

    /// The instruction indices in the order this simulation started them.
    public let schedule: [Int]
    /// Each instruction's clock, nil for instructions never reached.
    public let clocks: [VectorClock?]
    /// Empty when every instruction ran; otherwise the stuck modules.
    public let stalls: [Stall]
    /// Tokens left in each queue at the end.
    public let remainingTokens: [TokenQueue: Int]
    /// The most tokens each queue held at once during this schedule.
    public let peakOccupancy: [TokenQueue: Int]
    /// The module of each instruction.
    public let modules: [ExecutionModule]

    /// True when every instruction ran.
    public var completed: Bool { stalls.isEmpty }

    /// Whether instruction `a` completes before instruction `b` starts in every execution:
    /// program order within a module, token chains across modules. Unreached instructions are
    /// ordered with nothing.
    public func happensBefore(_ a: Int, _ b: Int) -> Bool {
        guard a != b, let ca = clocks[a], let cb = clocks[b] else { return false }
        let m = modules[a]
        return cb[m] >= ca[m] && !(modules[b] == m && b < a)
    }

    /// Simulates `stream` with FIFOs of `fifoDepth` tokens. Flags naming a queue the module
    /// does not have are ignored here (the verifier reports them separately).
    public init(stream: [Instruction], fifoDepth: Int) {
        let modules = stream.map(\.module)
        var programs: [ExecutionModule: [Int]] = [:]
        for (index, module) in modules.enumerated() { programs[module, default: []].append(index) }

        var next: [ExecutionModule: Int] = [:]  // position in the module's program
        var pushing: [ExecutionModule: Int] = [:]  // instruction that executed but has not pushed
        var moduleClock: [ExecutionModule: VectorClock] = [:]
        var queues: [TokenQueue: [VectorClock]] = [:]
        var peak: [TokenQueue: Int] = [:]
        var clocks = [VectorClock?](repeating: nil, count: stream.count)
        var schedule: [Int] = []
        schedule.reserveCapacity(stream.count)

        func touched(_ index: Int, pops: Bool) -> [TokenQueue] {
            let flags: [DependencyFlags] = pops ? [.popPrev, .popNext] : [.pushPrev, .pushNext]
            return flags.filter { stream[index].deps.contains($0) }.compactMap {
                modules[index].queue(for: $0)
            }
        }

        while true {
            // Find the earliest instruction that can make progress.
            var best: (module: ExecutionModule, index: Int, isPush: Bool)?
            for module in ExecutionModule.allCases {
                if let index = pushing[module] {
                    if touched(index, pops: false).allSatisfy({ queues[$0, default: []].count < fifoDepth }),
                        best == nil || index < best!.index
                    {
                        best = (module, index, true)
                    }
                } else if let index = programs[module]?[safe: next[module, default: 0]] {
                    if touched(index, pops: true).allSatisfy({ !queues[$0, default: []].isEmpty }),
                        best == nil || index < best!.index
                    {
                        best = (module, index, false)
                    }
                }
            }
            guard let step = best else { break }
            if step.isPush {
                for queue in touched(step.index, pops: false) {
                    queues[queue, default: []].append(clocks[step.index]!)
                    peak[queue] = max(peak[queue, default: 0], queues[queue]!.count)
                }
                pushing[step.module] = nil
            } else {
                var clock = moduleClock[step.module, default: VectorClock()]
                for queue in touched(step.index, pops: true) {
                    clock.join(queues[queue]!.removeFirst())
                }
                clock[step.module] += 1
                moduleClock[step.module] = clock
                clocks[step.index] = clock
                schedule.append(step.index)
                next[step.module, default: 0] += 1
                if !touched(step.index, pops: false).isEmpty { pushing[step.module] = step.index }
            }
        }

        var stalls: [Stall] = []
        for module in ExecutionModule.allCases {
            if let index = pushing[module] {
                let full = touched(index, pops: false).filter { queues[$0, default: []].count >= fifoDepth }
                stalls.append(Stall(module: module, index: index, waits: full.map { .fullQueue($0) }))
            } else if let index = programs[module]?[safe: next[module, default: 0]] {
                let empty = touched(index, pops: true).filter { queues[$0, default: []].isEmpty }
                stalls.append(Stall(module: module, index: index, waits: empty.map { .emptyQueue($0) }))
            }
        }
        self.schedule = schedule
        self.clocks = clocks
        self.stalls = stalls
        self.remainingTokens = Dictionary(
            uniqueKeysWithValues: TokenQueue.allCases.map { ($0, queues[$0, default: []].count) })
        self.peakOccupancy = Dictionary(
            uniqueKeysWithValues: TokenQueue.allCases.map { ($0, peak[$0, default: 0]) })
        self.modules = modules
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
