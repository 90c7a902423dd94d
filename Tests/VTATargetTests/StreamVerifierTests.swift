import Testing
import VTATarget

/// A TVM-style double-buffered stream: `tiles` tiles of 16 inputs each, alternating between two
/// INP buffers and two ACC buffers, one weight tile loaded once, results clamped and stored.
struct DoubleBufferedStream {
    let tiles: Int
    let config: HardwareConfig
    var stream: [Instruction] = []

    static let uopBase = 0x100  // micro-op elements
    static let inputBase = 0x1000  // INP elements
    static let weightBase = 0x40  // WGT elements
    static let outputBase = 0x2000  // OUT elements

    /// Micro-op 0 serves buffer 0, micro-op 1 serves buffer 1.
    static let uops = [MicroOp(dst: 0, src: 0, wgt: 0), MicroOp(dst: 16, src: 16, wgt: 0)]

    init(tiles: Int, config: HardwareConfig = .tvmDefault) {
        self.tiles = tiles
        self.config = config
        func transfer(
            _ type: MemoryType, sram: Int, dram: Int, x: Int, deps: DependencyFlags = []
        ) -> MemoryInstruction {
            MemoryInstruction(
                memoryType: type, sramBase: sram, dramBase: dram, ySize: 1, xSize: x, xStride: x, deps: deps)
        }
        func loop(_ b: Int) -> UopLoop {
            UopLoop(uopBegin: b, uopEnd: b + 1, iterOut: 1, iterIn: 16, dstFactorIn: 1, srcFactorIn: 1)
        }
        stream.append(.load(transfer(.uop, sram: 0, dram: Self.uopBase, x: 2)))
        stream.append(.load(transfer(.weight, sram: 0, dram: Self.weightBase, x: 1)))
        for t in 0..<tiles {
            let b = t % 2
            var loadDeps: DependencyFlags = [.pushNext]
            if t >= 2 { loadDeps.insert(.popNext) }  // wait until GEMM t-2 is done with this buffer
            stream.append(
                .load(transfer(.input, sram: 16 * b, dram: Self.inputBase + 16 * t, x: 16, deps: loadDeps)))
            // Reset waits until STORE t-2 has drained this accumulator buffer.
            stream.append(.gemm(GemmInstruction(reset: true, loop: loop(b), deps: t >= 2 ? [.popNext] : [])))
            var gemmDeps: DependencyFlags = [.popPrev]
            if t + 2 < tiles { gemmDeps.insert(.pushPrev) }  // the load of tile t+2 may overwrite
            stream.append(.gemm(GemmInstruction(loop: loop(b), deps: gemmDeps)))
            stream.append(
                .alu(AluInstruction(opcode: .max, loop: loop(b), useImmediate: true, immediate: -128)))
            stream.append(
                .alu(
                    AluInstruction(
                        opcode: .min, loop: loop(b), useImmediate: true, immediate: 127, deps: [.pushNext])))
            var storeDeps: DependencyFlags = [.popPrev]
            if t + 2 < tiles || t == tiles - 1 { storeDeps.insert(.pushPrev) }
            stream.append(
                .store(
                    transfer(.output, sram: 16 * b, dram: Self.outputBase + 16 * t, x: 16, deps: storeDeps)))
        }
        // Upstream's epilogue: a compute no-op pops the last store's token, then FINISH.
        stream.append(.load(transfer(.uop, sram: 0, dram: 0, x: 0, deps: [.popNext])))
        stream.append(.finish(FinishInstruction()))
    }

    var uopImages: [UopImage] { [UopImage(name: "kernel", dramBase: Self.uopBase, uops: Self.uops)] }

    var regions: [DRAMRegion] {
        [
            DRAMRegion(
                name: "input", elements: Self.inputBase..<(Self.inputBase + 16 * tiles), of: .input,
                config: config),
            DRAMRegion(
                name: "weights", elements: Self.weightBase..<(Self.weightBase + 1), of: .weight,
                config: config),
            DRAMRegion(
                name: "output", elements: Self.outputBase..<(Self.outputBase + 16 * tiles), of: .output,
                config: config),
        ]
    }

