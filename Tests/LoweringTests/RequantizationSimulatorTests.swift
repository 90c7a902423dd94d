import TFLiteArithmetic
import Testing
import VTATarget

@testable import Lowering

/// Requantization programs run on the reference simulator: random per-channel rules,
/// accumulators at every output step (rounding boundaries and ties), the range's extremes and
/// random values, loaded with LOAD ACC, requantized, stored, compared with TFLiteArithmetic's
/// reference. Under the simulator's eager schedule (which breaks any missing dependency) and
/// poisoned SRAM (which catches reads of anything not written), and accepted by the verifier.
@Suite struct RequantizationSimulatorTests {
    /// How the tiles are laid out in ACC SRAM.
    enum Layout: CaseIterable {
        /// rows × all channel blocks, contiguous.
        case dense
        /// A gap after every row (rowStride = blocks + 1), chunked into small pieces.
        case strided
        /// One channel block at a time (firstBlock > 0).
        case perBlock
        /// Every channel block as its own tile (block-major, each block's rows contiguous), all
        /// in one call, as the convolution lowering calls it: one pipeline across the tiles.
        case blocksTogether
    }

    struct Outcome {
        var checked = 0
        var route = ""
    }

    /// Builds, runs and checks one stream: `tiles` tiles of `rows` rows.
    static func run(
        _ spec: RequantizationSpec, target: Target, layout: Layout, rows: Int, tiles: Int, eager: Bool,
        rng: inout RequantRNG, chunk: Int? = nil, sums: [ProductSum] = ProductSum.all
    ) throws -> Outcome {
        let config = target.config
        let block = config.blockOut
        let blocks = (spec.channels + block - 1) / block
        var plan = try RequantizationPlan(spec: spec, target: target, productSums: sums)
        if layout == .strided { plan.maximumChunkVectors = max(blocks, 7) }
        if let chunk { plan.maximumChunkVectors = chunk }
        // Accumulators per channel: the crafted ones first (shuffled), then random ones.
        var pools: [[Int64]] = []
        for c in 0..<spec.channels {
            var pool = RequantCases.accumulators(spec, channel: c, random: 0, rng: &rng)
            for i in pool.indices.reversed() {
                let j = Int(rng.next() % UInt64(i + 1))
                pool.swapAt(i, j)
            }
            pools.append(pool)
        }
        var next = [Int](repeating: 0, count: spec.channels)
        func draw(_ c: Int) -> Int64 {
            let pool = pools[c]
            if next[c] < pool.count {
                next[c] += 1
                return pool[next[c] - 1]
            }
            let b = spec.accumulatorBounds.count == 1 ? spec.accumulatorBounds[0] : spec.accumulatorBounds[c]
            return rng.int(max(b.lowerBound, Int64(Int32.min))...min(b.upperBound, Int64(Int32.max)))
        }
        // Tile shapes: (first block, blocks, row stride).
        let shapes: [(first: Int, count: Int, stride: Int)] =
            switch layout {
            case .dense: [(0, blocks, blocks)]
            case .strided: [(0, blocks, blocks + 1)]
            case .perBlock, .blocksTogether: (0..<blocks).map { ($0, 1, 1) }
            }
        let accBytes = config.dramElementBytes(.accumulator)
        let outBytes = config.dramElementBytes(.output)
        let tileVectors = rows * blocks
        // The LOAD writes whole strides (the gap after the last row too).
        let accBase = layout == .blocksTogether ? rows * blocks : shapes.map { rows * $0.stride }.max()!
        let chunk = min(plan.maximumChunkVectors, tileVectors)
        let scratchSize = max(plan.scratchBytes(forTileVectors: chunk), outBytes)
        #expect(
            accBase
                + plan.accumulatorWords(
                    for: AccumulatorTile(
                        base: 0, rows: rows, blocks: shapes[0].count, rowStride: shapes[0].stride))
                <= config.depth(.accumulator))
        // DRAM: accumulators [tile][row][block][lane] as int32, outputs [tile][row][block][lane].
        var accumulators: [Int64] = []
        var activations = [UInt8]()
        for _ in 0..<tiles {
            for _ in 0..<rows {
                for b in 0..<blocks {
                    for l in 0..<block {
                        let c = b * block + l
                        let v = c < spec.channels ? draw(c) : 0
                        accumulators.append(v)
                        let u = UInt32(bitPattern: Int32(v))
                        for k in 0..<4 { activations.append(UInt8(truncatingIfNeeded: u >> (8 * k))) }
                    }
                }
            }
        }
        let outOffset = (activations.count + 4095) / 4096 * 4096
        let activationSize = outOffset + tiles * tileVectors * outBytes

