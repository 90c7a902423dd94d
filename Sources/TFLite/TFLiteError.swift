/// Why a model file was refused. Every case names the file, so that a message printed on its own
/// line tells the user which input is wrong and how.
public enum TFLiteError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotRead(path: String, reason: String)
    case empty(path: String)
    case tooSmall(path: String, size: Int)
    case tooLarge(path: String, size: Int)
    case wrongIdentifier(path: String, found: String)
    case truncated(path: String, size: Int)
    case verificationFailed(path: String)
    case unsupportedSchemaVersion(path: String, version: UInt32)
    case noSubgraphs(path: String)
    case invalid(path: String, what: String)

    public var path: String {
        switch self {
        case .cannotRead(let p, _), .empty(let p), .tooSmall(let p, _), .tooLarge(let p, _),
            .wrongIdentifier(let p, _), .truncated(let p, _), .verificationFailed(let p),
            .unsupportedSchemaVersion(let p, _), .noSubgraphs(let p), .invalid(let p, _):
            p
        }
    }

    public var description: String {
        switch self {
        case .cannotRead(let path, let reason): "\(path): cannot read the file: \(reason)"
        case .empty(let path): "\(path): the file is empty, not a TFLite model"
        case .tooSmall(let path, let size):
            "\(path): \(size) bytes is too short to be a TFLite model (a flatbuffer header alone is 8)"
        case .tooLarge(let path, let size):
            "\(path): \(size) bytes is over the 2 GiB a TFLite flatbuffer can address"
        case .wrongIdentifier(let path, let found):
            "\(path): not a TFLite model: file identifier is \(found), expected \"TFL3\""
        case .truncated(let path, let size):
            "\(path): the file is truncated: its root table lies beyond its \(size) bytes"
        case .verificationFailed(let path):
            "\(path): the flatbuffer failed verification (the file is truncated or corrupt)"
        case .unsupportedSchemaVersion(let path, let version):
            "\(path): unsupported TFLite schema version \(version) (vtac reads version 3)"
        case .noSubgraphs(let path): "\(path): the model has no subgraph"
        case .invalid(let path, let what): "\(path): \(what)"
        }
    }
}
