import Foundation

/// Why a target folder could not be loaded. Every case names the file, and the key when one
/// key is at fault, so the message says exactly what to edit.
public enum TargetLoadError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// No `<root>/<name>/` folder in any of the searched roots.
    case targetNotFound(name: String, searched: [String], available: [String])
    /// A target name that is not a plain folder name.
    case invalidName(name: String)
    case unreadableFile(path: String, reason: String)
    case malformedJSON(path: String, reason: String)
    case missingKey(path: String, key: String)
    case wrongType(path: String, key: String, expected: String, found: String)
    case invalidValue(path: String, key: String, reason: String)
    /// A key vtac does not know in its own `target.json` (probably a typo).
    case unknownKey(path: String, key: String, known: [String])

    public var description: String {
        switch self {
        case .targetNotFound(let name, let searched, let available):
            let list = available.isEmpty ? "none" : available.joined(separator: ", ")
            return
                "no target named '\(name)' (searched \(searched.joined(separator: ", ")); available: \(list))"
        case .invalidName(let name):
            return "'\(name)' is not a target name: use the name of a folder under Schedules/"
        case .unreadableFile(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .malformedJSON(let path, let reason):
            return "\(path): not valid JSON: \(reason)"
        case .missingKey(let path, let key):
            return "\(path): missing key \"\(key)\""
        case .wrongType(let path, let key, let expected, let found):
            return "\(path): key \"\(key)\" must be \(expected), found \(found)"
        case .invalidValue(let path, let key, let reason):
            return "\(path): key \"\(key)\": \(reason)"
        case .unknownKey(let path, let key, let known):
            return "\(path): unknown key \"\(key)\" (known keys: \(known.joined(separator: ", ")))"
        }
    }

    public var errorDescription: String? { description }

    /// The file the problem is in, when there is one.
    public var path: String? {
        switch self {
        case .targetNotFound, .invalidName: nil
        case .unreadableFile(let path, _), .malformedJSON(let path, _), .missingKey(let path, _),
            .wrongType(let path, _, _, _), .invalidValue(let path, _, _), .unknownKey(let path, _, _):
            path
        }
    }
}
