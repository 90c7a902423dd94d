/// The section kinds of a bundle (see BUNDLE_FORMAT.md).
public enum SectionKind: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case manifest = 1
    case bpfELF = 2
    case instructions = 3
    case uops = 4
    case constants = 5

    public var description: String {
        switch self {
        case .manifest: "MANIFEST"
        case .bpfELF: "BPF_ELF"
        case .instructions: "INSTRUCTIONS"
        case .uops: "UOPS"
        case .constants: "CONSTANTS"
        }
    }

    /// The alignment vtac writes the section with.
    var alignment: Int {
        switch self {
        case .manifest, .bpfELF: 8
        case .instructions, .uops, .constants: 4096
        }
    }
}

/// Why a bundle file was refused. Every message names the file.
public struct BundleError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var problem: String
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }
    public var description: String { "\(path): \(problem)" }
}

/// The container: sections by kind. Reading checks every rule of BUNDLE_FORMAT.md; writing
/// produces the canonical layout (sections in kind order, zero padding), so the same sections
/// always give the same bytes.
public struct BundleContainer: Equatable, Sendable {
    public static let magic: [UInt8] = Array("VTACCSD".utf8) + [0]
    public static let formatVersion: UInt32 = 1
    static let headerSize = 64
    static let entrySize = 32
    static let maxSections = 16

    public var sections: [SectionKind: [UInt8]]

    public init(sections: [SectionKind: [UInt8]]) { self.sections = sections }

    public func encode() -> [UInt8] {
        let kinds = SectionKind.allCases.filter { sections[$0] != nil }
        var offset = Self.headerSize + Self.entrySize * kinds.count
        var table: [UInt8] = []
        var body: [(offset: Int, bytes: [UInt8])] = []
        for kind in kinds {
            let bytes = sections[kind]!
            offset = (offset + kind.alignment - 1) / kind.alignment * kind.alignment
            table +=
                le32(kind.rawValue) + le32(UInt32(kind.alignment)) + le64(UInt64(offset))
                + le64(UInt64(bytes.count)) + le32(CRC32.checksum(bytes)) + le32(0)
            body.append((offset, bytes))
            offset += bytes.count
        }
        var header = Self.magic + le32(Self.formatVersion) + le32(UInt32(Self.headerSize))
        header += le32(UInt32(kinds.count)) + le32(0) + le64(UInt64(offset)) + le32(CRC32.checksum(table))
        header += le32(CRC32.checksum(header))
        header += [UInt8](repeating: 0, count: Self.headerSize - header.count)
        var file = header + table
        for (start, bytes) in body {
            file += [UInt8](repeating: 0, count: start - file.count)
            file += bytes
        }
        return file
    }

    /// Reads a bundle without trusting it.
    public static func decode(_ file: [UInt8], path: String) throws(BundleError) -> BundleContainer {
        func fail(_ problem: String) -> BundleError { BundleError(path: path, problem: problem) }
        guard file.count >= headerSize else {
            throw fail("\(file.count) bytes is too short for a bundle header (\(headerSize) bytes)")
        }
        guard Array(file[0..<8]) == magic else { throw fail("not a vtac bundle (bad magic)") }
        let version = u32(file, 8)
        guard version == formatVersion else {
            throw fail(
                "bundle format version \(version) is not supported (this vtac reads version \(formatVersion))"
            )
        }
        guard u32(file, 12) == UInt32(headerSize) else {
            throw fail("header size \(u32(file, 12)) is not \(headerSize)")
        }
        guard CRC32.checksum(file[0..<36]) == u32(file, 36) else { throw fail("header checksum mismatch") }
        let count = Int(u32(file, 16))
        guard count >= 1 && count <= maxSections else {
            throw fail("\(count) sections (1 to \(maxSections) allowed)")
        }
        guard u64(file, 24) == UInt64(file.count) else {
            throw fail(
                "the header says \(u64(file, 24)) bytes but the file has \(file.count): truncated or padded")
        }
        let tableEnd = headerSize + entrySize * count
        guard tableEnd <= file.count else { throw fail("the section table runs past the end of the file") }
        guard CRC32.checksum(file[headerSize..<tableEnd]) == u32(file, 32) else {
            throw fail("section table checksum mismatch")
        }
        var sections: [SectionKind: [UInt8]] = [:]
        var previousEnd = UInt64(tableEnd)
        for i in 0..<count {
            let at = headerSize + entrySize * i
            guard let kind = SectionKind(rawValue: u32(file, at)) else {
                throw fail("section \(i) has unknown kind \(u32(file, at))")
            }
            let alignment = UInt64(u32(file, at + 4))
            let offset = u64(file, at + 8)
            let size = u64(file, at + 16)
            guard alignment >= 8 && alignment <= 65536 && alignment & (alignment - 1) == 0 else {
                throw fail("section \(kind) has alignment \(alignment) (a power of two from 8 to 65536)")
            }
            guard offset % alignment == 0 else {
                throw fail("section \(kind) at \(offset) is not \(alignment)-aligned")
            }
            guard offset >= previousEnd else {
                throw fail("section \(kind) overlaps the table or the section before it")
            }
            guard u32(file, at + 28) == 0 else { throw fail("section \(kind) has nonzero reserved bits") }
            guard size <= UInt64(file.count) && offset <= UInt64(file.count) - size else {
                throw fail("section \(kind) (\(size) bytes at \(offset)) runs past the end of the file")
            }
            guard sections[kind] == nil else { throw fail("section \(kind) appears twice") }
            let bytes = Array(file[Int(offset)..<Int(offset + size)])
            guard CRC32.checksum(bytes) == u32(file, at + 24) else {
                throw fail("section \(kind) checksum mismatch")
            }
            guard file[Int(previousEnd)..<Int(offset)].allSatisfy({ $0 == 0 }) else {
                throw fail("nonzero bytes in the padding before section \(kind)")
            }
            sections[kind] = bytes
            previousEnd = offset + size
        }
        guard previousEnd == UInt64(file.count) else { throw fail("bytes after the last section") }
        guard u32(file, 20) == 0, file[40..<64].allSatisfy({ $0 == 0 }) else {
            throw fail("nonzero flags or reserved header bytes")
        }
        guard sections[.manifest] != nil else { throw fail("the bundle has no MANIFEST section") }
        return BundleContainer(sections: sections)
    }
}

private func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
private func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
private func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
    (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * $1) }
}
private func u64(_ b: [UInt8], _ at: Int) -> UInt64 {
    (0..<8).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * $1) }
}
