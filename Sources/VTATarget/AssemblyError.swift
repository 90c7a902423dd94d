import Foundation

/// A problem in assembly text. Every case carries the 1-based line number.
public enum AssemblyError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    case unknownMnemonic(line: Int, found: String)
    /// LOAD/STORE need a memory type and ALU an operation right after the mnemonic.
    case missingOperand(line: Int, mnemonic: String, expected: String)
    case unknownOperand(line: Int, mnemonic: String, found: String, expected: [String])
    case malformedToken(line: Int, token: String)
    case unknownField(line: Int, mnemonic: String, field: String, allowed: [String])
    case duplicateField(line: Int, field: String)
    case missingField(line: Int, mnemonic: String, field: String)
    case badValue(line: Int, field: String, value: String, expected: String)
    /// A value that does not fit its field in the configuration the text is assembled for.
    case valueOutOfRange(line: Int, field: InstructionField, value: Int, allowed: ClosedRange<Int>)
    /// A UOP line in an instruction listing, or an instruction in a micro-op listing.
    case wrongListing(line: Int, found: String, expected: String)

    public var line: Int {
        switch self {
        case .unknownMnemonic(let line, _), .missingOperand(let line, _, _),
            .unknownOperand(let line, _, _, _),
            .malformedToken(let line, _), .unknownField(let line, _, _, _), .duplicateField(let line, _),
            .missingField(let line, _, _), .badValue(let line, _, _, _), .valueOutOfRange(let line, _, _, _),
            .wrongListing(let line, _, _):
            line
        }
    }

    public var description: String {
        let problem: String
        switch self {
        case .unknownMnemonic(_, let found):
            problem = "unknown mnemonic '\(found)' (expected LOAD, STORE, GEMM, ALU, FINISH or UOP)"
        case .missingOperand(_, let mnemonic, let expected):
            problem = "\(mnemonic) needs \(expected) right after the mnemonic"
        case .unknownOperand(_, let mnemonic, let found, let expected):
            problem =
                "\(mnemonic): unknown operand '\(found)' (expected one of \(expected.joined(separator: ", ")))"
        case .malformedToken(_, let token):
            problem = "'\(token)' is not of the form field=value (no spaces inside a value)"
        case .unknownField(_, let mnemonic, let field, let allowed):
            problem = "\(mnemonic) has no field '\(field)' (fields: \(allowed.joined(separator: ", ")))"
        case .duplicateField(_, let field):
            problem = "field '\(field)' is given twice"
        case .missingField(_, let mnemonic, let field):
            problem = "\(mnemonic) is missing field '\(field)'"
        case .badValue(_, let field, let value, let expected):
            problem = "field '\(field)': '\(value)' is not \(expected)"
        case .valueOutOfRange(_, let field, let value, let allowed):
            problem =
                "\(field) = \(value) does not fit its field (\(allowed.lowerBound)...\(allowed.upperBound))"
        case .wrongListing(_, let found, let expected):
            problem = "\(found) does not belong here: this listing holds \(expected)"
        }
        return "line \(line): \(problem)"
    }

    public var errorDescription: String? { description }
}
