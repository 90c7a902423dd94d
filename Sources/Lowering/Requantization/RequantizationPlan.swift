import TFLiteArithmetic
import VTATarget

/// Exact requantization of int32 accumulator tiles on VTA, planned once per layer.
///
/// The plan reduces TFLite's rule (double rounding or FULLY_CONNECTED's float rounding, plus
/// zero point and clamp) to one affine rule per channel,
/// `y = floor((x·M + C + [x < 0]·D) / 2^N)` on the clamped accumulator `x`, proven equal to
/// the reference on the whole compile-time range (see `ChannelReference`), and picks the
/// cheapest program that evaluates it exactly on the target: `mul-limbs` with ALU MUL on the
/// extended profile, `gemm-digits` with GEMM and STORE/LOAD digit round trips on the stock
/// profile. Every program is checked by interval analysis (no int32 overflow in any
/// operation, so the hardware's wrap-around arithmetic equals integer arithmetic) and by
/// exact emulation at the reference's thresholds. `init` throws when no exact program exists;
/// the layer then stays on the CPU.
///
/// Memory the caller provides:
/// - ACC: one area of `accumulatorWords(forTileVectors:)` entries at `accBase`: the
///   constants (`constantAccumulatorWords`, loaded by `emitSetup`, kept across tiles) followed
///   by the temporaries. Pass the same `accBase` to `emitSetup` and `emit`.
/// - WGT (stock): `weightTiles()` entries at `wgtBase`, loaded by `emitSetup`, kept.
/// - INP (stock): `inputEntries(forTileVectors:)` entries (two halves used alternately),
///   overwritten per tile.
/// - micro-ops: `microOpSlots` slots at `uopBase`, overwritten per tile.
/// - DRAM: `constants` in the constants region (alignment below); `scratchBytes(forTileVectors:)`
///   bytes in the scratch region (stock), overwritten per tile.
///
/// Tiles larger than `maximumChunkVectors` run in chunks that share the temporaries.
public struct RequantizationPlan: Sendable {
    public let spec: RequantizationSpec
    public let target: Target
    /// The chosen program, e.g. `gemm-digits 3x4 +sign digit` or `mul-limbs 1x2 (15-bit limbs)`.
    public let route: String
    /// The right shift N of the affine rule per channel.
    public let shifts: [Int]
    /// Bytes to place in the constants region: `constantAccumulatorWords` ACC vectors (channel
    /// block b of constant k at ACC element k·blocks + b), zero-padded to a whole WGT element,
    /// then `weightTiles()` diagonal WGT tiles (digit tile t of block b at t·blocks + b). Place
    /// it at an offset that is a multiple of the WGT element size (of the ACC element size if
    /// there are no weight tiles).
    public let constants: [UInt8]
    /// Where the areas the `TileRequantizer` entry points do not name live.
    public var placement = RequantizationPlacement(constantsOffset: 0)
    /// Vectors processed at once; the temporaries, INP entries and scratch scale with it.
    public var maximumChunkVectors = 64

    let program: RQProgram
    let blocks: Int

    public init(spec: RequantizationSpec, target: Target) throws(RequantizationError) {
        try self.init(spec: spec, target: target, productSums: ProductSum.all)
    }

