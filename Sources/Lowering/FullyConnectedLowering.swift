import VTATarget

/// A FULLY_CONNECTED as the accelerator runs it: `rows` input vectors of `inputBlocks`
/// blocks (packed [row][inBlock]), weights [outBlock][inBlock] tiles, the folded bias per
/// output block, and the output packed [row][outBlock].
public struct FullyConnectedLayer: Sendable {
    public var rows: Int
    public var inputBlocks: Int
    public var outputBlocks: Int
    public var inputOffset: Int
    public var outputOffset: Int
    public var weightsOffset: Int
    public var biasOffset: Int
    /// Packed element index of (row, block) = row·rowStride + block·blockStride: [row][block]
    /// for an [N, C] tensor, [block][row] when the rows are a spatial dimension.
    public var inputRowStride: Int, inputBlockStride: Int
    public var outputRowStride: Int, outputBlockStride: Int

    public init(
        rows: Int, inputBlocks: Int, outputBlocks: Int, inputOffset: Int, outputOffset: Int,
        weightsOffset: Int, biasOffset: Int, rowsOutermost: Bool = true
    ) {
        inputRowStride = rowsOutermost ? inputBlocks : 1
        inputBlockStride = rowsOutermost ? 1 : rows
        outputRowStride = rowsOutermost ? outputBlocks : 1
        outputBlockStride = rowsOutermost ? 1 : rows
        self.rows = rows
        self.inputBlocks = inputBlocks
        self.outputBlocks = outputBlocks
        self.inputOffset = inputOffset
        self.outputOffset = outputOffset
        self.weightsOffset = weightsOffset
        self.biasOffset = biasOffset
    }
}

/// Lowers FULLY_CONNECTED to GEMM. The micro-op kernel walks the independent outputs (row,
/// output block) innermost and the reduction over input blocks in the loop; with fewer than
/// three independent outputs (a 10-way classifier on one row has one) the reduction is split
/// over partial accumulators so that no micro-op writes what either of the two before it
/// wrote, and the partials are added at the end.
public enum FullyConnectedLowering {
    public static func emit(
        _ layer: FullyConnectedLayer, into b: inout StreamBuilder, requantizer: TileRequantizer
    ) throws(LoweringError) {
        let config = b.config
        let outputs = layer.rows * layer.outputBlocks
        let partials = max(1, min(layer.inputBlocks, (3 + outputs - 1) / outputs))
        let weights = layer.outputBlocks * layer.inputBlocks
        let accumulators = partials * outputs
        guard weights + requantizer.weightTiles() <= config.depth(.weight) else {
            throw LoweringError(
                "\(weights) weight tiles do not fit the \(config.depth(.weight))-tile weight buffer")
        }
        guard
            layer.rows * layer.inputBlocks
                + requantizer.inputEntries(forTileVectors: config.depth(.accumulator)) <= config.depth(.input)
        else {
            throw LoweringError("\(layer.rows * layer.inputBlocks) input vectors do not fit the input buffer")
        }
        guard
            accumulators + requantizer.accumulatorWords(forTileVectors: outputs) <= config.depth(.accumulator)
        else {
            throw LoweringError("\(accumulators) accumulators do not fit the accumulator buffer")
        }
        let accBytes = config.dramElementBytes(.accumulator)
        let elementBytes = config.dramElementBytes(.input)
        b.load(
            .weight, sram: 0, region: .constants, byteOffset: layer.weightsOffset, rows: 1, columns: weights,
            stride: weights)
        b.load(
            .input, sram: 0, region: .activations, byteOffset: layer.inputOffset, rows: 1,
            columns: layer.rows * layer.inputBlocks, stride: layer.rows * layer.inputBlocks)
        // Accumulators [partial][outBlock][row]: partial 0 starts from the bias, the others from 0.
        for block in 0..<layer.outputBlocks {
            b.load(
                .accumulator, sram: block * layer.rows, region: .constants,
                byteOffset: layer.biasOffset + block * accBytes, rows: layer.rows, columns: 1, stride: 0)
        }
        // Kernels: the full rounds of `partials` input blocks, and the remainder.
        func kernel(parts: Int, firstBlock: Int) -> [MicroOp] {
            var uops: [MicroOp] = []
            for part in 0..<parts {
                for block in 0..<layer.outputBlocks {
                    for row in 0..<layer.rows {
                        uops.append(
                            MicroOp(
                                dst: part * outputs + block * layer.rows + row,
                                src: row * layer.inputRowStride + (firstBlock + part)
                                    * layer.inputBlockStride,
                                wgt: block * layer.inputBlocks + firstBlock + part))
                    }
                }
            }
            return uops
        }
        var slot = 0
        if partials > 1 {
            let zero = (outputs..<accumulators).map { MicroOp(dst: $0) }
            let slots = b.loadKernel(zero, at: slot)
            b.gemm(uops: slots, iterOut: 1, iterIn: 1, dst: (0, 0), src: (0, 0), wgt: (0, 0), reset: true)
            slot = slots.upperBound
        }
        let rounds = layer.inputBlocks / partials
        let main = b.loadKernel(kernel(parts: partials, firstBlock: 0), at: slot)
        b.gemm(
            uops: main, iterOut: rounds, iterIn: 1, dst: (0, 0), src: (partials * layer.inputBlockStride, 0),
            wgt: (partials, 0))
        slot = main.upperBound
        let remainder = layer.inputBlocks - rounds * partials
        if remainder > 0 {
            let rest = b.loadKernel(kernel(parts: remainder, firstBlock: rounds * partials), at: slot)
            b.gemm(uops: rest, iterOut: 1, iterIn: 1, dst: (0, 0), src: (0, 0), wgt: (0, 0))
            slot = rest.upperBound
        }
        for part in 1..<max(partials, 1) {
            // acc[o] += acc[part·outputs + o] for every output o: the source steps with dst.
            let add = b.loadKernel([MicroOp(dst: 0, src: part * outputs)], at: slot)
            b.alu(.add, uops: add, iterOut: outputs, iterIn: 1, dst: (1, 0), src: (1, 0))
        }
        if partials > 1 { slot += 1 }
        let resources = RequantResources(accumulatorBase: accumulators, microOpBase: slot)
        requantizer.emitSetup(into: &b, resources: resources)
        let blocks = 0..<layer.outputBlocks
        requantizer.emit(
            into: &b,
            tiles: blocks.map {
                (AccumulatorTile(base: $0 * layer.rows, rows: layer.rows, blocks: 1, rowStride: 1), $0)
            }, resources: resources)
        for block in blocks {
            // The rows of this block, outputRowStride elements apart.
            b.store(
                sram: block * layer.rows, region: .activations,
                byteOffset: layer.outputOffset + block * layer.outputBlockStride * elementBytes,
                rows: layer.rows, columns: 1, stride: layer.outputRowStride)
        }
    }
}
