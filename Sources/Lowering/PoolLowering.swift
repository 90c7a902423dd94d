import Partitioning
import VTATarget

/// A MAX_POOL_2D or AVERAGE_POOL_2D on packed tensors.
public struct PoolLayer: Sendable {
    public var average: Bool
    public var inputHeight: Int, inputWidth: Int
    public var outputHeight: Int, outputWidth: Int
    public var blocks: Int
    public var filterH: Int, filterW: Int
    public var strideH: Int, strideW: Int
    public var padTop: Int, padBottom: Int, padLeft: Int, padRight: Int
    public var inputOffset: Int, inputHalo: Padding2DHalo
    public var outputOffset: Int, outputHalo: Padding2DHalo
    /// An identity weight tile (BLOCK_OUT × BLOCK_IN, ones on the diagonal) in the constants region.
    public var identityOffset: Int
    public var activationMin: Int, activationMax: Int

    public init(
        average: Bool, inputHeight: Int, inputWidth: Int, outputHeight: Int, outputWidth: Int, blocks: Int,
        filterH: Int,
        filterW: Int, strideH: Int, strideW: Int, padTop: Int, padBottom: Int, padLeft: Int, padRight: Int,
        inputOffset: Int, inputHalo: Padding2DHalo, outputOffset: Int, outputHalo: Padding2DHalo,
        identityOffset: Int,
        activationMin: Int, activationMax: Int
    ) {
        self.average = average
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        self.blocks = blocks
        self.filterH = filterH
        self.filterW = filterW
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
        self.identityOffset = identityOffset
        self.activationMin = activationMin
        self.activationMax = activationMax
    }

    /// The number of taps every window averages, when it is the same power of two everywhere
    /// (no window reaches into the padding); nil otherwise.
    public var uniformPowerOfTwoCount: Int? {
        let reachesPadding = padTop > 0 || padBottom > 0 || padLeft > 0 || padRight > 0
        let n = filterH * filterW
        return !reachesPadding && n & (n - 1) == 0 ? n : nil
    }
}

