import Foundation

/// Reads and writes the `.npy` format (versions 1.0–3.0 read, 1.0 written, C order only).
/// Written files are byte-identical to what numpy's `np.save` writes for the same array, so
/// goldens can be compared as files.
public enum NPYFile {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    public static func read(path: String) throws(NPYError) -> NPYArray {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason =
                FileManager.default.fileExists(atPath: path) ? error.localizedDescription : "no such file"
            throw .cannotRead(path: path, reason: reason)
        }
        return try decode([UInt8](data), path: path)
    }

    public static func decode(_ bytes: [UInt8], path: String = "") throws(NPYError) -> NPYArray {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw .invalid(path: path, what: "missing the \\x93NUMPY magic")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw .invalid(path: path, what: "truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw .unsupported(path: path, what: "format version \(major).\(bytes[7])")
        }
        guard headerStart + headerLength <= bytes.count else {
            throw .invalid(path: path, what: "header of \(headerLength) bytes runs past the end of the file")
        }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        let parsed = try NPYHeader.parse(header, path: path)
        guard !parsed.fortranOrder else { throw .unsupported(path: path, what: "Fortran order") }
        guard let type = NPYType(rawValue: parsed.descr) else {
            throw .unsupported(path: path, what: "dtype '\(parsed.descr)' (vtac reads \(supportedTypes))")
        }
        let payload = Array(bytes[(headerStart + headerLength)...])
        let count = parsed.shape.reduce(1, *)
        let (expected, overflow) = count.multipliedReportingOverflow(by: type.byteSize)
        guard !overflow, payload.count == expected else {
            throw .invalid(
                path: path,
                what:
                    "shape \(parsed.shape) of \(type.name) needs \(expected) bytes of data, the file has \(payload.count)"
            )
        }
        do {
            return try NPYArray(type: type, shape: parsed.shape, bytes: payload)
        } catch {
            throw .invalid(path: path, what: error.description)
        }
    }

    /// The file contents numpy would write for `array`.
    public static func encode(_ array: NPYArray) -> [UInt8] {
        let shape: String
        switch array.shape.count {
        case 0: shape = "()"
        case 1: shape = "(\(array.shape[0]),)"
        default: shape = "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(array.type.rawValue)', 'fortran_order': False, 'shape': \(shape), }"
        // numpy pads with spaces so that magic + version + length + header is a multiple of 64,
        // the header ending in a newline.
        let unpadded = magic.count + 2 + 2 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = header.utf8.count
        return magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + array.bytes
    }

    /// Writes atomically: a reader never sees a half-written file, and a failure leaves none.
    public static func write(_ array: NPYArray, path: String) throws(NPYError) {
        do {
            try Data(encode(array)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    static var supportedTypes: String { NPYType.allCases.map(\.name).joined(separator: ", ") }
}

/// The Python-literal dictionary at the start of a `.npy` file.
struct NPYHeader {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    static func parse(_ text: String, path: String) throws(NPYError) -> NPYHeader {
        func field(_ key: String) -> Substring? {
            guard let range = text.range(of: "'\(key)':") else { return nil }
            return text[range.upperBound...].drop(while: { $0 == " " })
        }
        guard let descrText = field("descr"), descrText.first == "'",
            let end = descrText.dropFirst().firstIndex(of: "'")
        else { throw .invalid(path: path, what: "header has no 'descr'") }
        let descr = String(descrText[descrText.index(after: descrText.startIndex)..<end])
        guard let orderText = field("fortran_order") else {
            throw .invalid(path: path, what: "header has no 'fortran_order'")
        }
        let fortran = orderText.hasPrefix("True")
        guard fortran || orderText.hasPrefix("False") else {
            throw .invalid(path: path, what: "header's 'fortran_order' is neither True nor False")
        }
        guard let shapeText = field("shape"), shapeText.first == "(",
            let close = shapeText.firstIndex(of: ")")
        else { throw .invalid(path: path, what: "header has no 'shape'") }
        let inner = shapeText[shapeText.index(after: shapeText.startIndex)..<close]
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let value = Int(trimmed.hasSuffix("L") ? String(trimmed.dropLast()) : trimmed), value >= 0
            else {
                throw .invalid(path: path, what: "shape entry '\(trimmed)' is not a non-negative integer")
            }
            shape.append(value)
        }
        return NPYHeader(descr: descr, fortranOrder: fortran, shape: shape)
    }
}
