/// Proves, before anything runs, that an instruction stream is safe on a target.
///
/// "Safe" means: every instruction exists on the target's ISA profile and encodes; every SRAM
/// and DRAM access stays inside its buffer or an allowed region; dependency flags only name
/// queues that exist; the three modules cannot deadlock, FINISH comes after every load and
/// store, and every queue ends empty; GEMM/ALU loops respect the accumulator hazard; no two
/// modules touch the same SRAM element without a token between them. The verifier returns all
/// findings rather than stopping at the first, each with the instruction index and a rule.
///
/// GEMM and ALU address micro-ops by their slot in the micro-op SRAM, so the verifier needs
/// to know what LOAD UOP puts there: it replays each LOAD UOP against `uopImages` (the micro-op
/// arrays as placed in DRAM) in program order, starting from `initialUops`.
public struct StreamVerifier: Sendable {
    public var target: Target
    /// Micro-op arrays in DRAM that LOAD UOP may read.
    public var uopImages: [UopImage]
    /// DRAM regions transfers may touch; nil skips the region check (addresses are still
    /// checked against the 32-bit space). Micro-op images count as UOP regions.
    public var dramRegions: [DRAMRegion]?
    /// Micro-op SRAM contents before the stream (slot -> micro-op), e.g. left by a previous run.
    public var initialUops: [Int: MicroOp]

    public init(
        target: Target, uopImages: [UopImage] = [], dramRegions: [DRAMRegion]? = nil,
        initialUops: [Int: MicroOp] = [:]
    ) {
        self.target = target
        self.uopImages = uopImages
        self.dramRegions = dramRegions
        self.initialUops = initialUops
    }

    /// Verifies a typed stream.
    public func verify(_ stream: [Instruction]) -> VerificationReport {
        var pass = VerifierPass(verifier: self, stream: stream)
        pass.checkImages()
        for index in stream.indices { pass.check(index) }
        let simulation = TokenSimulation(stream: stream, fifoDepth: target.fifoDepth)
        pass.checkTokens(simulation)
        pass.checkFinish(simulation)
        pass.checkRaces(simulation)
        let ordered = pass.findings.enumerated().sorted { a, b in
            let (ia, ib) = (a.element.index ?? Int.max, b.element.index ?? Int.max)
            return ia != ib ? ia < ib : a.offset < b.offset
        }.map(\.element)
        return VerificationReport(findings: ordered, simulation: simulation, sramTops: pass.tops)
    }

    /// Decodes and verifies an encoded stream; words that do not decode are findings.
    public func verify(encoded bytes: [UInt8]) -> VerificationReport {
        let codec = target.codec
        let size = HardwareConfig.instructionBytes
        guard bytes.count % size == 0 else {
            return VerificationReport(
                findings: [
                    VerificationFinding(
                        index: nil, rule: .decode,
                        message: "\(bytes.count) bytes is not a whole number of \(size)-byte instructions")
                ], simulation: nil)
        }
        var stream: [Instruction] = []
        var findings: [VerificationFinding] = []
        for index in 0..<(bytes.count / size) {
            do {
                stream.append(try codec.decode(bytes[(index * size)..<((index + 1) * size)], index: index))
            } catch {
                findings.append(VerificationFinding(index: index, rule: .decode, message: error.description))
            }
        }
        guard findings.isEmpty else { return VerificationReport(findings: findings, simulation: nil) }
        return verify(stream)
    }
}

/// One SRAM access an instruction makes that another module could race with.
struct SRAMAccess {
    let buffer: SRAMBuffer
    let isWrite: Bool
    let ranges: [Range<Int>]
}

/// The mutable state of one verification.
struct VerifierPass {
    let verifier: StreamVerifier
    let stream: [Instruction]
    let config: HardwareConfig
    let codec: InstructionCodec
    var findings: [VerificationFinding] = []
    /// The micro-op SRAM as the compute module sees it at the current instruction.
    var uopSRAM: [MicroOp?]
    /// Cross-module-relevant accesses per instruction.
    var accesses: [Int: [SRAMAccess]] = [:]
    /// Per instruction, one past the highest element it addresses in each SRAM buffer.
    var tops: [Int: [SRAMBuffer: Int]] = [:]