    func verify(on target: Target, _ stream: [Instruction]? = nil) -> VerificationReport {
        StreamVerifier(target: target, uopImages: uopImages, dramRegions: regions).verify(
            stream ?? self.stream)
    }
}

@Suite("Stream verifier")
struct StreamVerifierTests {
    let alkali: Target
    let fsim: Target

    init() throws {
        alkali = try shippedTarget("alkali")
        fsim = try shippedTarget("fsim")
    }

    /// Rewrites instruction `index` of a stream.
    func edit(_ stream: [Instruction], _ index: Int, _ change: (inout Instruction) -> Void) -> [Instruction] {
        var copy = stream
        change(&copy[index])
        return copy
    }

    func rules(_ report: VerificationReport) -> Set<String> { Set(report.findings.map(\.rule.rawValue)) }

    // MARK: Accepted

    @Test(arguments: [1, 2, 3, 6])
    func acceptsDoubleBufferedStream(tiles: Int) {
        let program = DoubleBufferedStream(tiles: tiles)
        let report = program.verify(on: alkali)
        #expect(report.findings.isEmpty, "\(report)")
        #expect(report.isSafe)
        #expect(report.simulation?.completed == true)
        // The schedule really overlaps: the load of tile 1 runs before the store of tile 0.
        if tiles >= 2, let simulation = report.simulation {
            let loadTile1 = program.stream.firstIndex {
                if case .load(let m) = $0 {
                    m.memoryType == .input && m.dramBase == DoubleBufferedStream.inputBase + 16
                } else {
                    false
                }
            }!
            let storeTile0 = program.stream.firstIndex { $0.opcode == .store }!
            #expect(!simulation.happensBefore(storeTile0, loadTile1))
            #expect(!simulation.happensBefore(loadTile1, storeTile0))
        }
    }

    /// The SRAM footprint: loads and stores by their rows, GEMM/ALU by the micro-op slots they
    /// run and every index their loops reach (here 16 iterations from base 0 or 16).
    @Test func reportsTheSRAMFootprintOfEachInstruction() {
        let program = DoubleBufferedStream(tiles: 3)
        let tops = program.verify(on: alkali).sramTops
        #expect(tops[0] == [.uop: 2])
        #expect(tops[1] == [.weight: 1])
        for (index, instruction) in program.stream.enumerated() {
            // Buffer half b of the tile the instruction serves: its highest index is 16·b + 15.
            let end: Int
            switch instruction {
            case .load(let m) where m.memoryType == .input: end = m.sramBase + 16
            case .store(let m): end = m.sramBase + 16
            case .gemm(let g): end = g.loop.uopBegin * 16 + 16
            case .alu(let a): end = a.loop.uopBegin * 16 + 16
            default: continue
            }
            let expected: [SRAMBuffer: Int] =
                switch instruction {
                case .load: [.input: end]
                case .store: [.accumulator: end]
                case .gemm(let g) where g.reset: [.uop: g.loop.uopEnd, .accumulator: end]
                case .gemm(let g): [.uop: g.loop.uopEnd, .accumulator: end, .input: end, .weight: 1]
                case .alu(let a): [.uop: a.loop.uopEnd, .accumulator: end]
                default: [:]
                }
            #expect(tops[index] == expected, "#\(index) \(instruction.mnemonic)")
        }
        // The token-only no-op before FINISH addresses nothing.
        #expect(tops[program.stream.count - 2] == nil)
    }

    @Test func acceptsTheStreamInItsEncodedForm() throws {
        let program = DoubleBufferedStream(tiles: 4)
        let bytes = try alkali.codec.encode(stream: program.stream)
        let verifier = StreamVerifier(
            target: alkali, uopImages: program.uopImages, dramRegions: program.regions)
        #expect(verifier.verify(encoded: bytes).findings.isEmpty)
        var corrupt = bytes
        corrupt[16] = 7  // opcode 7
        let report = verifier.verify(encoded: corrupt)
        #expect(report.findings.map(\.rule) == [.decode] && report.findings[0].index == 1)
    }