/// Lowers pooling. The input tile is copied into accumulators by a GEMM with an identity
/// weight tile (exact on every profile), then each tap is one ALU instruction over the whole
/// output tile: MAX for max pooling (padded taps read the -128 halo and never win), ADD for
/// average pooling, followed by TFLite's rounding division — exact here when every window
/// counts the same power of two of taps — and the activation clamp.
public enum PoolLowering {
    public static func emit(_ layer: PoolLayer, into b: inout StreamBuilder) throws(LoweringError) {
        let config = b.config
        let count: Int?
        if layer.average {
            guard let n = layer.uniformPowerOfTwoCount else {
                throw LoweringError(
                    "average pooling needs every window to count the same power of two of taps")
            }
            count = n
        } else {
            count = nil
            guard
                layer.padTop + layer.padBottom + layer.padLeft + layer.padRight == 0
                    || layer.inputHalo != .none
            else {
                throw LoweringError("padded max pooling needs the input's halo filled with -128")
            }
        }
        let width = layer.inputWidth + layer.padLeft + layer.padRight
        let packedIn = (
            h: layer.inputHeight + layer.inputHalo.top + layer.inputHalo.bottom,
            w: layer.inputWidth + layer.inputHalo.left + layer.inputHalo.right
        )
        let packedOutW = layer.outputWidth + layer.outputHalo.left + layer.outputHalo.right
        let packedOutH = layer.outputHeight + layer.outputHalo.top + layer.outputHalo.bottom
        let elementBytes = config.dramElementBytes(.input)
        // Rows per tile: input rows in INP and ACC, output rows in ACC.
        var rows = layer.outputHeight
        while rows > 1 {
            let inRows = (rows - 1) * layer.strideH + layer.filterH
            if inRows * width <= config.depth(.input)
                // Input copy, output tile, and for average pooling the rounding indicator's tile.
                && inRows * width + rows * layer.outputWidth * (layer.average ? 2 : 1)
                    <= config.depth(.accumulator)
            {
                break
            }
            rows -= 1
        }
        let identity = b.config.depth(.weight) - 1
        b.load(
            .weight, sram: identity, region: .constants, byteOffset: layer.identityOffset, rows: 1,
            columns: 1, stride: 1)
        for block in 0..<layer.blocks {
            var rowStart = 0
            while rowStart < layer.outputHeight {
                let tileRows = min(rows, layer.outputHeight - rowStart)
                let inRows = (tileRows - 1) * layer.strideH + layer.filterH
                let pixelsIn = inRows * width
                let pixelsOut = tileRows * layer.outputWidth
                let outBase = pixelsIn
                // Input rows of the padded input (halo, or LOAD's zero padding for average pooling).
                let first = rowStart * layer.strideH - layer.padTop
                if layer.inputHalo != .none {
                    let element =
                        (block * packedIn.h + first + layer.inputHalo.top) * packedIn.w + layer.inputHalo.left
                        - layer.padLeft
                    b.load(
                        .input, sram: 0, region: .activations,
                        byteOffset: layer.inputOffset + element * elementBytes,
                        rows: inRows, columns: width, stride: packedIn.w)
                } else {
                    let top = max(0, -first)
                    let bottom = max(0, first + inRows - layer.inputHeight)
                    let element = (block * packedIn.h + max(first, 0)) * packedIn.w
                    b.load(
                        .input, sram: 0, region: .activations,
                        byteOffset: layer.inputOffset + element * elementBytes,
                        rows: inRows - top - bottom, columns: layer.inputWidth, stride: packedIn.w,
                        pad: (top, bottom, layer.padLeft, layer.padRight))
                }
                // acc[q] = x[q] for every input pixel q (identity GEMM from zeroed accumulators).
                let copy = b.loadKernel([MicroOp(dst: 0, src: 0, wgt: identity)], at: 0)
                b.gemm(
                    uops: copy, iterOut: pixelsIn, iterIn: 1, dst: (1, 0), src: (1, 0), wgt: (0, 0),
                    reset: true)
                b.gemm(uops: copy, iterOut: pixelsIn, iterIn: 1, dst: (1, 0), src: (1, 0), wgt: (0, 0))
                // The output tile starts as the first tap; the others fold in with MAX or ADD.
                let tileLoop = (iterOut: tileRows, iterIn: layer.outputWidth, dst: (layer.outputWidth, 1))
                let zero = b.loadKernel([MicroOp(dst: outBase)], at: 1)
                b.gemm(
                    uops: zero, iterOut: tileRows, iterIn: layer.outputWidth, dst: tileLoop.dst, src: (0, 0),
                    wgt: (0, 0),
                    reset: true)
                // One micro-op per tap, loaded together (kept resident while the tile shape holds),
                // then one for the in-place operations.
                let taps = (0..<(layer.filterH * layer.filterW)).map { t in
                    MicroOp(dst: outBase, src: t / layer.filterW * width + t % layer.filterW)
                }
                // (One tap at a time when they do not fit the micro-op buffer together.)
                let together = taps.count + 6 <= config.depth(.uop)
                let tapSlots = b.loadKernel(
                    (together ? taps : []) + [MicroOp(dst: outBase, src: outBase)], at: 2)
                for t in 0..<taps.count {
                    let op: AluOpcode = layer.average || t == 0 ? .add : .max
                    let slot = together ? tapSlots.lowerBound + t : b.loadKernel([taps[t]], at: 1).lowerBound
                    b.alu(
                        op, uops: slot..<(slot + 1), iterOut: tileRows, iterIn: layer.outputWidth,
                        dst: tileLoop.dst, src: (layer.strideH * width, layer.strideW))
                }
                let inPlace = (tapSlots.upperBound - 1)..<tapSlots.upperBound
                func alu(_ op: AluOpcode, _ immediate: Int) {
                    b.alu(
                        op, uops: inPlace, iterOut: tileRows, iterIn: layer.outputWidth, dst: tileLoop.dst,
                        src: tileLoop.dst, immediate: immediate)
                }
                if let count, count > 1 {
                    // TFLite: acc > 0 ? (acc + n/2) / n : (acc − n/2) / n, truncating. With n = 2^k this is
                    // (acc + n/2 − [acc ≤ 0]) >> k: the indicator is 1 − min(max(acc, 0), 1).
                    let k = count.trailingZeroBitCount
                    let scratch = outBase + pixelsOut
                    let indicator = b.loadKernel(
                        [MicroOp(dst: scratch, src: outBase)], at: tapSlots.upperBound)
                    b.gemm(
                        uops: indicator, iterOut: tileRows, iterIn: layer.outputWidth, dst: tileLoop.dst,
                        src: (0, 0),
                        wgt: (0, 0), reset: true)
                    b.alu(
                        .add, uops: indicator, iterOut: tileRows, iterIn: layer.outputWidth,
                        dst: tileLoop.dst,
                        src: tileLoop.dst)
                    let onScratch = b.loadKernel(
                        [MicroOp(dst: scratch, src: scratch)], at: tapSlots.upperBound + 1)
                    for (op, imm) in [(AluOpcode.max, 0), (.min, 1)] {
                        b.alu(
                            op, uops: onScratch, iterOut: tileRows, iterIn: layer.outputWidth,
                            dst: tileLoop.dst,
                            src: tileLoop.dst, immediate: imm)
                    }
                    let addBack = b.loadKernel(
                        [MicroOp(dst: outBase, src: scratch)], at: tapSlots.upperBound + 2)
                    b.alu(
                        .add, uops: addBack, iterOut: tileRows, iterIn: layer.outputWidth, dst: tileLoop.dst,
                        src: tileLoop.dst)
                    alu(.add, count / 2 - 1)
                    var remaining = k
                    while remaining > 0 {
                        let step = min(remaining, config.portableShiftRange.upperBound)
                        alu(.shr, step)
                        remaining -= step
                    }
                }
                alu(.max, layer.activationMin)
                alu(.min, layer.activationMax)
                let element =
                    (block * packedOutH + rowStart + layer.outputHalo.top) * packedOutW
                    + layer.outputHalo.left
                b.store(
                    sram: outBase, region: .activations,
                    byteOffset: layer.outputOffset + element * elementBytes,
                    rows: tileRows, columns: layer.outputWidth, stride: packedOutW)
                rowStart += tileRows
            }
        }
    }
}
