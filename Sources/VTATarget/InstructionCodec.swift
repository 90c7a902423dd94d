/// Encodes typed instructions and micro-ops to the exact upstream binary words, and back.
///
/// Instructions are 128-bit words stored as 16 little-endian bytes; micro-ops are 32-bit
/// little-endian words. Positions come from `HardwareConfig.layout`, so one codec serves any
/// configuration. Encoding refuses values that do not fit; decoding refuses unknown codes and
/// stray bits, so `decode(encode(x)) == x` and `encode(decode(b)) == b` whenever they succeed.
public struct InstructionCodec: Sendable {
    public let config: HardwareConfig

    public init(config: HardwareConfig) { self.config = config }

    private var layout: InstructionLayout { config.layout }

    // MARK: Instructions

    /// The instruction as a 128-bit word.
    public func encodeWord(
        _ instruction: Instruction, index: Int? = nil
    ) throws(InstructionEncodingError) -> InstructionWord {
        var writer = FieldWriter(
            layout: layout.layout(for: instruction.opcode), name: instruction.mnemonic, index: index)
        try writer.put(.opcode, instruction.opcode.rawValue)
        let deps = instruction.deps
        try writer.put(.popPrev, deps.contains(.popPrev) ? 1 : 0)
        try writer.put(.popNext, deps.contains(.popNext) ? 1 : 0)
        try writer.put(.pushPrev, deps.contains(.pushPrev) ? 1 : 0)
        try writer.put(.pushNext, deps.contains(.pushNext) ? 1 : 0)
        switch instruction {
        case .load(let m), .store(let m):
            try writer.put(.memoryType, m.memoryType.rawValue)
            try writer.put(.sramBase, m.sramBase)
            try writer.put(.dramBase, m.dramBase)
            try writer.put(.ySize, m.ySize)
            try writer.put(.xSize, m.xSize)
            try writer.put(.xStride, m.xStride)
            try writer.put(.yPad0, m.yPad0)
            try writer.put(.yPad1, m.yPad1)
            try writer.put(.xPad0, m.xPad0)
            try writer.put(.xPad1, m.xPad1)
        case .gemm(let g):
            try writer.put(.reset, g.reset ? 1 : 0)
            try writer.putLoop(g.loop)
            try writer.put(.wgtFactorOut, g.wgtFactorOut)
            try writer.put(.wgtFactorIn, g.wgtFactorIn)
        case .alu(let a):
            try writer.put(.reset, a.reset ? 1 : 0)
            try writer.putLoop(a.loop)
            try writer.put(.aluOpcode, a.opcode.rawValue)
            try writer.put(.useImm, a.useImmediate ? 1 : 0)
            try writer.put(.imm, a.immediate)
        case .finish:
            break
        }
        return writer.word
    }

    /// The instruction as 16 little-endian bytes.
    public func encode(
        _ instruction: Instruction, index: Int? = nil
    ) throws(InstructionEncodingError) -> [UInt8] {
        try encodeWord(instruction, index: index).bytes
    }

    /// A whole stream, instruction after instruction; errors carry the failing index.
    public func encode(stream: [Instruction]) throws(InstructionEncodingError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(stream.count * HardwareConfig.instructionBytes)
        for (index, instruction) in stream.enumerated() {
            bytes += try encode(instruction, index: index)
        }
        return bytes
    }

