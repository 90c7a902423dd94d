// Reads back what the disassembler needs from a relocatable eBPF object (ours or clang's):
// the code section the Alkali loader would run, its relocations and its symbols. Untrusted
// input: every offset is checked, and failures say what is wrong.

/// Why an object cannot be read.
public enum EBPFObjectReadError: Error, Equatable, Sendable, CustomStringConvertible {
    case notELF
    case unsupported(String)
    case truncated(String)
    case noCode

    public var description: String {
        switch self {
        case .notELF: return "not an ELF file (bad magic)"
        case .unsupported(let what): return "unsupported ELF object: \(what)"
        case .truncated(let what): return "truncated ELF object: \(what)"
        case .noCode: return "no code section (PROGBITS with flags exactly alloc+exec)"
        }
    }
}

/// A relocation applied to the code.
public struct EBPFRelocation: Equatable, Sendable {
    /// Byte offset in the code section.
    public var offset: UInt64
    /// The relocation type (10: R_BPF_64_32, a helper call; 1: R_BPF_64_64, a lddw address).
    public var type: UInt32
    /// The symbol's name (a section symbol's is its section's name).
    public var symbol: String

    public init(offset: UInt64, type: UInt32, symbol: String) {
        self.offset = offset
        self.type = type
        self.symbol = symbol
    }

    /// The type's name as llvm-objdump prints it.
    public var typeName: String {
        switch type {
        case 0: "R_BPF_NONE"
        case 1: "R_BPF_64_64"
        case 2: "R_BPF_64_ABS64"
        case 3: "R_BPF_64_ABS32"
        case 4: "R_BPF_64_NODYLD32"
        case 10: "R_BPF_64_32"
        default: "R_BPF_\(type)"
        }
    }
}

/// A symbol defined in the code section (a function or a label).
public struct EBPFCodeSymbol: Equatable, Sendable {
    public var name: String
    /// Byte offset in the code section.
    public var offset: UInt64

    public init(name: String, offset: UInt64) {
        self.name = name
        self.offset = offset
    }
}

/// The code of a relocatable eBPF object.
public struct EBPFObject: Equatable, Sendable {
    /// The name of the code section (`.text` for clang's objects and ours).
    public var codeSectionName: String
    /// The code section's bytes, unrelocated.
    public var code: [UInt8]
    /// Relocations of the code section, in file order.
    public var relocations: [EBPFRelocation]
    /// Named symbols defined in the code section, by offset then name.
    public var symbols: [EBPFCodeSymbol]

    public init(
        codeSectionName: String, code: [UInt8], relocations: [EBPFRelocation], symbols: [EBPFCodeSymbol]
    ) {
        self.codeSectionName = codeSectionName
        self.code = code
        self.relocations = relocations
        self.symbols = symbols
    }

