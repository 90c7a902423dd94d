import Partitioning
import VTATarget

/// A CONV_2D or DEPTHWISE_CONV_2D as the accelerator runs it: geometry in packed blocks and
/// where its tensors and constants live (byte offsets in their regions).
public struct ConvLayer: Sendable {
    public var depthwise: Bool
    public var inputHeight: Int, inputWidth: Int
    public var outputHeight: Int, outputWidth: Int
    /// Channel blocks of BLOCK lanes (for a depthwise layer, input blocks = output blocks).
    public var inputBlocks: Int, outputBlocks: Int
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    /// TFLite's padding of the input, in elements.
    public var padTop: Int, padBottom: Int, padLeft: Int, padRight: Int
    /// Packed tensors in the activations region; a halo holds the padding value when the
    /// input's zero point is not 0 (then it must cover the padding).
    public var inputOffset: Int, inputHalo: Padding2DHalo
    public var outputOffset: Int, outputHalo: Padding2DHalo
    /// Packed weight tiles [outBlock][tap][inBlock] (depthwise: [block][tap]) and the folded bias
    /// (one ACC vector per output block), in the constants region.
    public var weightsOffset: Int, biasOffset: Int

    public init(
        depthwise: Bool, inputHeight: Int, inputWidth: Int, outputHeight: Int, outputWidth: Int,
        inputBlocks: Int,
        outputBlocks: Int, kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padTop: Int,
        padBottom: Int,
        padLeft: Int, padRight: Int, inputOffset: Int, inputHalo: Padding2DHalo, outputOffset: Int,
        outputHalo: Padding2DHalo, weightsOffset: Int, biasOffset: Int
    ) {
        self.depthwise = depthwise
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        self.inputBlocks = inputBlocks
        self.outputBlocks = outputBlocks
        self.kernelH = kernelH
        self.kernelW = kernelW
        self.strideH = strideH
        self.strideW = strideW
        self.padTop = padTop
        self.padBottom = padBottom
        self.padLeft = padLeft
        self.padRight = padRight
        self.inputOffset = inputOffset
        self.inputHalo = inputHalo
        self.outputOffset = outputOffset
        self.outputHalo = outputHalo
        self.weightsOffset = weightsOffset
        self.biasOffset = biasOffset
    }

    /// The key of this layer's entry in a target's `schedules.json`: what the tiling depends on.
    public var workload: String {
        "\(depthwise ? "depthwise" : "conv2d") in=\(inputHeight)x\(inputWidth)x\(inputBlocks) "
            + "out=\(outputHeight)x\(outputWidth)x\(outputBlocks) kernel=\(kernelH)x\(kernelW) "
            + "stride=\(strideH)x\(strideW) pad=\(padTop),\(padBottom),\(padLeft),\(padRight)"
    }

    var taps: Int { kernelH * kernelW }
    /// Width of one input row as loaded: the padded width.
    var loadedWidth: Int { inputWidth + padLeft + padRight }
    /// Input rows a tile of `rows` output rows reads.
    func inputRows(forOutputRows rows: Int) -> Int { (rows - 1) * strideH + kernelH }
    /// Weight tiles per output block.
    var tilesPerBlock: Int { depthwise ? taps : taps * inputBlocks }
}

/// Why a layer could not be lowered (placement should have kept it on the CPU).
public struct LoweringError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Lowers convolutions to tiled GEMM: output rows in tiles that fit the SRAM buffers, input
/// rows (with padding) loaded per tile, weights of a group of output blocks loaded once, the
/// bias as the accumulators' initial value, one GEMM per tile whose micro-op kernel walks the
/// tile's pixels innermost (so consecutive micro-ops never write the same accumulator), then
/// the requantizer and one STORE per output block.
public enum ConvLowering {
    public struct Tiling: Sendable, Equatable {
        /// Output rows per tile.
        public var rows: Int
        /// Output blocks per weight group.
        public var blocksPerGroup: Int
        /// 2: consecutive tiles alternate between two halves of the input and accumulator
        /// areas, so the next tile's input loads while this tile computes and this tile's
        /// results store while the next one computes.
        public var buffers: Int

        public init(rows: Int, blocksPerGroup: Int, buffers: Int = 1) {
            self.rows = rows
            self.blocksPerGroup = blocksPerGroup
            self.buffers = buffers
        }

        public var schedule: TilingSchedule {
            TilingSchedule(rows: rows, blocksPerGroup: blocksPerGroup, buffers: buffers)
        }
    }