    /// The planner restricted to some ways of summing the stock route's digit products (tests
    /// use it to run each on its own).
    init(spec: RequantizationSpec, target: Target, productSums: [ProductSum]) throws(RequantizationError) {
        let config = target.config
        guard config.batch == 1 else {
            throw .unsupportedTarget(
                "BATCH \(config.batch): accumulator vectors must hold one row of channels")
        }
        let stock = target.profile == .stock
        if stock {
            guard config.blockIn == config.blockOut else {
                throw .unsupportedTarget(
                    "the digit round trip needs BLOCK_IN = BLOCK_OUT (\(config.blockIn) ≠ \(config.blockOut))"
                )
            }
        }
        let references = try spec.channelReferences()
        blocks = (spec.channels + config.blockOut - 1) / config.blockOut
        let lanes = blocks * config.blockOut
        let solutions = AffineSearch.solutions(references)
        guard !solutions.isEmpty else {
            throw .notExact(
                "no affine rule floor((x·M + C + [x<0]·D) / 2^N) with M < 2^62 matches every channel on its accumulator range"
            )
        }
        var best: (route: BuiltRoute, cycles: Int)? = nil
        var overflowed = 0
        var example: String? = nil
        let inputs = solutions.flatMap { solution in
            [false, true].compactMap { unclamped -> RouteInput? in
                guard !unclamped || solution.clamp.low || solution.clamp.high else { return nil }
                return RouteInput(
                    references: references, solution: solution, lanes: lanes, unclamped: unclamped)
            }
        }
        for input in inputs {
            // Each route also tries the shift rounded up to its radix (no final shift).
            var candidates: [BuiltRoute] = []
            if stock {
                let bits = GemmDigitsRoute.digitBits
                for d in Set([0, (bits - input.shift % bits) % bits]) {
                    guard let scaled = input.scaled(by: d) else { continue }
                    for mode in [SignMode.none, .topDigit, .copy] {
                        for sum in productSums {
                            if let r = GemmDigitsRoute.build(scaled, sign: mode, sum: sum) {
                                candidates.append(r)
                            }
                        }
                    }
                }
            } else {
                // One limb of x while |x|·2^L stays below 2^31, else 12- to 15-bit limbs.
                let xBits = input.lanes.map { l in
                    64 - max(abs(l.clampLow), abs(l.clampHigh)).leadingZeroBitCount
                }
                .max()!
                for nA in 1...3 {
                    for bits in nA == 1 ? 8...max(8, 31 - xBits) : 12...15 {
                        for d in Set([0, (bits - input.shift % bits) % bits]) {
                            guard let scaled = input.scaled(by: d) else { continue }
                            if let r = MulLimbsRoute.build(scaled, limbBits: bits, accumulatorLimbs: nA) {
                                candidates.append(r)
                            }
                        }
                    }
                }
            }
            for candidate in candidates {
                let cycles = Self.estimatedCycles(candidate.program, target: target, blocks: blocks)
                if let best, best.cycles <= cycles { continue }
                var failure: RQOverflow? = nil
                for lane in input.lanes.indices {
                    if case .failure(let f) = candidate.program.bounds(
                        lane: lane, input: input.lanes[lane].range)
                    {
                        failure = f
                        break
                    }
                }
                if let failure {
                    overflowed += 1
                    if example == nil {
                        example =
                            "\(candidate.name): \(candidate.program.describe(failure.op)) on channel \(failure.lane) may reach \(failure.range)"
                    }
                    continue
                }
                best = (candidate, cycles)
            }
        }
        guard let chosen = best?.route else {
            throw .notExact(
                "every candidate program (\(overflowed)) may overflow int32 for these accumulator ranges on the \(target.profile) profile, e.g. \(example ?? "?")"
            )
        }
        program = chosen.program
        route = chosen.name
        shifts = chosen.shifts
        self.spec = spec
        self.target = target
        constants = Self.constantBytes(program, config: config, blocks: blocks)
        try verify(references)
    }

    /// The exact emulation agrees with the reference at every constraint point of every
    /// channel (with monotonicity and the interval proof, everywhere).
    private func verify(_ references: [ChannelReference]) throws(RequantizationError) {
        for (c, r) in references.enumerated() {
            for p in r.points + [r.lower, r.upper] {
                // The whole int32, not only its low 8 bits: the monotonicity argument needs the
                // rule itself to equal the reference at the constraint points.
                let got = program.emulate(Int32(p), lane: c)
                let expected = spec.reference(Int32(p), channel: c)
                guard got == expected else {
                    throw .notExact(
                        "internal check failed: channel \(c), accumulator \(p): program \(got), reference \(expected)"
                    )
                }
            }
        }
    }

    // MARK: - Sizes

    /// ACC vectors of per-channel constants (at the start of the ACC area).
    public var constantAccumulatorWords: Int { program.constants.count * blocks }

    /// Vectors of one chunk of a tile of `n` vectors (contiguous tiles).
    func chunkVectors(_ n: Int) -> Int { min(n, maximumChunkVectors) }