    // MARK: Rejected

    @Test func rejectsDeadlock() {
        // Compute waits for the store, the store waits for compute.
        let stream: [Instruction] = [
            .gemm(GemmInstruction(reset: true, loop: UopLoop(uopBegin: 0, uopEnd: 1), deps: [.popNext])),
            .store(
                MemoryInstruction(
                    memoryType: .output, sramBase: 0, dramBase: 0, ySize: 1, xSize: 1, xStride: 1,
                    deps: [.popPrev, .pushPrev])),
            .finish(FinishInstruction()),
        ]
        let report = StreamVerifier(target: alkali, initialUops: [0: MicroOp(dst: 0)]).verify(stream)
        let deadlocks = report.findings(.deadlock)
        #expect(deadlocks.count == 1)
        #expect(deadlocks.first?.index == 0)
        #expect(
            deadlocks.first?.message.contains("compute module stuck at #0 GEMM (waits for a token on s2g")
                == true)
        #expect(
            deadlocks.first?.message.contains("store module stuck at #1 STORE OUT (waits for a token on g2s")
                == true)
        #expect(!report.isSafe)

        // In the double-buffered stream: the first INP load forgets its token.
        let program = DoubleBufferedStream(tiles: 3)
        let broken = edit(program.stream, 2) { $0.deps.remove(.pushNext) }
        #expect(program.verify(on: alkali, broken).has(.deadlock))
    }

    @Test func rejectsUnorderedFinish() {
        let program = DoubleBufferedStream(tiles: 3)
        // The last store no longer signals, and the epilogue no longer waits: FINISH may overtake it.
        let lastStore = program.stream.lastIndex { $0.opcode == .store }!
        var broken = edit(program.stream, lastStore) { $0.deps.remove(.pushPrev) }
        broken = edit(broken, broken.count - 2) { $0.deps.remove(.popNext) }
        let report = program.verify(on: alkali, broken)
        #expect(rules(report) == ["finish.unordered"], "\(report)")
        // The last two stores are unordered (the one before the last never signalled either).
        #expect(
            report.findings[0].index
                == program.stream.indices.filter { program.stream[$0].opcode == .store }[1])
        #expect(report.findings[0].message.contains("(2 store instruction(s) unordered)"))
        #expect(lastStore > report.findings[0].index!)
        // The same when the last INP load is not consumed before FINISH.
        let loadOnly: [Instruction] = [
            .load(
                MemoryInstruction(
                    memoryType: .input, sramBase: 0, dramBase: 0, ySize: 1, xSize: 1, xStride: 1)),
            .finish(FinishInstruction()),
        ]
        let r2 = StreamVerifier(target: alkali).verify(loadOnly)
        #expect(r2.findings(.finishUnordered).first?.index == 0)
    }

    @Test func rejectsAccumulatorHazard() {
        let program = DoubleBufferedStream(tiles: 2)
        // GEMM of tile 0 with dst factor 0: all 16 executions write ACC[0].
        let broken = edit(program.stream, 4) {
            guard case .gemm(var g) = $0 else { return }
            g.loop.dstFactorIn = 0
            $0 = .gemm(g)
        }
        let report = program.verify(on: alkali, broken)
        let hazards = report.findings(.accumulatorHazard)
        #expect(hazards.count == 1 && hazards[0].index == 4)
        #expect(
            hazards[0].message.hasPrefix(
                "uop 0 at i=0, j=1 writes ACC[0], which uop 0 at i=0, j=0 wrote one execution earlier"))
    }

    /// The hazard rule in detail: distance 1 and 2, within and across loop iterations.
    @Test func hazardDefinition() {
        func hazard(_ uops: [MicroOp], _ loop: UopLoop, reset: Bool = false) -> Bool {
            let initial = Dictionary(uniqueKeysWithValues: uops.enumerated().map { ($0.offset, $0.element) })
            let stream: [Instruction] = [
                .gemm(GemmInstruction(reset: reset, loop: loop)), .finish(FinishInstruction()),
            ]
            return StreamVerifier(target: alkali, initialUops: initial).verify(stream).has(.accumulatorHazard)
        }
        let a = MicroOp(dst: 0), b = MicroOp(dst: 1), c = MicroOp(dst: 2)
        #expect(hazard([a, a], UopLoop(uopBegin: 0, uopEnd: 2)))  // distance 1
        #expect(hazard([a, b, a], UopLoop(uopBegin: 0, uopEnd: 3)))  // distance 2
        #expect(!hazard([a, b, c, a], UopLoop(uopBegin: 0, uopEnd: 4)))  // distance 3 is fine
        #expect(!hazard([a, a], UopLoop(uopBegin: 0, uopEnd: 2), reset: true))  // resets do not accumulate
        // Across the inner loop: [0, 1] then [1, 2] with dst factor 1: ACC[1] twice in a row.
        #expect(hazard([a, b], UopLoop(uopBegin: 0, uopEnd: 2, iterIn: 2, dstFactorIn: 1)))
        #expect(!hazard([a, b], UopLoop(uopBegin: 0, uopEnd: 2, iterIn: 2, dstFactorIn: 2)))
        // Across the outer loop: inner loop of 3 steps by 1, outer step 2: j=2 writes 2, next i starts at 2.
        #expect(
            hazard(
                [a], UopLoop(uopBegin: 0, uopEnd: 1, iterOut: 2, iterIn: 3, dstFactorOut: 2, dstFactorIn: 1)))
        #expect(
            !hazard(
                [a], UopLoop(uopBegin: 0, uopEnd: 1, iterOut: 2, iterIn: 3, dstFactorOut: 3, dstFactorIn: 1)))
        // One uop, distance 2 over two boundaries: 0, 1, 0 (outer step 0 after inner 0, 1).
        #expect(
            hazard(
                [a], UopLoop(uopBegin: 0, uopEnd: 1, iterOut: 2, iterIn: 2, dstFactorOut: 0, dstFactorIn: 1)))
        // Large counts cost nothing: 16383 x 16383 executions, checked in closed form.
        #expect(hazard([a], UopLoop(uopBegin: 0, uopEnd: 1, iterOut: 16383, iterIn: 16383)))
    }

    @Test func rejectsOutOfRangeSRAM() {
        let program = DoubleBufferedStream(tiles: 2)
        // The first INP load at sram 2040: 2040 + 16 > 2048.
        let broken = edit(program.stream, 2) {
            guard case .load(var m) = $0 else { return }
            m.sramBase = 2040
            $0 = .load(m)
        }
        let report = program.verify(on: alkali, broken)
        let range = report.findings(.sramRange)
        #expect(range.count == 1 && range[0].index == 2)
        #expect(
            range[0].message.contains("INP[2040..<2056]")
                && range[0].message.contains("2048-element INP buffer"))

        // A GEMM whose loop walks off the input buffer: src 0 + 15 * 200.
        let gemm = edit(program.stream, 4) {
            guard case .gemm(var g) = $0 else { return }
            g.loop.srcFactorIn = 200
            $0 = .gemm(g)
        }
        let r2 = program.verify(on: alkali, gemm)
        #expect(
            r2.findings(.sramRange).first?.message.hasPrefix(
                "src index of uop 0 at i=0, j=11 is 2200, past the end of the 2048-element INP buffer")
                == true)
        // Padding counts: 1 row above and below, 1 column each side.
        let padded: [Instruction] = [
            .load(
                MemoryInstruction(
                    memoryType: .input, sramBase: 2048 - 18, dramBase: 0, ySize: 1, xSize: 16, xStride: 16,
                    yPad0: 0,
                    yPad1: 0, xPad0: 1, xPad1: 1, deps: [.pushNext])),
            .load(
                MemoryInstruction(
                    memoryType: .uop, sramBase: 0, dramBase: 0, ySize: 0, xSize: 0, xStride: 0,
                    deps: [.popPrev])),
            .finish(FinishInstruction()),
        ]
        #expect(StreamVerifier(target: alkali).verify(padded).findings.isEmpty)
        let overflow = edit(padded, 0) {
            guard case .load(var m) = $0 else { return }
            m.yPad1 = 1
            $0 = .load(m)
        }
        #expect(StreamVerifier(target: alkali).verify(overflow).has(.sramRange))
    }

    @Test func rejectsMulOnStockOnly() {
        let program = DoubleBufferedStream(tiles: 1)
        let mul = edit(program.stream, 5) {
            guard case .alu(var a) = $0 else { return }
            a.opcode = .mul
            $0 = .alu(a)
        }
        let stock = program.verify(on: alkali, mul)
        #expect(rules(stock) == ["isa.profile"])
        #expect(stock.findings[0].message.contains("ALU MUL exists only on the extended ISA profile"))
        #expect(program.verify(on: fsim, mul).findings.isEmpty)
        // ACC_8BIT loads likewise.
        let acc8: [Instruction] = [
            .load(
                MemoryInstruction(
                    memoryType: .acc8Bit, sramBase: 0, dramBase: 0, ySize: 1, xSize: 1, xStride: 1)),
            .finish(FinishInstruction()),
        ]
        #expect(rules(StreamVerifier(target: alkali).verify(acc8)) == ["isa.profile"])
        #expect(StreamVerifier(target: fsim).verify(acc8).findings.isEmpty)
    }

    @Test func rejectsRaceWhenDoubleBufferingLosesAToken() {
        let program = DoubleBufferedStream(tiles: 3)
        // The INP load of tile 2 overwrites buffer 0 without waiting for GEMM of tile 0.
        let loadTile2 = 2 + 2 * 6
        var broken = edit(program.stream, loadTile2) { $0.deps.remove(.popNext) }
        broken = edit(broken, 4) { $0.deps.remove(.pushPrev) }  // and keep the token counts balanced
        let report = program.verify(on: alkali, broken)
        #expect(rules(report) == ["race.sram"], "\(report)")
        #expect(report.findings[0].message.contains("INP"))
    }

    @Test func rejectsFifoOverflow() {
        func noop(_ type: MemoryType, _ deps: DependencyFlags) -> Instruction {
            .load(
                MemoryInstruction(
                    memoryType: type, sramBase: 0, dramBase: 0, ySize: 0, xSize: 0, xStride: 0, deps: deps))
        }
        // Load pushes twice before popping, compute pushes twice before popping.
        let stream = [
            noop(.input, [.pushNext]), noop(.input, [.pushNext]), noop(.uop, [.pushPrev]),
            noop(.uop, [.pushPrev]),
            noop(.uop, [.popPrev]), noop(.uop, [.popPrev]), noop(.input, [.popNext]),
            noop(.input, [.popNext, .pushNext]),
            noop(.uop, [.popPrev]), .finish(FinishInstruction()),
        ]
        #expect(StreamVerifier(target: alkali).verify(stream).findings.isEmpty)
        var tiny = alkali
        tiny.fifoDepth = 1
        let report = StreamVerifier(target: tiny).verify(stream)
        #expect(rules(report) == ["tokens.fifo-depth"], "\(report)")
    }

    @Test func otherRules() {
        let program = DoubleBufferedStream(tiles: 2)
        func check(_ stream: [Instruction], _ expected: Set<String>, target: Target? = nil) {
            let report = program.verify(on: target ?? alkali, stream)
            #expect(rules(report) == expected, "\(report)")
        }
        // pop_prev on the load module.
        check(edit(program.stream, 1) { $0.deps.insert(.popPrev) }, ["deps.no-queue"])
        // Padding a weight load.
        check(
            edit(program.stream, 1) {
                guard case .load(var m) = $0 else { return }
                m.xPad0 = 1
                $0 = .load(m)
            }, ["load.padding"])
        // SHR by 20.
        let shr = edit(program.stream, 5) {
            guard case .alu(var a) = $0 else { return }
            a.opcode = .shr
            a.immediate = 20
            $0 = .alu(a)
        }
        check(shr, ["alu.shift-range"])
        // Reading DRAM outside the input region.
        check(
            edit(program.stream, 2) {
                guard case .load(var m) = $0 else { return }
                m.dramBase += 0x800
                $0 = .load(m)
            }, ["dram.outside-region"])
        // Executing a micro-op slot nobody loaded.
        check(
            edit(program.stream, 4) {
                guard case .gemm(var g) = $0 else { return }
                g.loop.uopBegin = 5
                g.loop.uopEnd = 6
                $0 = .gemm(g)
            }, ["uop.undefined"])
        // Storing accumulators straight from a LOAD ACC.
        let stored = edit(program.stream, 6) {
            $0 = .load(
                MemoryInstruction(
                    memoryType: .accumulator, sramBase: 0, dramBase: 0x3000, ySize: 1, xSize: 16, xStride: 16,
                    deps: [.pushNext]))
        }
        let storeReport = StreamVerifier(target: alkali, uopImages: program.uopImages).verify(stored)
        #expect(rules(storeReport) == ["store.not-computed"], "\(storeReport)")
        // FINISH that pops, FINISH not last, no FINISH, leftover tokens.
        var finishPops = Array(program.stream.dropLast(2))
        finishPops.append(.finish(FinishInstruction(deps: [.popNext])))
        check(finishPops, ["finish.pops"])
        check(program.stream + [.finish(FinishInstruction())], ["finish.not-last"])
        check(Array(program.stream.dropLast()), ["finish.missing"])
        check(
            edit(program.stream, program.stream.count - 2) { $0.deps.insert(.pushPrev) }, ["tokens.leftover"])
        // A field that does not fit.
        check(
            edit(program.stream, 4) {
                guard case .gemm(var g) = $0 else { return }
                g.loop.iterOut = 1 << 14
                $0 = .gemm(g)
            }, ["encoding.field-overflow"])
        // An empty loop is only a warning.
        let empty = edit(program.stream, 5) {
            guard case .alu(var a) = $0 else { return }
            a.loop.iterIn = 0
            $0 = .alu(a)
        }
        let emptyReport = program.verify(on: alkali, empty)
        #expect(rules(emptyReport) == ["loop.empty"] && emptyReport.isSafe)
    }

    /// Upstream's token-only no-ops: x_size = 0, and a STORE no-op carries memory type UOP.
    @Test func acceptsNoOpTransfers() {
        let stream: [Instruction] = [
            .store(
                MemoryInstruction(
                    memoryType: .uop, sramBase: 0, dramBase: 0, ySize: 0, xSize: 0, xStride: 0,
                    deps: [.pushPrev])),
            .load(
                MemoryInstruction(
                    memoryType: .input, sramBase: 0, dramBase: 0, ySize: 0, xSize: 0, xStride: 0,
                    deps: [.pushNext])),
            .load(
                MemoryInstruction(
                    memoryType: .uop, sramBase: 0, dramBase: 0, ySize: 0, xSize: 0, xStride: 0,
                    deps: [.popPrev, .popNext])),
            .finish(FinishInstruction()),
        ]
        #expect(StreamVerifier(target: alkali, dramRegions: []).verify(stream).findings.isEmpty)
    }

    @Test func reportReadsWell() {
        let program = DoubleBufferedStream(tiles: 1)
        let broken = edit(program.stream, 1) { $0.deps.insert(.popPrev) }
        let report = program.verify(on: alkali, broken)
        #expect(
            report.description
                == """
                1 error(s), 0 warning(s)
                #1: error [deps.no-queue] LOAD WGT runs on the load module, which has no previous module: pop_prev must be 0
                """)
        #expect(VerificationRule.allCases.count == Set(VerificationRule.allCases.map(\.rawValue)).count)
    }
}