    init(verifier: StreamVerifier, stream: [Instruction]) {
        self.verifier = verifier
        self.stream = stream
        config = verifier.target.config
        codec = verifier.target.codec
        uopSRAM = [MicroOp?](repeating: nil, count: config.depth(.uop))
        for (slot, uop) in verifier.initialUops where uopSRAM.indices.contains(slot) { uopSRAM[slot] = uop }
    }

    mutating func report(_ index: Int?, _ rule: VerificationRule, _ message: String) {
        findings.append(VerificationFinding(index: index, rule: rule, message: message))
    }

    private func name(_ index: Int) -> String { "#\(index) \(stream[index].mnemonic)" }

    // MARK: Inputs

    mutating func checkImages() {
        for image in verifier.uopImages {
            for (offset, uop) in image.uops.enumerated() {
                do {
                    _ = try codec.encode(uop: uop)
                } catch {
                    report(
                        nil, .fieldOverflow,
                        "micro-op image '\(image.name)' entry \(offset): \(error.description)")
                }
            }
        }
    }

    // MARK: Per instruction

    mutating func check(_ index: Int) {
        let instruction = stream[index]
        let module = instruction.module
        for (flag, flagName) in DependencyFlags.named where instruction.deps.contains(flag) {
            if module.queue(for: flag) == nil {
                let side = flag == .popPrev || flag == .pushPrev ? "previous" : "next"
                report(
                    index, .dependencyQueue,
                    "\(instruction.mnemonic) runs on the \(module) module, which has no \(side) module:"
                        + " \(flagName) must be 0")
            }
        }
        do {
            try codec.validate(instruction)
        } catch {
            report(index, .fieldOverflow, error.description)
            return  // Values too large to reason about; the other checks would only add noise.
        }
        switch instruction {
        case .load(let m): checkLoad(index, m)
        case .store(let m): checkStore(index, m)
        case .gemm(let g):
            checkLoop(index, g.loop, reset: g.reset, wgtFactors: (g.wgtFactorOut, g.wgtFactorIn), alu: nil)
        case .alu(let a):
            if !verifier.target.profile.supports(a.opcode) {
                report(
                    index, .profile,
                    "ALU \(a.opcode) exists only on the extended ISA profile; target '\(verifier.target.name)'"
                        + " is \(verifier.target.profile)")
            }
            let range = config.portableShiftRange
            if a.opcode == .shr, a.useImmediate, !range.contains(a.immediate) {
                report(
                    index, .shiftRange,
                    "SHR by \(a.immediate): the HLS design reads only the low \(config.logAccumulatorWidth) bits"
                        + " of the amount, so only \(range.lowerBound)...\(range.upperBound) is portable;"
                        + " split the shift")
            }
            if a.reset {
                report(
                    index, .aluReset,
                    "ALU with reset_reg = 1: the functional simulator ignores the bit; use GEMM reset to zero"
                )
            }
            checkLoop(index, a.loop, reset: false, wgtFactors: nil, alu: a)
        case .finish(let f):
            if f.deps.contains(.popPrev) || f.deps.contains(.popNext) {
                report(
                    index, .finishPops,
                    "FINISH pops \(f.deps): upstream does not support pops on FINISH; put them on a compute no-op"
                        + " (LOAD UOP with x=0) just before it")
            }
        }
    }

    private mutating func checkLoad(_ index: Int, _ m: MemoryInstruction) {
        let type = m.memoryType
        if type == .output {
            report(
                index, .memoryType,
                "LOAD of OUT does not exist: OUT is the memory type of STORE only")
            return
        }
        if !verifier.target.profile.supportsLoad(of: type) {
            report(
                index, .profile,
                "LOAD \(type) exists only on the extended ISA profile; target '\(verifier.target.name)'"
                    + " is \(verifier.target.profile)")
        }
        if (type == .weight || type == .uop) && m.hasPadding {
            report(
                index, .loadPadding,
                "LOAD \(type) with padding \(m.yPad0),\(m.yPad1),\(m.xPad0),\(m.xPad1):"
                    + " the HLS design pads only INP and ACC loads")
        }
        guard m.xSize > 0 else { return }  // A no-op that only moves tokens.
        let buffer = type.buffer
        let depth = config.depth(buffer)
        let end = m.sramBase + m.paddedElementCount
        let inRange = end <= depth
        if !inRange {
            report(
                index, .sramRange,
                "LOAD \(type) writes \(buffer)[\(m.sramBase)..<\(end)] ((\(m.yPad0)+\(m.ySize)+\(m.yPad1)) rows of"
                    + " (\(m.xPad0)+\(m.xSize)+\(m.xPad1)) elements), past the end of the \(depth)-element"
                    + " \(buffer) buffer")
        }
        checkDRAM(index, m)
        guard inRange else { return }
        tops[index] = [buffer: end]
        switch type {
        case .uop:
            replayUopLoad(index, m)
        case .input, .weight, .accumulator, .acc8Bit:
            accesses[index] = [SRAMAccess(buffer: buffer, isWrite: true, ranges: [m.sramBase..<end])]
        case .output:
            break
        }
    }

