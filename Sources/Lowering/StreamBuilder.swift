import VTATarget

/// A dram_base field that the runtime relocates: instruction `instruction` addresses
/// `region` at `elementOffset` elements of its memory type.
public struct Relocation: Sendable, Hashable {
    public var instruction: Int
    public var region: StreamRegion
    public var elementOffset: Int
    public var memoryType: MemoryType
}

/// Writes one segment's instruction stream in sequential order, working out what every
/// instruction reads and writes (so the token pass can order them), deduplicating micro-op
/// kernels into the segment's micro-op image, and recording every relocation.
///
/// DRAM addresses are given as (region, byte offset); the builder turns them into element
/// offsets of the instruction's memory type, which must divide them.
public struct StreamBuilder {
    public let config: HardwareConfig
    public private(set) var instructions: [Instruction] = []
    public private(set) var accesses: [[MemoryAccess]] = []
    public private(set) var relocations: [Relocation] = []
    /// The micro-ops this segment loads, as they sit in the `uops` region.
    public private(set) var uopImage: [MicroOp] = []
    private var kernelOffsets: [[MicroOp]: Int] = [:]
    /// What each micro-op SRAM slot holds, as loaded so far.
    private var uopSRAM: [Int: MicroOp] = [:]

    public init(config: HardwareConfig) { self.config = config }

    // MARK: - Micro-ops

    /// Loads `kernel` into micro-op SRAM at `sram` (reusing an identical kernel already in the
    /// image) and returns the slot range GEMM/ALU name. A kernel already resident at `sram`
    /// is not loaded again.
    @discardableResult
    public mutating func loadKernel(_ kernel: [MicroOp], at sram: Int) -> Range<Int> {
        if kernel.indices.allSatisfy({ uopSRAM[sram + $0] == kernel[$0] }) {
            return sram..<(sram + kernel.count)
        }
        let offset: Int
        if let existing = kernelOffsets[kernel] {
            offset = existing
        } else {
            offset = uopImage.count
            uopImage += kernel
            kernelOffsets[kernel] = offset
        }
        let size = config.dramElementBytes(.uop)
        load(
            .uop, sram: sram, region: .uops, byteOffset: offset * size, rows: 1, columns: kernel.count,
            stride: kernel.count)
        for (i, uop) in kernel.enumerated() { uopSRAM[sram + i] = uop }
        return sram..<(sram + kernel.count)
    }

    // MARK: - Transfers

    /// LOAD of `rows` × `columns` elements from DRAM (`stride` elements between rows) into SRAM
    /// from `sram`, with zero padding (top, bottom, left, right) where the memory type allows it.
    public mutating func load(
        _ type: MemoryType, sram: Int, region: StreamRegion, byteOffset: Int, rows: Int, columns: Int,
        stride: Int,
        pad: (top: Int, bottom: Int, left: Int, right: Int) = (0, 0, 0, 0)
    ) {
        let element = config.dramElementBytes(type)
        precondition(byteOffset % element == 0, "a \(type) transfer must start on an element boundary")
        let instruction = MemoryInstruction(
            memoryType: type, sramBase: sram, dramBase: byteOffset / element, ySize: rows, xSize: columns,
            xStride: stride, yPad0: pad.top, yPad1: pad.bottom, xPad0: pad.left, xPad1: pad.right)
        let buffer = Self.buffer(of: type)
        relocations.append(
            Relocation(
                instruction: instructions.count, region: region, elementOffset: byteOffset / element,
                memoryType: type))
        instructions.append(.load(instruction))
        accesses.append([
            .writes(.sram(buffer), sram..<(sram + instruction.paddedElementCount)),
            .reads(.dram(region), Self.span(byteOffset, rows, columns, stride, element)),
        ])
    }

    /// STORE of `rows` × `columns` OUT elements from SRAM (accumulator indices from `sram`).
    public mutating func store(
        sram: Int, region: StreamRegion, byteOffset: Int, rows: Int, columns: Int, stride: Int
    ) {
        let element = config.dramElementBytes(.output)
        precondition(byteOffset % element == 0, "a STORE must start on an element boundary")
        relocations.append(
            Relocation(
                instruction: instructions.count, region: region, elementOffset: byteOffset / element,
                memoryType: .output))
        instructions.append(
            .store(
                MemoryInstruction(
                    memoryType: .output, sramBase: sram, dramBase: byteOffset / element, ySize: rows,
                    xSize: columns,
                    xStride: stride)))
        accesses.append([
            .reads(.sram(.accumulator), sram..<(sram + rows * columns)),
            .writes(.dram(region), Self.span(byteOffset, rows, columns, stride, element)),
        ])
    }

