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
    }

    /// The largest tiles that fit the target's buffers.
    public static func tiling(
        _ layer: ConvLayer, config: HardwareConfig, requantizer: TileRequantizer
    ) throws(LoweringError) -> Tiling {
        // The requantizer's weight tiles and digit vectors sit at the top of those buffers.
        let wgtDepth = config.depth(.weight) - requantizer.weightTiles()
        let accDepth = config.depth(.accumulator)
        let uopDepth = config.depth(.uop)
        var group = layer.outputBlocks
        while group > 1 && group * layer.tilesPerBlock > wgtDepth { group = (group + 1) / 2 }
        guard group * layer.tilesPerBlock <= wgtDepth else {
            throw LoweringError(
                "one output block needs \(layer.tilesPerBlock) weight tiles; the buffer holds \(wgtDepth)")
        }
        var rows = layer.outputHeight
        while rows > 0 {
            let pixels = rows * layer.outputWidth
            let inputBlocksLoaded = layer.depthwise ? group : layer.inputBlocks
            let inp =
                inputBlocksLoaded * layer.inputRows(forOutputRows: rows) * layer.loadedWidth
                + requantizer.inputEntries(forTileVectors: config.depth(.accumulator))
            let acc = group * pixels + requantizer.accumulatorWords(forTileVectors: pixels) + group
            let kernel =
                (layer.depthwise ? 1 : layer.inputBlocks) * layer.kernelW * pixels * (pixels < 3 ? group : 1)
            if inp <= config.depth(.input) && acc <= accDepth
                && kernel + 2 + requantizer.microOpSlots <= uopDepth
            {
                break
            }
            rows -= 1
        }
        guard rows > 0 else {
            throw LoweringError(
                "one output row (\(layer.outputWidth) pixels, \(layer.inputBlocks) input blocks) does not fit the SRAM buffers"
            )
        }
        if rows * layer.outputWidth * (rows * layer.outputWidth < 3 ? group : 1) < 3 {
            throw LoweringError(
                "fewer than 3 independent accumulators per tile: the hazard rule needs partial sums")
        }
        return Tiling(rows: rows, blocksPerGroup: group)
    }

    public static func emit(
        _ layer: ConvLayer, into b: inout StreamBuilder, requantizer: TileRequantizer
    ) throws(LoweringError) {
        let config = b.config
        let tiling = try tiling(layer, config: config, requantizer: requantizer)
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
        // The GEMM kernel in micro-op SRAM: it depends on the pixels per tile and, when the
        // output blocks are inside it, on the group's block count (the last group may be smaller).
        var loadedKernel: (key: [Int], slots: Range<Int>)? = nil
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
                let rows = min(tiling.rows, layer.outputHeight - rowStart)
                let pixels = rows * layer.outputWidth
                let inputRows = layer.inputRows(forOutputRows: rows)
                let inputBlocks = layer.depthwise ? group : layer.inputBlocks
                let firstInputBlock = layer.depthwise ? groupStart : 0
                // Input rows [rowStart·stride, +inputRows) of the padded input, per input block.
                for block in 0..<inputBlocks {
                    let sram = block * inputRows * width
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
                if let loaded = loadedKernel, loaded.key == kernelKey {
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
                                        (inputBlock * inputRows + r * layer.strideH) * width + x
                                        * layer.strideW + kw
                                    let wgt =
                                        block * layer.tilesPerBlock
                                        + (layer.depthwise ? kw : kw * layer.inputBlocks + inBlock)
                                    kernel.append(MicroOp(dst: block * pixels + p, src: src, wgt: wgt))
                                }
                            }
                        }
                    }
                    // Then the two micro-ops that start the accumulators from the bias.
                    kernel.append(MicroOp(dst: 0))
                    kernel.append(MicroOp(dst: 0, src: biasBase))
                    let slots = b.loadKernel(kernel, at: 0)
                    kernelSlots = slots.lowerBound..<(slots.upperBound - 2)
                    loadedKernel = (kernelKey, kernelSlots)
                    setupDone = false
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
                    accumulatorBase: group * pixels, microOpBase: reset + 2)
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
                for block in 0..<group {
                    requantizer.emit(
                        into: &b,
                        tile: AccumulatorTile(base: block * pixels, rows: pixels, blocks: 1, rowStride: 1),
                        firstBlock: groupStart + block, resources: resources)
                    let element =
                        ((groupStart + block) * outputPacked.h + rowStart + layer.outputHalo.top)
                        * outputPacked.w
                        + layer.outputHalo.left
                    b.store(
                        sram: block * pixels, region: .activations,
                        byteOffset: layer.outputOffset + element * inpBytes,
                        rows: rows, columns: layer.outputWidth, stride: outputPacked.w)
                }
                rowStart += rows
            }
            groupStart += group
        }
    }
}