    private mutating func checkStore(_ index: Int, _ m: MemoryInstruction) {
        if m.hasPadding {
            report(
                index, .storePadding,
                "STORE with padding \(m.yPad0),\(m.yPad1),\(m.xPad0),\(m.xPad1): stores never pad")
        }
        // x_size = 0 is a token-only no-op; upstream's runtime emits those with memory type UOP.
        guard m.xSize > 0 else { return }
        if m.memoryType != .output {
            report(
                index, .memoryType,
                "STORE of \(m.memoryType): stores always read the OUT buffer (memory type OUT)")
            return
        }
        let depth = config.depth(.accumulator)
        let end = m.sramBase + m.ySize * m.xSize
        if end > depth {
            report(
                index, .sramRange,
                "STORE reads OUT[\(m.sramBase)..<\(end)] (\(m.ySize) rows of \(m.xSize)), past the end of the"
                    + " \(depth)-element output buffer")
        } else if end > m.sramBase {
            accesses[index] = [SRAMAccess(buffer: .accumulator, isWrite: false, ranges: [m.sramBase..<end])]
            tops[index] = [.accumulator: end]
        }
        checkDRAM(index, m)
    }

    /// Address-space and region checks for the rows of a transfer.
    private mutating func checkDRAM(_ index: Int, _ m: MemoryInstruction) {
        guard m.ySize > 0 else { return }
        let type = m.memoryType
        let size = config.dramElementBytes(type)
        let spanEnd = m.dramBase + (m.ySize - 1) * m.xStride + m.xSize
        let limit = 1 << HardwareConfig.dramAddressBits
        if spanEnd * size > limit {
            report(
                index, .dramOverflow,
                "the last row ends at byte 0x\(String(spanEnd * size, radix: 16)) (\(type) element \(spanEnd) of"
                    + " \(size) bytes), past the 32-bit physical address space")
            return
        }
        guard let given = verifier.dramRegions else { return }
        var allowed = given.filter { $0.memoryTypes.contains(type) }.map { ($0.name, $0.bytes) }
        if type == .uop {
            allowed += verifier.uopImages.map {
                ($0.name, ($0.dramBase * size)..<(($0.dramBase + $0.uops.count) * size))
            }
        }
        let span = (m.dramBase * size)..<(spanEnd * size)
        if allowed.contains(where: {
            $0.1.lowerBound <= span.lowerBound && span.upperBound <= $0.1.upperBound
        }) {
            return
        }
        for row in 0..<m.ySize {
            let first = m.dramBase + row * m.xStride
            let bytes = (first * size)..<((first + m.xSize) * size)
            if !allowed.contains(where: {
                $0.1.lowerBound <= bytes.lowerBound && bytes.upperBound <= $0.1.upperBound
            }) {
                let verb = stream[index].opcode == .store ? "writes" : "reads"
                let names = allowed.isEmpty ? "none" : allowed.map { "\($0.0)" }.joined(separator: ", ")
                report(
                    index, .dramRegion,
                    "row \(row) \(verb) DRAM bytes [0x\(String(bytes.lowerBound, radix: 16)),"
                        + " 0x\(String(bytes.upperBound, radix: 16))) (\(type) elements \(first)..<\(first + m.xSize)),"
                        + " outside every region allowed for \(type) (allowed: \(names))")
                return
            }
        }
    }

