import VTATarget

/// Accumulators in ACC SRAM: rows × blocks vectors, vector (r, b) at base + r·rowStride + b.
public struct AccumulatorTile: Sendable, Hashable {
    public var base: Int
    public var rows: Int
    public var blocks: Int
    public var rowStride: Int

    public init(base: Int, rows: Int, blocks: Int, rowStride: Int) {
        self.base = base
        self.rows = rows
        self.blocks = blocks
        self.rowStride = rowStride
    }

    public var vectorCount: Int { rows * blocks }
    public var indices: Range<Int> { base..<(base + (rows - 1) * rowStride + blocks) }
}

/// Turns a tile of int32 accumulators into int8 results in OUT, for the output channels of
/// block `firstBlock` onwards. Layer lowerings call it once per output tile.
public protocol TileRequantizer {
    /// ACC entries the requantizer uses beyond the tile, for a tile of `vectors` vectors.
    func accumulatorWords(forTileVectors vectors: Int) -> Int
    /// Micro-op slots it uses.
    var microOpSlots: Int { get }
    /// Once per layer.
    func emitSetup(into builder: inout StreamBuilder, resources: RequantResources)
    /// Per tile: OUT must hold the int8 results at the tile's indices afterwards.
    func emit(
        into builder: inout StreamBuilder, tile: AccumulatorTile, firstBlock: Int, resources: RequantResources
    )
    /// Several tiles in a row (e.g. one per output block), each with its first channel block:
    /// a requantizer may overlap one tile's work with the next one's.
    func emit(
        into builder: inout StreamBuilder, tiles: [(tile: AccumulatorTile, firstBlock: Int)],
        resources: RequantResources)
    /// WGT entries it needs (at the top of the weight buffer: layers keep them free).
    func weightTiles() -> Int
    /// INP entries it needs for a tile of `vectors` vectors (at the top of the input buffer).
    func inputEntries(forTileVectors vectors: Int) -> Int
}

extension TileRequantizer {
    public func emit(
        into builder: inout StreamBuilder, tiles: [(tile: AccumulatorTile, firstBlock: Int)],
        resources: RequantResources
    ) {
        for (tile, firstBlock) in tiles {
            emit(into: &builder, tile: tile, firstBlock: firstBlock, resources: resources)
        }
    }

    public func weightTiles() -> Int { 0 }
    public func inputEntries(forTileVectors vectors: Int) -> Int { 0 }
}

/// SRAM and DRAM areas a layer hands its requantizer.
public struct RequantResources: Sendable {
    /// First free ACC index after the tile area.
    public var accumulatorBase: Int
    /// First free micro-op slot.
    public var microOpBase: Int
    public init(accumulatorBase: Int, microOpBase: Int) {
        self.accumulatorBase = accumulatorBase
        self.microOpBase = microOpBase
    }
}

/// Requantization by an arithmetic right shift, a zero point and a clamp: exact for the
/// power-of-two scales TVM supports, and the stand-in that tests the layer lowerings' indexing.
public struct ShiftRequantizer: TileRequantizer {
    public var shift: Int
    public var zeroPoint: Int
    public var minimum: Int
    public var maximum: Int

    public init(shift: Int, zeroPoint: Int, minimum: Int = -128, maximum: Int = 127) {
        self.shift = shift
        self.zeroPoint = zeroPoint
        self.minimum = minimum
        self.maximum = maximum
    }

    public func accumulatorWords(forTileVectors vectors: Int) -> Int { 0 }
    public var microOpSlots: Int { 1 }
    public func emitSetup(into builder: inout StreamBuilder, resources: RequantResources) {}

    public func emit(
        into b: inout StreamBuilder, tile: AccumulatorTile, firstBlock: Int, resources: RequantResources
    ) {
        let uop = b.loadKernel([MicroOp(dst: tile.base, src: tile.base)], at: resources.microOpBase)
        let loop = (
            iterOut: tile.rows, iterIn: tile.blocks, dst: (tile.rowStride, 1), src: (tile.rowStride, 1)
        )
        var remaining = shift
        while remaining > 0 {
            let step = min(remaining, b.config.portableShiftRange.upperBound)
            b.alu(
                .shr, uops: uop, iterOut: loop.iterOut, iterIn: loop.iterIn, dst: loop.dst, src: loop.src,
                immediate: step)
            remaining -= step
        }
        if zeroPoint != 0 {
            b.alu(
                .add, uops: uop, iterOut: loop.iterOut, iterIn: loop.iterIn, dst: loop.dst, src: loop.src,
                immediate: zeroPoint)
        }
        b.alu(
            .max, uops: uop, iterOut: loop.iterOut, iterIn: loop.iterIn, dst: loop.dst, src: loop.src,
            immediate: minimum)
        b.alu(
            .min, uops: uop, iterOut: loop.iterOut, iterIn: loop.iterIn, dst: loop.dst, src: loop.src,
            immediate: maximum)
    }
}