    /// ACC temporaries for a contiguous tile of `n` vectors (after the constants).
    public func temporaryAccumulatorWords(forTileVectors n: Int) -> Int {
        program.tempCount * chunkVectors(n)
    }

    /// ACC entries needed beyond the tile: constants and temporaries.
    public func accumulatorWords(forTileVectors n: Int) -> Int {
        constantAccumulatorWords + temporaryAccumulatorWords(forTileVectors: n)
    }

    /// ACC entries needed beyond a tile of any shape (temporaries mirror a chunk's footprint).
    public func accumulatorWords(for tile: AccumulatorTile) -> Int {
        constantAccumulatorWords + program.tempCount * chunks(of: tile, firstBlock: 0).map(\.span).max()!
    }

    /// WGT entries of diagonal digit tiles (stock).
    public func weightTiles() -> Int { program.weightTiles.count * blocks }

    /// INP entries for the digits (stock): two halves of `maximumChunkVectors` vectors' digits,
    /// used alternately.
    public func inputEntries(forTileVectors n: Int) -> Int { 2 * program.digitCount * maximumChunkVectors }

    /// DRAM scratch bytes for the digit round trip of one chunk (stock).
    public func scratchBytes(forTileVectors n: Int) -> Int {
        (isPipelined ? 2 : 1) * program.digitCount * chunkVectors(n) * target.config.dramElementBytes(.output)
    }

    /// Micro-op slots the chunks' kernels occupy (three at once when pipelined).
    public var microOpSlots: Int { (isPipelined ? 3 : 1) * program.microOpCount }

    // MARK: - Emission

    /// Once per layer: loads the constants (LOAD ACC, and LOAD WGT on the stock route) from the
    /// constants region at `constantsOffset`.
    public func emitSetup(
        into b: inout StreamBuilder, constantsOffset: Int, accBase: Int, wgtBase: Int, uopBase: Int
    ) {
        let config = b.config
        let accVectors = constantAccumulatorWords
        if accVectors > 0 {
            b.load(
                .accumulator, sram: accBase, region: .constants, byteOffset: constantsOffset, rows: 1,
                columns: accVectors, stride: accVectors)
        }
        let tiles = weightTiles()
        if tiles > 0 {
            b.load(
                .weight, sram: wgtBase, region: .constants,
                byteOffset: constantsOffset
                    + Self.accumulatorPartBytes(program, config: config, blocks: blocks),
                rows: 1, columns: tiles, stride: tiles)
        }
    }

    /// Per tile: OUT holds the int8 results at the tile's indices afterwards. `accBase` is the
    /// ACC area given to `emitSetup` (constants, then temporaries); `firstBlock` is the
    /// channel block of the tile's block 0.
    public func emit(
        into b: inout StreamBuilder, tile: AccumulatorTile, firstBlock: Int = 0, temporaries accBase: Int,
        scratchOffset: Int, uopBase: Int, inputBase: Int, wgtBase: Int
    ) {
        emit(
            into: &b, chunks: chunks(of: tile, firstBlock: firstBlock), temporaries: accBase,
            scratchOffset: scratchOffset, uopBase: uopBase, inputBase: inputBase, wgtBase: wgtBase)
    }

