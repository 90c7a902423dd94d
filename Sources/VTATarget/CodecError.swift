import Foundation

/// Why an instruction or micro-op cannot be encoded for a configuration.
public enum InstructionEncodingError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// A value does not fit its field. `index` is the position in the stream (or uop array)
    /// when encoding many.
    case fieldOverflow(
        instruction: String, field: InstructionField, value: Int, bits: Int, allowed: ClosedRange<Int>,
        index: Int?)

    public var description: String {
        switch self {
        case .fieldOverflow(let instruction, let field, let value, let bits, let allowed, let index):
            let at = index.map { "\(instruction) at index \($0)" } ?? instruction
            return "\(at): \(field) = \(value) does not fit its \(bits)-bit field"
                + " (\(allowed.lowerBound)...\(allowed.upperBound))"
        }
    }

    public var errorDescription: String? { description }
}

/// Why bytes are not a valid instruction or micro-op stream.
public enum InstructionDecodingError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// The byte count is not a multiple of the word size.
    case truncated(byteCount: Int, wordBytes: Int)
    case unknownOpcode(value: Int, index: Int)
    case unknownMemoryType(value: Int, index: Int)
    case unknownAluOpcode(value: Int, index: Int)
    /// Bits that no field of this kind owns are set: the word was not produced by an encoder
    /// for this configuration (or is corrupt).
    case reservedBitsSet(kind: String, low: UInt64, high: UInt64, index: Int)

    public var description: String {
        switch self {
        case .truncated(let count, let word):
            "\(count) bytes is not a whole number of \(word)-byte words"
        case .unknownOpcode(let value, let index):
            "word \(index): unknown opcode \(value) (LOAD 0, STORE 1, GEMM 2, FINISH 3, ALU 4)"
        case .unknownMemoryType(let value, let index):
            "word \(index): unknown memory type \(value) (UOP 0, WGT 1, INP 2, ACC 3, OUT 4, ACC_8BIT 5)"
        case .unknownAluOpcode(let value, let index):
            "word \(index): unknown ALU opcode \(value) (MIN 0, MAX 1, ADD 2, SHR 3, MUL 4)"
        case .reservedBitsSet(let kind, let low, let high, let index):
            "word \(index): \(kind) has bits set outside its fields (reserved mask bits"
                + " high=0x\(String(high, radix: 16)) low=0x\(String(low, radix: 16)))"
        }
    }

    public var errorDescription: String? { description }
}