    /// Updates the micro-op SRAM model the way the simulator executes LOAD UOP.
    private mutating func replayUopLoad(_ index: Int, _ m: MemoryInstruction) {
        let rowLength = m.xPad0 + m.xSize + m.xPad1
        var slot = m.sramBase
        let zero = MicroOp(dst: 0, src: 0, wgt: 0)
        var missing: [Int] = []
        for _ in 0..<(m.yPad0 * rowLength) {
            uopSRAM[slot] = zero
            slot += 1
        }
        for row in 0..<m.ySize {
            for _ in 0..<m.xPad0 {
                uopSRAM[slot] = zero
                slot += 1
            }
            for column in 0..<m.xSize {
                let address = m.dramBase + row * m.xStride + column
                let uop = verifier.uopImages.lazy.compactMap { $0.uop(atElement: address) }.first
                if uop == nil { missing.append(address) }
                uopSRAM[slot] = uop
                slot += 1
            }
            for _ in 0..<m.xPad1 {
                uopSRAM[slot] = zero
                slot += 1
            }
        }
        for _ in 0..<(m.yPad1 * rowLength) {
            uopSRAM[slot] = zero
            slot += 1
        }
        if let first = missing.first {
            let images = verifier.uopImages.map {
                "\($0.name) [\($0.dramBase)..<\($0.dramBase + $0.uops.count)]"
            }
            report(
                index, .uopImage,
                "LOAD UOP reads \(missing.count) micro-op(s) at DRAM element(s) not covered by any micro-op image"
                    + " (first: element \(first); images: \(images.isEmpty ? "none given" : images.joined(separator: ", ")))"
            )
        }
    }

    /// Range, hazard and access analysis of a GEMM or ALU loop nest.
    private mutating func checkLoop(
        _ index: Int, _ loop: UopLoop, reset: Bool, wgtFactors: (Int, Int)?, alu: AluInstruction?
    ) {
        let uopDepth = config.depth(.uop)
        if loop.uopBegin > loop.uopEnd {
            report(index, .uopRange, "uop_bgn \(loop.uopBegin) is after uop_end \(loop.uopEnd)")
            return
        }
        if loop.uopEnd > uopDepth {
            report(
                index, .uopRange,
                "micro-ops \(loop.uopBegin)..<\(loop.uopEnd) run past the \(uopDepth)-entry micro-op buffer")
            return
        }
        if loop.executionCount == 0 {
            report(
                index, .emptyLoop,
                "the loops execute nothing (iter \(loop.iterOut)x\(loop.iterIn), micro-ops"
                    + " \(loop.uopBegin)..<\(loop.uopEnd))")
            return
        }
        let slots = Array(uopSRAM[loop.uopBegin..<loop.uopEnd])
        let undefined = slots.indices.filter { slots[$0] == nil }
        if let first = undefined.first {
            report(
                index, .uopUndefined,
                "micro-op slot \(loop.uopBegin + first) (and \(undefined.count - 1) more of"
                    + " \(loop.uopBegin)..<\(loop.uopEnd)) holds nothing a LOAD UOP put there")
            return
        }
        let analysis = UopLoopAnalysis(loop: loop, uops: slots.map { $0! })
        let uops = analysis.uops
        let dst = UopLoopAnalysis.Operand(
            name: "dst", buffer: .accumulator, bases: uops.map(\.dst), factorOut: loop.dstFactorOut,
            factorIn: loop.dstFactorIn)
        var operands = [dst]
        var src: UopLoopAnalysis.Operand?
        var wgt: UopLoopAnalysis.Operand?
        if alu != nil {
            // The source must be a valid index even when the immediate is used.
            src = .init(
                name: "src", buffer: .accumulator, bases: uops.map(\.src), factorOut: loop.srcFactorOut,
                factorIn: loop.srcFactorIn)
            operands.append(src!)
        } else if !reset, let (wgtOut, wgtIn) = wgtFactors {
            src = .init(
                name: "src", buffer: .input, bases: uops.map(\.src), factorOut: loop.srcFactorOut,
                factorIn: loop.srcFactorIn)
            wgt = .init(
                name: "wgt", buffer: .weight, bases: uops.map(\.wgt), factorOut: wgtOut, factorIn: wgtIn)
            operands += [src!, wgt!]
        }
        var inRange = true
        for operand in operands {
            let depth = config.depth(operand.buffer)
            if let (execution, reached) = analysis.firstOutOfRange(operand, depth: depth) {
                inRange = false
                report(
                    index, .sramRange,
                    "\(operand.name) index of \(execution) is \(reached), past the end of the \(depth)-element"
                        + " \(operand.buffer) buffer (base \(operand.bases[execution.uop - loop.uopBegin]),"
                        + " factors \(operand.factorOut),\(operand.factorIn))")
            }
        }
        guard inRange else { return }
        var top: [SRAMBuffer: Int] = [.uop: loop.uopEnd]
        for operand in operands {
            let reach = (loop.iterOut - 1) * operand.factorOut + (loop.iterIn - 1) * operand.factorIn
            top[operand.buffer] = max(top[operand.buffer] ?? 0, (operand.bases.max() ?? 0) + reach + 1)
        }
        tops[index] = top
        if !reset, let hazard = analysis.firstWriteHazard(dst) {
            report(
                index, .accumulatorHazard,
                "\(hazard.later) writes ACC[\(hazard.index)], which \(hazard.earlier) wrote"
                    + " \(hazard.distance == 1 ? "one execution" : "two executions") earlier: the pipeline does not"
                    + " forward accumulators (move reductions out of the micro-op kernel)")
        }
        if let alu, !alu.useImmediate, let src,
            let hazard = analysis.firstSourceHazard(dst: dst, src: src)
        {
            report(
                index, .aluSourceHazard,
                "\(hazard.later) reads ACC[\(hazard.index)] as source, which \(hazard.earlier) wrote"
                    + " \(hazard.distance == 1 ? "one execution" : "two executions") earlier")
        }
        var list = [
            SRAMAccess(
                buffer: .accumulator, isWrite: true,
                ranges: analysis.indexRanges(dst, depth: config.depth(.accumulator)))
        ]
        if alu == nil, let src, let wgt {
            list.append(
                SRAMAccess(
                    buffer: .input, isWrite: false,
                    ranges: analysis.indexRanges(src, depth: config.depth(.input))))
            list.append(
                SRAMAccess(
                    buffer: .weight, isWrite: false,
                    ranges: analysis.indexRanges(wgt, depth: config.depth(.weight))))
        }
        accesses[index] = list
    }