        var b = StreamBuilder(config: config)
        // The per-block layout goes through the `TileRequantizer` entry points, as the layer
        // lowerings call them; the others through the explicit ones.
        plan.placement = RequantizationPlacement(
            constantsOffset: 0, weightBase: 0, inputBase: 0, scratchOffset: 0)
        let resources = RequantResources(accumulatorBase: accBase, microOpBase: 0)
        if layout == .perBlock || layout == .blocksTogether {
            plan.emitSetup(into: &b, resources: resources)
        } else {
            plan.emitSetup(into: &b, constantsOffset: 0, accBase: accBase, wgtBase: 0, uopBase: 0)
        }
        for t in 0..<tiles where layout == .blocksTogether {
            // Block k's rows at ACC k·rows, loaded, requantized together, stored per block.
            for k in 0..<blocks {
                b.load(
                    .accumulator, sram: k * rows, region: .activations,
                    byteOffset: (t * rows * blocks + k) * accBytes,
                    rows: rows, columns: 1, stride: blocks)
            }
            plan.emit(
                into: &b,
                tiles: (0..<blocks).map {
                    (AccumulatorTile(base: $0 * rows, rows: rows, blocks: 1, rowStride: 1), $0)
                }, resources: resources)
            for k in 0..<blocks {
                b.store(
                    sram: k * rows, region: .activations,
                    byteOffset: outOffset + (t * rows * blocks + k) * outBytes,
                    rows: rows, columns: 1, stride: blocks)
            }
        }
        for t in 0..<tiles where layout != .blocksTogether {
            for shape in shapes {
                // LOAD ACC rows × shape.count vectors, padding the row gaps with zeros.
                let pad = shape.stride - shape.count
                let element = (t * rows * blocks) + shape.first
                b.load(
                    .accumulator, sram: 0, region: .activations, byteOffset: element * accBytes, rows: rows,
                    columns: shape.count, stride: blocks, pad: (0, 0, 0, pad))
                let tile = AccumulatorTile(base: 0, rows: rows, blocks: shape.count, rowStride: shape.stride)
                if layout == .perBlock {
                    plan.emit(into: &b, tile: tile, firstBlock: shape.first, resources: resources)
                } else {
                    plan.emit(
                        into: &b, tile: tile, firstBlock: shape.first, temporaries: accBase, scratchOffset: 0,
                        uopBase: 0, inputBase: 0, wgtBase: 0)
                }
                for r in 0..<rows {
                    b.store(
                        sram: r * shape.stride, region: .activations,
                        byteOffset: outOffset + ((t * rows + r) * blocks + shape.first) * outBytes, rows: 1,
                        columns: shape.count, stride: shape.count)
                }
            }
        }
        let program = SegmentProgram(b)
        let harness = SimulatorHarness(target: target, eager: eager, poison: true)
        harness.region(.constants, size: max(plan.constants.count, 64), bytes: plan.constants)
        harness.region(.activations, size: activationSize, bytes: activations)
        harness.region(.scratch, size: scratchSize)
        try harness.run(program)
        let out = harness.read(.activations, offset: outOffset, count: tiles * tileVectors * block)
        var outcome = Outcome(route: plan.route)
        for (i, acc) in accumulators.enumerated() {
            let c = i % (blocks * block)
            guard c < spec.channels else { continue }
            let expected = spec.reference(Int32(acc), channel: c)
            let got = Int32(Int8(bitPattern: out[i]))
            if got != expected {
                Issue.record("\(plan.route) channel \(c) acc \(acc): simulator \(got), reference \(expected)")
                return outcome
            }
            outcome.checked += 1
        }
        let report = harness.verify(
            program,
            sizes: [
                .constants: max(plan.constants.count, 64), .activations: activationSize,
                .scratch: scratchSize,
            ])
        #expect(report.isSafe, "\(plan.route): \(report.findings.prefix(5))")
        #expect(report.findings.isEmpty, "\(plan.route): \(report.findings.prefix(5))")
        return outcome
    }

    @Test(arguments: ["alkali", "fsim", "cloud"], [false, true])
    func doubleRounding(targetName: String, eager: Bool) throws {
        let target = try Target.load(name: targetName)
        var rng = RequantRNG(seed: eager ? 101 : 202)
        var checked = 0
        var routes: [String] = []
        for (i, layout) in Layout.allCases.enumerated() {
            let channels = [40, 24, 19, 40][i]
            let spec = RequantCases.spec(&rng, channels: channels, floatScale: false, perChannel: i != 2)
            let outcome = try Self.run(
                spec, target: target, layout: layout, rows: 24, tiles: 3, eager: eager, rng: &rng)
            checked += outcome.checked
            routes.append(outcome.route)
        }
        #expect(checked >= 3000)
        print("\(targetName) double rounding eager=\(eager): \(checked) accumulators, \(routes)")
    }

    @Test(arguments: ["alkali", "fsim", "cloud"], [false, true])
    func floatScale(targetName: String, eager: Bool) throws {
        let target = try Target.load(name: targetName)
        var rng = RequantRNG(seed: eager ? 303 : 404)
        var checked = 0
        var routes: [String] = []
        for (i, layout) in Layout.allCases.enumerated() {
            let channels = [33, 10, 20, 35][i]
            let spec = RequantCases.spec(&rng, channels: channels, floatScale: true, perChannel: i != 1)
            let outcome = try Self.run(
                spec, target: target, layout: layout, rows: [24, 1, 24, 70][i], tiles: i == 1 ? 40 : 3,
                eager: eager,
                rng: &rng)
            checked += outcome.checked
            routes.append(outcome.route)
        }
        #expect(checked >= 2000)
        print("\(targetName) float scale eager=\(eager): \(checked) accumulators, \(routes)")
    }

    /// Each way of summing the digit products on its own, on the stock profile: the in-place
    /// sum's GEMM loops over products (along a row of blocks, down a block's rows) and its
    /// per-product fallback (2-D tiles, tiles under three vectors), and the column chain.
    @Test(arguments: ProductSum.all)
    func productSums(sum: ProductSum) throws {
        let target = try Target.load(name: "alkali")
        var rng = RequantRNG(seed: sum.isInPlace ? 505 : 606)
        var checked = 0
        var routes: [String] = []
        let cases: [(Layout, rows: Int, tiles: Int)] = [
            (.dense, 1, 4), (.dense, 5, 2), (.strided, 6, 2), (.blocksTogether, 24, 2), (.perBlock, 2, 3),
        ]
        for trial in 0..<3 {
            for (i, c) in cases.enumerated() {
                let spec = RequantCases.layerSpec(
                    &rng, channels: [40, 35, 20, 33, 17][i], floatScale: (trial + i) % 2 == 0)
                let outcome: Outcome
                do {
                    outcome = try Self.run(
                        spec, target: target, layout: c.0, rows: c.rows, tiles: c.tiles, eager: trial != 1,
                        rng: &rng, sums: [sum])
                } catch {
                    // Not every rule has a program of this kind (e.g. operands too wide to sum in place).
                    continue
                }
                #expect(outcome.route.hasSuffix(" in place") == sum.isInPlace, "\(outcome.route)")
                checked += outcome.checked
                routes.append(outcome.route)
            }
        }
        #expect(routes.count >= 10, "\(routes)")
        #expect(checked >= 3000)
        print("alkali \(sum): \(checked) accumulators, \(routes)")
    }
}