    /// Input entries of one tile's input area.
    static func inputArea(_ layer: ConvLayer, _ t: Tiling) -> Int {
        (layer.depthwise ? t.blocksPerGroup : layer.inputBlocks) * layer.inputRows(forOutputRows: t.rows)
            * layer.loadedWidth
    }

    /// Micro-ops of one tile's GEMM kernel, with the two that start the accumulators.
    static func kernelSize(_ layer: ConvLayer, _ t: Tiling) -> Int {
        let pixels = t.rows * layer.outputWidth
        return (layer.depthwise ? 1 : layer.inputBlocks) * layer.kernelW * pixels
            * (pixels < 3 ? t.blocksPerGroup : 1) + 2
    }

    /// Whether a tiling fits the target's buffers next to the requantizer's areas (and gives
    /// every tile three distinct accumulators, as the hazard rule needs).
    public static func fits(
        _ t: Tiling, _ layer: ConvLayer, config: HardwareConfig, requantizer: TileRequantizer
    ) -> Bool {
        guard t.rows >= 1, t.rows <= layer.outputHeight, t.blocksPerGroup >= 1,
            t.blocksPerGroup <= layer.outputBlocks, (1...2).contains(t.buffers)
        else { return false }
        let pixels = t.rows * layer.outputWidth
        let weights = t.blocksPerGroup * layer.tilesPerBlock + requantizer.weightTiles()
        let inp =
            t.buffers * inputArea(layer, t)
            + requantizer.inputEntries(forTileVectors: config.depth(.accumulator))
        let acc =
            t.buffers * t.blocksPerGroup * pixels + requantizer.accumulatorWords(forTileVectors: pixels)
            + t.blocksPerGroup
        let uops = t.buffers * kernelSize(layer, t) + requantizer.microOpSlots
        return weights <= config.depth(.weight) && inp <= config.depth(.input)
            && acc <= config.depth(.accumulator) && uops <= config.depth(.uop)
            && pixels * (pixels < 3 ? t.blocksPerGroup : 1) >= 3
    }

    /// The largest tiles that fit: the largest weight group (halving), then the most rows.
    public static func largestTiling(
        _ layer: ConvLayer, config: HardwareConfig, requantizer: TileRequantizer, buffers: Int = 1
    ) -> Tiling? {
        var group = layer.outputBlocks
        let wgtDepth = config.depth(.weight) - requantizer.weightTiles()
        while group > 1 && group * layer.tilesPerBlock > wgtDepth { group = (group + 1) / 2 }
        for rows in stride(from: layer.outputHeight, through: 1, by: -1) {
            let t = Tiling(rows: rows, blocksPerGroup: group, buffers: buffers)
            if fits(t, layer, config: config, requantizer: requantizer) { return t }
        }
        return nil
    }

    /// Tilings worth timing: the largest single- and double-buffered ones, and for each the
    /// rows evened out over its tile count and over twice as many tiles.
    public static func candidateTilings(
        _ layer: ConvLayer, config: HardwareConfig, requantizer: TileRequantizer
    ) -> [Tiling] {
        var result: [Tiling] = []
        for buffers in [1, 2] {
            guard let t = largestTiling(layer, config: config, requantizer: requantizer, buffers: buffers)
            else { continue }
            let tiles = (layer.outputHeight + t.rows - 1) / t.rows
            for count in [tiles, 2 * tiles] {
                var c = t
                c.rows = (layer.outputHeight + count - 1) / count
                if !result.contains(c) && fits(c, layer, config: config, requantizer: requantizer) {
                    result.append(c)
                }
            }
            if !result.contains(t) { result.append(t) }
        }
        return result
    }

    /// The tiling to use: `schedule` when given and it fits, otherwise the candidate with the
    /// fewest modelled cycles for the layer on its own (the first on ties).
    public static func chooseTiling(
        _ layer: ConvLayer, target: Target, requantizer: TileRequantizer, schedule: TilingSchedule? = nil
    ) throws(LoweringError) -> Tiling {
        let config = target.config
        if let schedule {
            let t = Tiling(
                rows: schedule.rows, blocksPerGroup: schedule.blocksPerGroup, buffers: schedule.buffers)
            if fits(t, layer, config: config, requantizer: requantizer) { return t }
        }
        let candidates = candidateTilings(layer, config: config, requantizer: requantizer)
        guard let first = candidates.first else { throw noTiling(layer) }
        guard candidates.count > 1 else { return first }
        return TilingSearch.cheapest(candidates, target: target) { (t, b) throws(LoweringError) in
            try emit(layer, into: &b, requantizer: requantizer, tiling: t)
        }?.choice ?? first
    }