    /// Parses `bytes`: the first PROGBITS section flagged exactly alloc+exec (the one the
    /// Alkali loader runs), the REL sections aimed at it, and the symbols defined in it.
    public init(parsing bytes: [UInt8]) throws(EBPFObjectReadError) {
        func u(_ at: Int, _ n: Int) -> UInt64 {
            (0..<n).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
        }
        func inFile(_ offset: UInt64, _ size: UInt64) -> Bool {
            offset <= UInt64(bytes.count) && size <= UInt64(bytes.count) - offset
        }
        guard bytes.count >= 4, bytes[0..<4] == [0x7F, 0x45, 0x4C, 0x46] else { throw .notELF }
        guard bytes.count >= ELF.headerSize else { throw .truncated("the ELF header is cut short") }
        guard bytes[4] == ELF.classELF64 else { throw .unsupported("not ELFCLASS64") }
        guard bytes[5] == ELF.dataLSB else { throw .unsupported("not little-endian") }
        let shoff = u(0x28, 8), shentsize = u(0x3A, 2), shnum = Int(u(0x3C, 2)), shstrndx = Int(u(0x3E, 2))
        guard shentsize >= UInt64(ELF.sectionHeaderSize) || shnum == 0 else {
            throw .unsupported("section headers of \(shentsize) bytes")
        }
        struct Section {
            var name: UInt32, type: UInt32, flags: UInt64, offset: UInt64, size: UInt64
            var link: UInt32, info: UInt32
        }
        var sections: [Section] = []
        for i in 0..<shnum {
            let at = shoff &+ UInt64(i) &* shentsize
            guard at >= shoff, inFile(at, UInt64(ELF.sectionHeaderSize)) else {
                throw .truncated("section header \(i) lies outside the file")
            }
            let p = Int(at)
            let s = Section(
                name: UInt32(u(p, 4)), type: UInt32(u(p + 4, 4)), flags: u(p + 8, 8), offset: u(p + 24, 8),
                size: u(p + 32, 8), link: UInt32(u(p + 40, 4)), info: UInt32(u(p + 44, 4)))
            if s.type != 8, !inFile(s.offset, s.size) {  // NOBITS has no bytes
                throw .truncated("section \(i) extends past the end of the file")
            }
            sections.append(s)
        }
        func string(section index: Int, at offset: UInt64) -> String? {
            guard index < sections.count, sections[index].type == ELF.sectionStrtab,
                offset < sections[index].size
            else { return nil }
            let start = Int(sections[index].offset + offset),
                end = Int(sections[index].offset + sections[index].size)
            let stop = bytes[start..<end].firstIndex(of: 0) ?? end
            return String(decoding: bytes[start..<stop], as: UTF8.self)
        }
        func sectionName(_ i: Int) -> String {
            string(section: shstrndx, at: UInt64(sections[i].name)) ?? "section \(i)"
        }
        guard
            let text = sections.indices.dropFirst().first(where: {
                sections[$0].type == ELF.sectionProgbits && sections[$0].flags == ELF.flagAlloc | ELF.flagExec
            })
        else { throw .noCode }
        let t = sections[text]
        codeSectionName = sectionName(text)
        code = Array(bytes[Int(t.offset)..<Int(t.offset + t.size)])

        // Symbols of every symbol table; relocations aimed at the code.
        func symbolEntry(
            table: Int, index: UInt64
        ) -> (name: String, section: Int, value: UInt64, type: UInt8)? {
            let s = sections[table]
            guard index < s.size / UInt64(ELF.symbolSize) else { return nil }
            let p = Int(s.offset + index * UInt64(ELF.symbolSize))
            let section = Int(u(p + 6, 2))
            var name = string(section: Int(s.link), at: u(p, 4)) ?? ""
            let type = bytes[p + 4] & 0x0F
            if name.isEmpty, type == ELF.typeSection, section < sections.count { name = sectionName(section) }
            return (name, section, u(p + 8, 8), type)
        }
        var symbols: [EBPFCodeSymbol] = []
        var relocations: [EBPFRelocation] = []
        for (i, s) in sections.enumerated() {
            if s.type == ELF.sectionSymtab {
                for j in 0..<s.size / UInt64(ELF.symbolSize) {
                    guard let sym = symbolEntry(table: i, index: j) else { continue }
                    if sym.section == text, sym.type != ELF.typeSection, !sym.name.isEmpty {
                        symbols.append(EBPFCodeSymbol(name: sym.name, offset: sym.value))
                    }
                }
            }
            if s.type == ELF.sectionRel, Int(s.info) == text {
                guard Int(s.link) < sections.count, sections[Int(s.link)].type == ELF.sectionSymtab else {
                    throw .unsupported("\(sectionName(i)) does not link to a symbol table")
                }
                for j in 0..<s.size / UInt64(ELF.relSize) {
                    let p = Int(s.offset + j * UInt64(ELF.relSize))
                    let info = u(p + 8, 8)
                    guard let sym = symbolEntry(table: Int(s.link), index: info >> 32) else {
                        throw .truncated("relocation \(j) of \(sectionName(i)) names a missing symbol")
                    }
                    relocations.append(
                        EBPFRelocation(
                            offset: u(p, 8), type: UInt32(truncatingIfNeeded: info), symbol: sym.name))
                }
            }
        }
        self.relocations = relocations
        self.symbols = symbols.sorted { ($0.offset, $0.name) < ($1.offset, $1.name) }
    }
}