    /// `emit` for chunks of one or more tiles, pipelined across all of them.
    func emit(
        into b: inout StreamBuilder, chunks parts: [(tile: AccumulatorTile, firstBlock: Int, span: Int)],
        temporaries accBase: Int, scratchOffset: Int, uopBase: Int, inputBase: Int, wgtBase: Int
    ) {
        let span = parts.map(\.span).max()!
        let half = program.digitCount * maximumChunkVectors
        let firstHalf = Self.inputHalf(b, base: inputBase, half: half)
        let layouts = parts.indices.map { k in
            RQLayout(
                tile: parts[k].tile, firstBlock: parts[k].firstBlock, totalBlocks: blocks,
                constantBase: accBase,
                tempBase: accBase + constantAccumulatorWords, tempSpan: span, weightBase: wgtBase,
                inputBase: inputBase + (firstHalf + k) % 2 * half,
                scratchOffset: scratchOffset
                    + (isPipelined ? k % 2 * half * b.config.dramElementBytes(.output) : 0),
                uopBase: uopBase + (isPipelined ? k % 3 * program.microOpCount : 0))
        }
        guard isPipelined, let split = program.roundTripIndex else {
            for layout in layouts { program.emit(into: &b, layout: layout) }
            return
        }
        // Software pipeline over the chunks: the digits of chunk k + 2 are prepared and stored,
        // and those of chunk k + 1 loaded, before chunk k finishes, so the round trips overlap
        // the compute module's work instead of stalling it. Within the preparation, the ALU op
        // after a digit STORE rewrites the tile that STORE reads and must wait for it: a part
        // of another chunk's work goes in between (chunk 1's preparation in the prologue,
        // chunk k's finish later), so the compute module keeps busy while the STORE drains.
        let prepare = Self.parts(of: 0..<split, endingAfter: program.digitStoreIndices)
        let load = split..<(split + 1)
        let finish = Self.parts(of: (split + 1)..<program.ops.count, count: prepare.count)
        for part in prepare {
            program.emit(into: &b, layout: layouts[0], phase: part)
            if layouts.count > 1 { program.emit(into: &b, layout: layouts[1], phase: part) }
        }
        program.emit(into: &b, layout: layouts[0], phase: load)
        for k in layouts.indices {
            for (i, (part, rest)) in zip(prepare, finish).enumerated() {
                if k + 2 < layouts.count { program.emit(into: &b, layout: layouts[k + 2], phase: part) }
                program.emit(into: &b, layout: layouts[k], phase: rest)
                // Chunk k + 1's digits come in once some of chunk k is done: the compute module
                // relays the token from their last STORE (there is no store-to-load queue), and
                // by now that STORE has long finished, so the relay does not wait.
                if i == 0, k + 1 < layouts.count {
                    program.emit(into: &b, layout: layouts[k + 1], phase: load)
                }
            }
        }
    }

    /// `range` cut after each of `cuts` inside it (the last part takes what follows the last cut).
    static func parts(of range: Range<Int>, endingAfter cuts: [Int]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = range.lowerBound
        for cut in cuts where range.contains(cut) && cut + 1 < range.upperBound {
            result.append(start..<(cut + 1))
            start = cut + 1
        }
        result.append(start..<range.upperBound)
        return result
    }

    /// `range` in `count` consecutive parts of nearly equal length (some empty if it is short).
    static func parts(of range: Range<Int>, count: Int) -> [Range<Int>] {
        (0..<count).map { i in
            (range.lowerBound + range.count * i / count)..<(range.lowerBound + range.count * (i + 1) / count)
        }
    }

    /// Whether chunks run as a software pipeline (stock route whose digit preparation touches
    /// only the tile): then three kernels and two scratch areas are in use at once.
    var isPipelined: Bool { program.preparesOnTileOnly }

    /// Which half of the double-buffered INP area the next digits go to: the one the latest
    /// instruction touching the area did not use. Then the GEMM that last read the chosen half
    /// is older than the previous digit LOAD, whose token already orders it: the LOAD's only
    /// compute dependency is the one through its STOREs (a consumer with two producers on one
    /// queue would pop one token for two pushes).
    static func inputHalf(_ b: StreamBuilder, base: Int, half: Int) -> Int {
        guard half > 0 else { return 0 }
        let first = base..<(base + half)
        let area = base..<(base + 2 * half)
        for accesses in b.accesses.reversed() {
            for a in accesses where a.space == .sram(.input) && a.range.overlaps(area) {
                return a.range.overlaps(first) ? 1 : 0
            }
        }
        return 0
    }

    /// `emit` with the weight tiles at `placement.weightBase` and the tile's first block 0.
    public func emit(
        into b: inout StreamBuilder, tile: AccumulatorTile, temporaries accBase: Int, scratchOffset: Int,
        uopBase: Int, inputBase: Int
    ) {
        emit(
            into: &b, tile: tile, firstBlock: 0, temporaries: accBase, scratchOffset: scratchOffset,
            uopBase: uopBase, inputBase: inputBase, wgtBase: placement.weightBase)
    }