    // MARK: Tokens and FINISH

    mutating func checkTokens(_ simulation: TokenSimulation) {
        if !simulation.completed {
            let describe = simulation.stalls.map { stall in
                "\(stall.module) module stuck at \(name(stall.index)) ("
                    + stall.waits.map(\.description).joined(separator: "; ") + ")"
            }.joined(separator: "; ")
            let first = simulation.stalls.map(\.index).min()
            let full = simulation.stalls.filter {
                $0.waits.contains { if case .fullQueue = $0 { true } else { false } }
            }
            if let stuck = full.first {
                report(
                    stuck.index, .fifoDepth,
                    "\(name(stuck.index)) cannot push: the queue already holds the target's fifo_depth"
                        + " (\(verifier.target.fifoDepth)) tokens and its consumer never drains it; \(describe)"
                )
            } else {
                report(first, .deadlock, "no module can proceed: \(describe)")
            }
            return
        }
        for queue in TokenQueue.allCases {
            let left = simulation.remainingTokens[queue] ?? 0
            if left > 0 {
                report(
                    nil, .leftoverTokens,
                    "\(left) token(s) left in \(queue) (\(queue.producer) -> \(queue.consumer)): pushes without"
                        + " matching pops; the next stream would start with them")
            }
        }
    }

    mutating func checkFinish(_ simulation: TokenSimulation) {
        let finishes = stream.indices.filter { stream[$0].opcode == .finish }
        guard let last = finishes.last else {
            report(nil, .finishMissing, "the stream has no FINISH: the host would wait forever")
            return
        }
        for index in finishes where index != stream.count - 1 {
            report(
                index, .finishNotLast,
                "FINISH is followed by \(stream.count - 1 - index) instruction(s): the host stops waiting at"
                    + " the first FINISH, so what follows may still be running")
        }
        guard simulation.clocks[last] != nil else { return }  // The deadlock is already reported.
        for module in [ExecutionModule.load, .store] {
            let unordered = stream.indices.filter {
                stream[$0].module == module && simulation.clocks[$0] != nil
                    && !simulation.happensBefore($0, last)
            }
            if let first = unordered.first {
                let fix =
                    module == .load
                    ? "push_next on the last load and pop_prev on a compute instruction before FINISH"
                    : "push_prev on the last store and pop_next on a compute instruction before FINISH"
                report(
                    first, .finishUnordered,
                    "\(name(first)) on the \(module) module may still run when FINISH #\(last) executes"
                        + " (\(unordered.count) \(module) instruction(s) unordered): no token chain leads from it to"
                        + " FINISH; add \(fix)")
            }
        }
    }