    /// Decodes one 128-bit word. `index` only labels errors.
    public func decode(word: InstructionWord, index: Int = 0) throws(InstructionDecodingError) -> Instruction
    {
        let rawOpcode = Int(word.bits(offset: 0, width: HardwareConfig.opcodeBits))
        guard let opcode = Opcode(rawValue: rawOpcode) else {
            throw .unknownOpcode(value: rawOpcode, index: index)
        }
        let fields = layout.layout(for: opcode)
        let reserved = fields.reservedMask
        if word.low & reserved.low != 0 || word.high & reserved.high != 0 {
            throw .reservedBitsSet(
                kind: opcode.mnemonic, low: word.low & reserved.low, high: word.high & reserved.high,
                index: index)
        }
        let reader = FieldReader(word: word, layout: fields)
        var deps: DependencyFlags = []
        if reader[.popPrev] == 1 { deps.insert(.popPrev) }
        if reader[.popNext] == 1 { deps.insert(.popNext) }
        if reader[.pushPrev] == 1 { deps.insert(.pushPrev) }
        if reader[.pushNext] == 1 { deps.insert(.pushNext) }
        switch opcode {
        case .load, .store:
            guard let type = MemoryType(rawValue: reader[.memoryType]) else {
                throw .unknownMemoryType(value: reader[.memoryType], index: index)
            }
            let m = MemoryInstruction(
                memoryType: type, sramBase: reader[.sramBase], dramBase: reader[.dramBase],
                ySize: reader[.ySize], xSize: reader[.xSize], xStride: reader[.xStride],
                yPad0: reader[.yPad0], yPad1: reader[.yPad1], xPad0: reader[.xPad0], xPad1: reader[.xPad1],
                deps: deps)
            return opcode == .load ? .load(m) : .store(m)
        case .gemm:
            return .gemm(
                GemmInstruction(
                    reset: reader[.reset] == 1, loop: reader.loop,
                    wgtFactorOut: reader[.wgtFactorOut], wgtFactorIn: reader[.wgtFactorIn], deps: deps))
        case .alu:
            guard let op = AluOpcode(rawValue: reader[.aluOpcode]) else {
                throw .unknownAluOpcode(value: reader[.aluOpcode], index: index)
            }
            return .alu(
                AluInstruction(
                    opcode: op, loop: reader.loop, useImmediate: reader[.useImm] == 1,
                    immediate: reader[.imm], reset: reader[.reset] == 1, deps: deps))
        case .finish:
            return .finish(FinishInstruction(deps: deps))
        }
    }

    /// Decodes one instruction from 16 bytes.
    public func decode<C: Collection>(
        _ bytes: C, index: Int = 0
    ) throws(InstructionDecodingError) -> Instruction
    where C.Element == UInt8 {
        guard bytes.count == HardwareConfig.instructionBytes else {
            throw .truncated(byteCount: bytes.count, wordBytes: HardwareConfig.instructionBytes)
        }
        return try decode(word: InstructionWord(bytes: bytes), index: index)
    }

    /// Decodes a whole stream.
    public func decode(stream bytes: [UInt8]) throws(InstructionDecodingError) -> [Instruction] {
        let size = HardwareConfig.instructionBytes
        guard bytes.count % size == 0 else { throw .truncated(byteCount: bytes.count, wordBytes: size) }
        var result: [Instruction] = []
        result.reserveCapacity(bytes.count / size)
        for index in 0..<(bytes.count / size) {
            result.append(try decode(bytes[(index * size)..<((index + 1) * size)], index: index))
        }
        return result
    }

    // MARK: Micro-ops

    /// The micro-op as a 32-bit word.
    public func encode(uop: MicroOp, index: Int? = nil) throws(InstructionEncodingError) -> UInt32 {
        var writer = FieldWriter(layout: layout.uop, name: "UOP", index: index)
        try writer.put(.dstIndex, uop.dst)
        try writer.put(.srcIndex, uop.src)
        try writer.put(.wgtIndex, uop.wgt)
        return UInt32(truncatingIfNeeded: writer.word.low)
    }

    /// Decodes a 32-bit micro-op word.
    public func decode(uop word: UInt32, index: Int = 0) throws(InstructionDecodingError) -> MicroOp {
        let reserved = layout.uop.reservedMask
        if UInt64(word) & reserved.low != 0 {
            throw .reservedBitsSet(kind: "UOP", low: UInt64(word) & reserved.low, high: 0, index: index)
        }
        let reader = FieldReader(word: InstructionWord(low: UInt64(word)), layout: layout.uop)
        return MicroOp(dst: reader[.dstIndex], src: reader[.srcIndex], wgt: reader[.wgtIndex])
    }

