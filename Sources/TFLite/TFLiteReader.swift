import CTFLiteReader
import Foundation

/// Reads `.tflite` files. The flatbuffers Verifier runs over the whole file before any field is
/// read; after that every index is checked against its table and every constant buffer against
/// its tensor's shape, so that the values returned can be trusted by later stages.
public enum TFLiteReader {
    /// Reads and validates the model at `path`.
    public static func read(path: String) throws(TFLiteError) -> TFLiteModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .cannotRead(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw .cannotRead(path: path, reason: "it is a directory") }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .cannotRead(path: path, reason: error.localizedDescription)
        }
        return try read(bytes: bytes, path: path)
    }

    /// Reads and validates a model held in memory; `path` is used only in messages.
    public static func read(bytes: [UInt8], path: String) throws(TFLiteError) -> TFLiteModel {
        if bytes.isEmpty { throw .empty(path: path) }
        let result: Result<TFLiteModel, TFLiteError> = bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            switch tfl_verify(base, buffer.count) {
            case TFL_VERIFY_OK: break
            case TFL_VERIFY_TOO_SMALL: return .failure(.tooSmall(path: path, size: buffer.count))
            case TFL_VERIFY_TOO_LARGE: return .failure(.tooLarge(path: path, size: buffer.count))
            case TFL_VERIFY_BAD_IDENTIFIER:
                return .failure(.wrongIdentifier(path: path, found: identifierText(bytes)))
            case TFL_VERIFY_ROOT_OUT_OF_RANGE: return .failure(.truncated(path: path, size: buffer.count))
            default: return .failure(.verificationFailed(path: path))
            }
            var decoder = ModelDecoder(base: base, fileSize: buffer.count, path: path)
            return Result { () throws(TFLiteError) in try decoder.decode() }
        }
        return try result.get()
    }

    /// The four identifier bytes, printable for an error message.
    private static func identifierText(_ bytes: [UInt8]) -> String {
        let id = bytes.count >= 8 ? Array(bytes[4..<8]) : []
        if id.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return "\"" + String(decoding: id, as: UTF8.self) + "\""
        }
        return id.map { String(format: "%02x", $0) }.joined(separator: " ")
    }
}