    // MARK: Races

    /// Walks the simulated schedule tracking, per SRAM element, the last writer and the last
    /// reader of each module (vector-clock race detection): an access races with an earlier
    /// one from another module unless the earlier happens-before it.
    mutating func checkRaces(_ simulation: TokenSimulation) {
        // Flat tables: [buffer][element] and [buffer * 3 + module][element], -1 for none.
        let buffers: [SRAMBuffer] = [.input, .weight, .accumulator]
        let modules = ExecutionModule.allCases
        var lastWrite = buffers.map { [Int](repeating: -1, count: config.depth($0)) }
        var lastRead = buffers.flatMap { buffer in
            modules.map { _ in [Int](repeating: -1, count: config.depth(buffer)) }
        }
        struct RaceKey: Hashable {
            let earlier: Int
            let later: Int
            let buffer: SRAMBuffer
        }
        var races: [RaceKey: (first: Int, count: Int)] = [:]
        var raceOrder: [RaceKey] = []
        func note(_ earlier: Int, _ later: Int, _ buffer: SRAMBuffer, _ element: Int) {
            let key = RaceKey(earlier: earlier, later: later, buffer: buffer)
            if let existing = races[key] {
                races[key] = (existing.first, existing.count + 1)
            } else {
                races[key] = (element, 1)
                raceOrder.append(key)
            }
        }
        for b in simulation.schedule {
            guard let list = accesses[b] else { continue }
            let module = simulation.modules[b]
            let m = modules.firstIndex(of: module)!
            let isStore = stream[b].opcode == .store
            var unwritten = 0
            var fromLoad: (element: Int, writer: Int, count: Int)?
            // Reads before writes: an instruction reads its operands before it writes results.
            for access in list.filter({ !$0.isWrite }) + list.filter(\.isWrite) {
                let buffer = access.buffer
                let k = buffers.firstIndex(of: buffer)!
                for range in access.ranges {
                    for e in range {
                        let w = lastWrite[k][e]
                        if w >= 0, simulation.modules[w] != module, !simulation.happensBefore(w, b) {
                            note(w, b, buffer, e)
                        }
                        if access.isWrite {
                            for other in modules.indices where other != m {
                                let r = lastRead[k * 3 + other][e]
                                if r >= 0, !simulation.happensBefore(r, b) { note(r, b, buffer, e) }
                                lastRead[k * 3 + other][e] = -1
                            }
                            lastWrite[k][e] = b
                        } else {
                            lastRead[k * 3 + m][e] = b
                            if isStore {
                                if w < 0 {
                                    unwritten += 1
                                } else if stream[w].opcode == .load {
                                    fromLoad =
                                        fromLoad.map { ($0.element, $0.writer, $0.count + 1) } ?? (e, w, 1)
                                }
                            }
                        }
                    }
                }
            }
            if let fromLoad {
                report(
                    b, .storeNotComputed,
                    "STORE reads \(fromLoad.count) accumulator(s) whose last write is \(name(fromLoad.writer))"
                        + " (first: ACC[\(fromLoad.element)]): hardware stores from the output buffer, which only"
                        + " GEMM and ALU write; pass the values through an ALU op")
            }
            if unwritten > 0 {
                report(
                    b, .storeUnwritten,
                    "STORE reads \(unwritten) output element(s) no instruction of this stream wrote")
            }
        }
        for key in raceOrder {
            let (first, count) = races[key]!
            let earlierWrites =
                accesses[key.earlier]?.contains { $0.isWrite && $0.buffer == key.buffer } ?? false
            let laterWrites = accesses[key.later]?.contains { $0.isWrite && $0.buffer == key.buffer } ?? false
            let detail =
                earlierWrites && !laterWrites
                ? "\(name(key.later)) reads what \(name(key.earlier)) writes"
                : (laterWrites && !earlierWrites
                    ? "\(name(key.later)) overwrites what \(name(key.earlier)) reads"
                    : "\(name(key.later)) and \(name(key.earlier)) both write")
            report(
                key.later, .race,
                "\(detail) in \(key.buffer) (\(count) element(s), first \(key.buffer)[\(first)]) with no token"
                    + " ordering them (\(simulation.modules[key.earlier]) vs \(simulation.modules[key.later]) module)"
            )
        }
    }
}