    // MARK: - Compute

    /// GEMM over micro-op slots `uops` (already loaded); indices advance by the factors.
    public mutating func gemm(
        uops: Range<Int>, iterOut: Int, iterIn: Int, dst: (out: Int, in: Int), src: (out: Int, in: Int),
        wgt: (out: Int, in: Int), reset: Bool = false
    ) {
        let loop = UopLoop(
            uopBegin: uops.lowerBound, uopEnd: uops.upperBound, iterOut: iterOut, iterIn: iterIn,
            dstFactorOut: dst.out,
            dstFactorIn: dst.in, srcFactorOut: src.out, srcFactorIn: src.in)
        instructions.append(
            .gemm(GemmInstruction(reset: reset, loop: loop, wgtFactorOut: wgt.out, wgtFactorIn: wgt.in)))
        var access: [MemoryAccess] = [.reads(.sram(.uop), uops)]
        access.append(.writes(.sram(.accumulator), indexRange(uops, loop, \.dst, dst)))
        if !reset {
            access.append(.reads(.sram(.accumulator), indexRange(uops, loop, \.dst, dst)))
            access.append(.reads(.sram(.input), indexRange(uops, loop, \.src, src)))
            access.append(.reads(.sram(.weight), indexRange(uops, loop, \.wgt, wgt)))
        }
        accesses.append(access)
    }

    /// ALU op over micro-op slots `uops`: acc[dst] = op(acc[dst], immediate or acc[src]).
    public mutating func alu(
        _ op: AluOpcode, uops: Range<Int>, iterOut: Int, iterIn: Int, dst: (out: Int, in: Int),
        src: (out: Int, in: Int),
        immediate: Int? = nil
    ) {
        let loop = UopLoop(
            uopBegin: uops.lowerBound, uopEnd: uops.upperBound, iterOut: iterOut, iterIn: iterIn,
            dstFactorOut: dst.out,
            dstFactorIn: dst.in, srcFactorOut: src.out, srcFactorIn: src.in)
        instructions.append(
            .alu(
                AluInstruction(
                    opcode: op, loop: loop, useImmediate: immediate != nil, immediate: immediate ?? 0)))
        let dstRange = indexRange(uops, loop, \.dst, dst)
        var access: [MemoryAccess] = [
            .reads(.sram(.uop), uops), .reads(.sram(.accumulator), dstRange),
            .writes(.sram(.accumulator), dstRange),
        ]
        if immediate == nil { access.append(.reads(.sram(.accumulator), indexRange(uops, loop, \.src, src))) }
        accesses.append(access)
    }

    // MARK: - Helpers

    /// The smallest index range a loop touches through one micro-op field.
    private func indexRange(
        _ uops: Range<Int>, _ loop: UopLoop, _ field: KeyPath<MicroOp, Int>, _ factors: (out: Int, in: Int)
    ) -> Range<Int> {
        let bases = uops.map { uopSRAM[$0]?[keyPath: field] ?? 0 }
        let lo =
            (bases.min() ?? 0) + min(0, (loop.iterOut - 1) * factors.out)
            + min(0, (loop.iterIn - 1) * factors.in)
        let hi =
            (bases.max() ?? 0) + max(0, (loop.iterOut - 1) * factors.out)
            + max(0, (loop.iterIn - 1) * factors.in)
        return lo..<(hi + 1)
    }

    static func buffer(of type: MemoryType) -> SRAMBuffer {
        switch type {
        case .uop: .uop
        case .weight: .weight
        case .input: .input
        case .accumulator, .acc8Bit, .output: .accumulator
        }
    }

    static func span(_ offset: Int, _ rows: Int, _ columns: Int, _ stride: Int, _ element: Int) -> Range<Int>
    {
        guard rows > 0 && columns > 0 else { return offset..<offset }
        return offset..<(offset + ((rows - 1) * stride + columns) * element)
    }
}