    /// The tile in chunks of at most `maximumChunkVectors` vectors (rows first, blocks if a
    /// row alone is larger).
    func chunks(
        of tile: AccumulatorTile, firstBlock: Int
    ) -> [(
        tile: AccumulatorTile, firstBlock: Int, span: Int
    )] {
        let blocksPerChunk = max(1, min(tile.blocks, maximumChunkVectors))
        let rowsPerChunk = max(1, maximumChunkVectors / blocksPerChunk)
        var result: [(AccumulatorTile, Int, Int)] = []
        var r = 0
        while r < tile.rows {
            let rows = min(rowsPerChunk, tile.rows - r)
            var c = 0
            while c < tile.blocks {
                let width = min(blocksPerChunk, tile.blocks - c)
                let sub = AccumulatorTile(
                    base: tile.base + r * tile.rowStride + c, rows: rows, blocks: width,
                    rowStride: tile.rowStride)
                result.append((sub, firstBlock + c, (rows - 1) * tile.rowStride + width))
                c += width
            }
            r += rows
        }
        return result
    }

    // MARK: - Cost

    /// What one tile of `tileVectors` vectors (one channel block, contiguous) costs.
    public func cost(tileVectors: Int) -> RequantizationCost {
        var b = StreamBuilder(config: target.config)
        emit(
            into: &b, tile: AccumulatorTile(base: 0, rows: tileVectors, blocks: 1, rowStride: 1),
            firstBlock: 0,
            temporaries: tileVectors, scratchOffset: 0, uopBase: 0, inputBase: 0, wgtBase: 0)
        return Self.count(b.instructions, tileVectors: tileVectors, target: target)
    }

    static func count(_ instructions: [Instruction], tileVectors: Int, target: Target) -> RequantizationCost {
        var cost = RequantizationCost(tileVectors: tileVectors)
        let config = target.config
        for instruction in instructions {
            let cycles = target.cycleModel.cycles(
                for: instruction, config: config, busWidthBits: target.busWidthBits)
            switch instruction {
            case .alu(let a):
                cost.aluInstructions += 1
                cost.aluUopExecutions += a.loop.executionCount
                if !a.useImmediate { cost.aluTensorUopExecutions += a.loop.executionCount }
                cost.computeCycles += cycles
            case .gemm(let g):
                cost.gemmInstructions += 1
                if g.reset {
                    cost.gemmResetUopExecutions += g.loop.executionCount
                } else {
                    cost.gemmUopExecutions += g.loop.executionCount
                }
                cost.computeCycles += cycles
            case .store(let m):
                cost.storeInstructions += 1
                cost.dmaBytes += m.dramBytes(config)
            case .load(let m):
                cost.loadInstructions += 1
                cost.dmaBytes += m.dramBytes(config)
                if instruction.module == .compute { cost.computeCycles += cycles }
            case .finish:
                break
            }
        }
        return cost
    }

    /// Serial cycles of one contiguous 16-vector tile by the target's cycle model (the ranking
    /// score), counted from the program without emitting it.
    static func estimatedCycles(_ program: RQProgram, target: Target, blocks: Int) -> Int {
        let model = target.cycleModel
        let n = 64
        let busBytes = max(1, target.busWidthBits / 8)
        let vectorBytes = target.config.dramElementBytes(.output)
        func transfer(_ bytes: Int) -> Int {
            model.instructionOverheadCycles + model.dmaLatencyCycles + (bytes + busBytes - 1) / busBytes
        }
        var cycles = transfer(program.microOpCount * HardwareConfig.uopBytes)
        for op in program.ops {
            switch op {
            case .alu(_, _, let operand):
                let perUop: Int =
                    if case .immediate = operand { model.aluImmediateCyclesPerUop } else {
                        model.aluTensorCyclesPerUop
                    }
                cycles += model.instructionOverheadCycles + n * perUop
            case .reset(let slots):
                let runs = RQProgram.tempRuns(slots).count + (slots.contains(.tile) ? 1 : 0)
                cycles += runs * model.instructionOverheadCycles + slots.count * n * model.gemmCyclesPerUop
            case .products(let products):
                let groups =
                    RQProgram.sameSlotRuns(products)?.count ?? RQProgram.hazardFreeGroups(products).count
                cycles +=
                    groups * model.instructionOverheadCycles + products.count * n * model.gemmCyclesPerUop
            case .storeDigit:
                cycles += transfer(n * vectorBytes)
            case .loadDigits(let count):
                cycles += transfer(count * n * vectorBytes)
            case .refine:
                break
            }
        }
        return cycles
    }