    static func noTiling(_ layer: ConvLayer) -> LoweringError {
        LoweringError(
            "no tiling of \(layer.outputWidth)-pixel output rows (\(layer.inputBlocks) input blocks, "
                + "\(layer.tilesPerBlock) weight tiles per output block) fits the SRAM buffers with three "
                + "distinct accumulators per tile")
    }

    /// Lowers the layer with `tiling`, or the largest single-buffered tiling when nil.
    public static func emit(
        _ layer: ConvLayer, into b: inout StreamBuilder, requantizer: TileRequantizer, tiling: Tiling? = nil
    ) throws(LoweringError) {
        let config = b.config
        guard
            let tiling = tiling ?? largestTiling(layer, config: config, requantizer: requantizer),
            fits(tiling, layer, config: config, requantizer: requantizer)
        else { throw noTiling(layer) }
        let inpBytes = config.dramElementBytes(.input)
        let wgtBytes = config.dramElementBytes(.weight)
        let accBytes = config.dramElementBytes(.accumulator)
        let inputPacked = (
            h: layer.inputHeight + layer.inputHalo.top + layer.inputHalo.bottom,
            w: layer.inputWidth + layer.inputHalo.left + layer.inputHalo.right
        )
        let outputPacked = (
            h: layer.outputHeight + layer.outputHalo.top + layer.outputHalo.bottom,
            w: layer.outputWidth + layer.outputHalo.left + layer.outputHalo.right
        )
        let usesHalo = layer.inputHalo != .none
        if usesHalo {
            guard layer.inputHalo.top >= layer.padTop, layer.inputHalo.bottom >= layer.padBottom,
                layer.inputHalo.left >= layer.padLeft, layer.inputHalo.right >= layer.padRight
            else { throw LoweringError("the input's halo does not cover the padding") }
        }
        let width = layer.loadedWidth
        // Per buffer half, the GEMM kernel in micro-op SRAM: it depends on the pixels per tile
        // and on the group's block count (the last group may be smaller).
        var loadedKernels: [Int: (key: [Int], slots: Range<Int>)] = [:]
        let kernelStride = kernelSize(layer, tiling)
        let inputStride = inputArea(layer, tiling)
        let accStride = tiling.blocksPerGroup * tiling.rows * layer.outputWidth
        var tileIndex = 0
        var groupStart = 0
        while groupStart < layer.outputBlocks {
            let group = min(tiling.blocksPerGroup, layer.outputBlocks - groupStart)
            // Weights of the group: tiles [block][tap][inBlock], contiguous.
            b.load(
                .weight, sram: 0, region: .constants,
                byteOffset: layer.weightsOffset + groupStart * layer.tilesPerBlock * wgtBytes, rows: 1,
                columns: group * layer.tilesPerBlock, stride: group * layer.tilesPerBlock)
            // The group's bias vectors, once, at the top of ACC: each tile starts from zero and adds
            // them (a GEMM reset and an ALU ADD cost 3 cycles a vector; a broadcasting LOAD ACC
            // pays the DMA latency for every pixel).
            let biasBase = config.depth(.accumulator) - group
            b.load(
                .accumulator, sram: biasBase, region: .constants,
                byteOffset: layer.biasOffset + groupStart * accBytes, rows: 1, columns: group, stride: group)
            var rowStart = 0
            var setupDone = false
            while rowStart < layer.outputHeight {
                let half = tileIndex % tiling.buffers
                tileIndex += 1
                let inputBase = half * inputStride
                let accBase = half * accStride
                let rows = min(tiling.rows, layer.outputHeight - rowStart)
                let pixels = rows * layer.outputWidth
                let inputRows = layer.inputRows(forOutputRows: rows)
                let inputBlocks = layer.depthwise ? group : layer.inputBlocks
                let firstInputBlock = layer.depthwise ? groupStart : 0
                // Input rows [rowStart·stride, +inputRows) of the padded input, per input block.
                for block in 0..<inputBlocks {
                    let sram = inputBase + block * inputRows * width
                    let paddedRow = rowStart * layer.strideH
                    if usesHalo {
                        let row = paddedRow - layer.padTop + layer.inputHalo.top
                        let column = layer.inputHalo.left - layer.padLeft
                        let element =
                            ((firstInputBlock + block) * inputPacked.h + row) * inputPacked.w + column
                        b.load(
                            .input, sram: sram, region: .activations,
                            byteOffset: layer.inputOffset + element * inpBytes,
                            rows: inputRows, columns: width, stride: inputPacked.w)
                    } else {
                        let first = paddedRow - layer.padTop
                        let top = max(0, -first)
                        let bottom = max(0, first + inputRows - layer.inputHeight)
                        let element =
                            ((firstInputBlock + block) * inputPacked.h + max(first, 0)) * inputPacked.w
                        b.load(
                            .input, sram: sram, region: .activations,
                            byteOffset: layer.inputOffset + element * inpBytes,
                            rows: inputRows - top - bottom, columns: layer.inputWidth, stride: inputPacked.w,
                            pad: (top, bottom, layer.padLeft, layer.padRight))
                    }
                }
                // The GEMM kernel: for each (input block, kw), every pixel of the tile.
                let blocksInKernel = pixels < 3
                let kernelKey = [pixels, blocksInKernel ? group : 1, group]
                let kernelSlots: Range<Int>
                if let loaded = loadedKernels[half], loaded.key == kernelKey {
                    kernelSlots = loaded.slots
                } else {
                    var kernel: [MicroOp] = []
                    for inBlock in 0..<(layer.depthwise ? 1 : layer.inputBlocks) {
                        for kw in 0..<layer.kernelW {
                            for block in 0..<(blocksInKernel ? group : 1) {
                                for p in 0..<pixels {
                                    let (r, x) = (p / layer.outputWidth, p % layer.outputWidth)
                                    let inputBlock = layer.depthwise ? block : inBlock
                                    let src =
                                        inputBase + (inputBlock * inputRows + r * layer.strideH) * width + x
                                        * layer.strideW + kw
                                    let wgt =
                                        block * layer.tilesPerBlock
                                        + (layer.depthwise ? kw : kw * layer.inputBlocks + inBlock)
                                    kernel.append(
                                        MicroOp(dst: accBase + block * pixels + p, src: src, wgt: wgt))
                                }
                            }
                        }
                    }
                    // Then the two micro-ops that start the accumulators from the bias.
                    kernel.append(MicroOp(dst: accBase))
                    kernel.append(MicroOp(dst: accBase, src: biasBase))
                    let slots = b.loadKernel(kernel, at: half * kernelStride)
                    kernelSlots = slots.lowerBound..<(slots.upperBound - 2)
                    loadedKernels[half] = (kernelKey, kernelSlots)
                }
                // Accumulators [block][pixel] start from the block's bias.
                let reset = kernelSlots.upperBound
                b.gemm(
                    uops: reset..<(reset + 1), iterOut: group, iterIn: pixels, dst: (pixels, 1), src: (0, 0),
                    wgt: (0, 0), reset: true)
                b.alu(
                    .add, uops: (reset + 1)..<(reset + 2), iterOut: group, iterIn: pixels, dst: (pixels, 1),
                    src: (1, 0))
                let resources = RequantResources(
                    accumulatorBase: tiling.buffers * accStride, microOpBase: tiling.buffers * kernelStride)
                if !setupDone {
                    requantizer.emitSetup(into: &b, resources: resources)
                    setupDone = true
                }
                // kh in the outer loop, output blocks in the inner one (unless they are in the kernel).
                let tapRow = layer.depthwise ? layer.kernelW : layer.kernelW * layer.inputBlocks
                b.gemm(
                    uops: kernelSlots, iterOut: layer.kernelH, iterIn: blocksInKernel ? 1 : group,
                    dst: (0, pixels),
                    src: (width, layer.depthwise ? inputRows * width : 0), wgt: (tapRow, layer.tilesPerBlock))
                requantizer.emit(
                    into: &b,
                    tiles: (0..<group).map {
                        (
                            AccumulatorTile(
                                base: accBase + $0 * pixels, rows: pixels, blocks: 1, rowStride: 1),
                            groupStart + $0
                        )
                    }, resources: resources)
                for block in 0..<group {
                    let element =
                        ((groupStart + block) * outputPacked.h + rowStart + layer.outputHalo.top)
                        * outputPacked.w
                        + layer.outputHalo.left
                    b.store(
                        sram: accBase + block * pixels, region: .activations,
                        byteOffset: layer.outputOffset + element * inpBytes,
                        rows: rows, columns: layer.outputWidth, stride: outputPacked.w)
                }
                rowStart += rows
            }
            groupStart += group
        }
    }
}
