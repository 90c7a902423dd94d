import Foundation

/// Why a set of `vta_config.json` values is not a configuration vtac can compile for.
/// Every case names the key at fault so the loader can point at the line to fix.
public enum HardwareConfigError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// An exponent outside what any VTA build could use.
    case outOfRange(key: String, value: Int, allowed: ClosedRange<Int>)
    /// vtac lowers int8 x int8 -> int32 only.
    case unsupportedDataWidth(key: String, value: Int, required: Int)
    /// The buffer cannot hold a single element.
    case bufferTooSmall(key: String, buffer: SRAMBuffer, bufferBytes: Int, elementBytes: Int)
    /// The buffer has more elements than the 16-bit `sram_base` can address.
    case bufferTooDeep(key: String, buffer: SRAMBuffer, depth: Int, maxDepth: Int)
    /// The index fields derived from the depths no longer fit the instruction or micro-op word.
    case fieldsDoNotFit(key: String, kind: String, field: InstructionField, neededBits: Int, wordBits: Int)

    /// The configuration key the problem is about.
    public var key: String {
        switch self {
        case .outOfRange(let key, _, _), .unsupportedDataWidth(let key, _, _),
            .bufferTooSmall(let key, _, _, _), .bufferTooDeep(let key, _, _, _),
            .fieldsDoNotFit(let key, _, _, _, _):
            key
        }
    }

    public var description: String {
        switch self {
        case .outOfRange(let key, let value, let allowed):
            "\(key) = \(value) is outside \(allowed.lowerBound)...\(allowed.upperBound)"
        case .unsupportedDataWidth(let key, let value, let required):
            "\(key) = \(value) (\(1 << value)-bit values), but vtac compiles int8 x int8 -> int32 only:"
                + " \(key) must be \(required)"
        case .bufferTooSmall(let key, let buffer, let bytes, let element):
            "\(key) gives the \(buffer) buffer \(bytes) bytes, less than one \(element)-byte element"
        case .bufferTooDeep(let key, let buffer, let depth, let maxDepth):
            "\(key) gives the \(buffer) buffer \(depth) elements, more than the \(maxDepth) a 16-bit"
                + " sram_base can address"
        case .fieldsDoNotFit(let key, let kind, let field, let needed, let word):
            "\(key) makes the \(kind) fields need \(needed) bits (field \(field) ends past bit \(word - 1)),"
                + " more than the \(word)-bit word: use a smaller buffer"
        }
    }

    public var errorDescription: String? { description }
}