    // MARK: - Constants

    static func accumulatorPartBytes(_ program: RQProgram, config: HardwareConfig, blocks: Int) -> Int {
        let bytes = program.constants.count * blocks * config.dramElementBytes(.accumulator)
        guard !program.weightTiles.isEmpty else { return bytes }
        let unit = config.dramElementBytes(.weight)
        return (bytes + unit - 1) / unit * unit
    }

    static func constantBytes(_ program: RQProgram, config: HardwareConfig, blocks: Int) -> [UInt8] {
        let block = config.blockOut
        var bytes: [UInt8] = []
        for vector in program.constants {
            for lane in 0..<(blocks * block) {
                let v = UInt32(bitPattern: vector[lane])
                for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * k))) }
            }
        }
        let accPart = accumulatorPartBytes(program, config: config, blocks: blocks)
        bytes += [UInt8](repeating: 0, count: accPart - bytes.count)
        for tile in program.weightTiles {
            for b in 0..<blocks {
                var t = [UInt8](repeating: 0, count: block * config.blockIn)
                for o in 0..<block { t[o * config.blockIn + o] = UInt8(bitPattern: tile[b * block + o]) }
                bytes += t
            }
        }
        return bytes
    }
}

extension RequantizationPlan: TileRequantizer {
    /// `TileRequantizer` entry point: constants from `placement.constantsOffset`, ACC area at
    /// `resources.accumulatorBase`, WGT tiles at `placement.weightBase`.
    public func emitSetup(into builder: inout StreamBuilder, resources: RequantResources) {
        emitSetup(
            into: &builder, constantsOffset: placement.constantsOffset, accBase: resources.accumulatorBase,
            wgtBase: placement.weightBase, uopBase: resources.microOpBase)
    }

    /// `TileRequantizer` entry point: the chunks of all `tiles` as one software pipeline.
    public func emit(
        into builder: inout StreamBuilder, tiles: [(tile: AccumulatorTile, firstBlock: Int)],
        resources: RequantResources
    ) {
        let parts = tiles.flatMap { chunks(of: $0.tile, firstBlock: $0.firstBlock) }
        guard !parts.isEmpty else { return }
        emit(
            into: &builder, chunks: parts, temporaries: resources.accumulatorBase,
            scratchOffset: placement.scratchOffset, uopBase: resources.microOpBase,
            inputBase: placement.inputBase, wgtBase: placement.weightBase)
    }

    /// `TileRequantizer` entry point: temporaries after the constants at
    /// `resources.accumulatorBase`, micro-ops at `resources.microOpBase`, the stock route's
    /// digits at `placement.inputBase` / `placement.scratchOffset`.
    public func emit(
        into builder: inout StreamBuilder, tile: AccumulatorTile, firstBlock: Int, resources: RequantResources
    ) {
        emit(
            into: &builder, tile: tile, firstBlock: firstBlock, temporaries: resources.accumulatorBase,
            scratchOffset: placement.scratchOffset, uopBase: resources.microOpBase,
            inputBase: placement.inputBase,
            wgtBase: placement.weightBase)
    }
}

extension RequantizationPlan {
    /// The int8 the program leaves in OUT for `acc` on channel `channel`, by exact emulation of
    /// the hardware's arithmetic (what the tests compare with the simulator and the reference).
    public func emulate(_ acc: Int32, channel: Int) -> Int32 {
        Int32(Int8(truncatingIfNeeded: program.emulate(acc, lane: channel)))
    }
}

extension RequantizationPlan {
    /// The program in assembly-like form, one operation per line (for reports and debugging).
    public var listing: String { program.listing }
}