    /// Micro-ops as little-endian bytes, 4 per micro-op (the DRAM image a LOAD UOP reads).
    public func encode(uops: [MicroOp]) throws(InstructionEncodingError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(uops.count * HardwareConfig.uopBytes)
        for (index, uop) in uops.enumerated() {
            let word = try encode(uop: uop, index: index)
            for shift in stride(from: 0, to: HardwareConfig.uopBits, by: 8) {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt32(shift)))
            }
        }
        return bytes
    }

    /// Decodes a micro-op image.
    public func decode(uops bytes: [UInt8]) throws(InstructionDecodingError) -> [MicroOp] {
        let size = HardwareConfig.uopBytes
        guard bytes.count % size == 0 else { throw .truncated(byteCount: bytes.count, wordBytes: size) }
        var result: [MicroOp] = []
        result.reserveCapacity(bytes.count / size)
        for index in 0..<(bytes.count / size) {
            var word: UInt32 = 0
            for byte in 0..<size { word |= UInt32(bytes[index * size + byte]) << UInt32(8 * byte) }
            result.append(try decode(uop: word, index: index))
        }
        return result
    }

    /// Checks every field of an instruction against its width without producing bytes.
    public func validate(_ instruction: Instruction, index: Int? = nil) throws(InstructionEncodingError) {
        _ = try encodeWord(instruction, index: index)
    }
}

/// Writes range-checked values into a word.
private struct FieldWriter {
    let layout: FieldLayout
    let name: String
    let index: Int?
    var word = InstructionWord()

    init(layout: FieldLayout, name: String, index: Int?) {
        self.layout = layout
        self.name = name
        self.index = index
    }

    mutating func put(_ field: InstructionField, _ value: Int) throws(InstructionEncodingError) {
        let position = layout[field]
        guard position.valueRange.contains(value) else {
            throw .fieldOverflow(
                instruction: name, field: field, value: value, bits: position.width,
                allowed: position.valueRange, index: index)
        }
        word.setBits(UInt64(bitPattern: Int64(value)), offset: position.offset, width: position.width)
    }

    mutating func putLoop(_ loop: UopLoop) throws(InstructionEncodingError) {
        try put(.uopBegin, loop.uopBegin)
        try put(.uopEnd, loop.uopEnd)
        try put(.iterOut, loop.iterOut)
        try put(.iterIn, loop.iterIn)
        try put(.dstFactorOut, loop.dstFactorOut)
        try put(.dstFactorIn, loop.dstFactorIn)
        try put(.srcFactorOut, loop.srcFactorOut)
        try put(.srcFactorIn, loop.srcFactorIn)
    }
}

/// Reads fields out of a word, sign-extending signed ones.
private struct FieldReader {
    let word: InstructionWord
    let layout: FieldLayout

    subscript(field: InstructionField) -> Int {
        let position = layout[field]
        let raw = word.bits(offset: position.offset, width: position.width)
        if position.isSigned, position.width < 64, (raw >> UInt64(position.width - 1)) & 1 == 1 {
            return Int(Int64(bitPattern: raw | ~((UInt64(1) << UInt64(position.width)) - 1)))
        }
        return Int(Int64(bitPattern: raw))
    }

    var loop: UopLoop {
        UopLoop(
            uopBegin: self[.uopBegin], uopEnd: self[.uopEnd], iterOut: self[.iterOut], iterIn: self[.iterIn],
            dstFactorOut: self[.dstFactorOut], dstFactorIn: self[.dstFactorIn],
            srcFactorOut: self[.srcFactorOut], srcFactorIn: self[.srcFactorIn])
    }
}
