/// Where one field lives in an instruction or micro-op word.
public struct BitField: Sendable, Hashable, CustomStringConvertible {
    public let field: InstructionField
    /// Bit offset from bit 0 (the least significant bit of byte 0).
    public let offset: Int
    public let width: Int
    /// Two's complement (only the ALU immediate).
    public let isSigned: Bool

    public init(field: InstructionField, offset: Int, width: Int, isSigned: Bool = false) {
        self.field = field
        self.offset = offset
        self.width = width
        self.isSigned = isSigned
    }

    /// One past the last bit.
    public var end: Int { offset + width }

    /// The values this field can hold.
    public var valueRange: ClosedRange<Int> {
        // Int is 64-bit: the widest representable unsigned field is 63 bits.
        let bits = min(width, Int.bitWidth - 1)
        if isSigned {
            return -(1 << (bits - 1))...((1 << (bits - 1)) - 1)
        }
        return 0...((1 << bits) - 1)
    }

    public var description: String { "\(field) @\(offset):\(width)" }
}

/// The ordered fields of one instruction kind (or of the micro-op) with their positions.
public struct FieldLayout: Sendable, Hashable {
    /// Fields in declaration order, LSB first.
    public let fields: [BitField]
    /// Size of the word the fields live in (128 for instructions, 32 for micro-ops).
    public let wordBits: Int

    /// One past the highest bit any field occupies.
    public var usedBits: Int { fields.map(\.end).max() ?? 0 }

    /// The field's position. Asking for a field this kind does not have is a programming error.
    public subscript(field: InstructionField) -> BitField {
        guard let found = fields.first(where: { $0.field == field }) else {
            preconditionFailure("layout has no field \(field)")
        }
        return found
    }

    public func contains(_ field: InstructionField) -> Bool { fields.contains { $0.field == field } }

    /// Packs fields the way a C compiler lays out bit-fields of an integer of `unitBits`:
    /// in order from bit 0, except that a field which would straddle a unit boundary starts at
    /// the next unit. This is the "bit-64 rule" that explains the gaps in the upstream tables.
    public static func packed(
        _ fields: [(InstructionField, Int, Bool)], unitBits: Int, wordBits: Int
    ) -> FieldLayout {
        var offset = 0
        var placed: [BitField] = []
        for (field, width, signed) in fields {
            if width <= unitBits, offset % unitBits + width > unitBits {
                offset += unitBits - offset % unitBits
            }
            placed.append(BitField(field: field, offset: offset, width: width, isSigned: signed))
            offset += width
        }
        return FieldLayout(fields: placed, wordBits: wordBits)
    }

    /// A mask of the bits no field claims, as (low, high) 64-bit halves of the word. Decoding
    /// insists these are zero so that decoding and encoding are exact inverses.
    public var reservedMask: (low: UInt64, high: UInt64) {
        var word = InstructionWord(low: .max, high: wordBits > 64 ? .max : 0)
        if wordBits < 64 { word.low = (UInt64(1) << UInt64(wordBits)) - 1 }
        for field in fields { word.clear(offset: field.offset, width: field.width) }
        return (word.low, word.high)
    }
}

/// The bit layout of every instruction kind and of the micro-op for one configuration.
///
/// Nothing here is a table: every position follows from the field order (upstream `hw_spec.h`)
/// and the widths `HardwareConfig` derives, so cloud-sized cores get correct layouts too.
public struct InstructionLayout: Sendable, Hashable {
    /// LOAD and STORE (`VTAMemInsn`).
    public let memory: FieldLayout
    /// GEMM (`VTAGemInsn`).
    public let gemm: FieldLayout
    /// ALU (`VTAAluInsn`).
    public let alu: FieldLayout
    /// FINISH: the common header only (`VTAGenericInsn`).
    public let finish: FieldLayout
    /// The 32-bit micro-op (`VTAUop`).
    public let uop: FieldLayout

    /// The layout of an instruction kind.
    public func layout(for opcode: Opcode) -> FieldLayout {
        switch opcode {
        case .load, .store: memory
        case .gemm: gemm
        case .alu: alu
        case .finish: finish
        }
    }

    init(_ c: LayoutInputs) {
        typealias H = HardwareConfig
        let header: [(InstructionField, Int, Bool)] = [
            (.opcode, H.opcodeBits, false), (.popPrev, 1, false), (.popNext, 1, false),
            (.pushPrev, 1, false), (.pushNext, 1, false),
        ]
        let loops: [(InstructionField, Int, Bool)] = [
            (.reset, 1, false),
            (.uopBegin, c.logDepth(.uop), false),
            (.uopEnd, c.logDepth(.uop) + 1, false),
            (.iterOut, H.loopIterationBits, false),
            (.iterIn, H.loopIterationBits, false),
            (.dstFactorOut, c.logDepth(.accumulator), false),
            (.dstFactorIn, c.logDepth(.accumulator), false),
        ]
        let unit = H.layoutUnitBits
        let word = H.instructionBits
        memory = .packed(
            header + [
                (.memoryType, H.memoryTypeBits, false),
                (.sramBase, H.sramAddressBits, false),
                (.dramBase, H.dramAddressBits, false),
                (.ySize, H.transferSizeBits, false),
                (.xSize, H.transferSizeBits, false),
                (.xStride, H.strideBits, false),
                (.yPad0, H.paddingBits, false),
                (.yPad1, H.paddingBits, false),
                (.xPad0, H.paddingBits, false),
                (.xPad1, H.paddingBits, false),
            ], unitBits: unit, wordBits: word)
        gemm = .packed(
            header + loops + [
                (.srcFactorOut, c.logDepth(.input), false),
                (.srcFactorIn, c.logDepth(.input), false),
                (.wgtFactorOut, c.logDepth(.weight), false),
                (.wgtFactorIn, c.logDepth(.weight), false),
            ], unitBits: unit, wordBits: word)
        alu = .packed(
            header + loops + [
                (.srcFactorOut, c.logDepth(.accumulator), false),
                (.srcFactorIn, c.logDepth(.accumulator), false),
                (.aluOpcode, H.aluOpcodeBits, false),
                (.useImm, 1, false),
                (.imm, H.immediateBits, true),
            ], unitBits: unit, wordBits: word)
        finish = .packed(header, unitBits: unit, wordBits: word)
        uop = .packed(
            [
                (.dstIndex, c.logDepth(.accumulator), false),
                (.srcIndex, c.uopSourceIndexBits, false),
                (.wgtIndex, c.logDepth(.weight), false),
            ], unitBits: H.uopBits, wordBits: H.uopBits)
    }
}
