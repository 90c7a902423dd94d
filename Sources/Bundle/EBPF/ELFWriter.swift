// The relocatable ELF object the Alkali firmware loads: what `clang -target bpf -c` makes of
// a C file with one function, no data and only extern helper calls, laid out deterministically.
//
//   [0, 64)        ELF header: ELFCLASS64, ELFDATA2LSB, ET_REL, EM_BPF
//   .text          the code (SHF_ALLOC | SHF_EXECINSTR exactly: the loader runs the first
//                  such section, from its first instruction)
//   .rel.text      one R_BPF_64_32 per helper call, against the helper's undefined symbol
//   .symtab        null, the .text section symbol, the entry function (FUNC, GLOBAL, covering
//                  .text), the helpers (NOTYPE, GLOBAL, undefined) in order of first call
//   .strtab        symbol names
//   .shstrtab      section names
//   section headers (null, .text, .rel.text, .symtab, .strtab, .shstrtab)
//
// No data section: the Alkali loader keeps only one string section and resolves every string
// to its start, so the wrapper keeps its state in registers and on the stack.

/// Why an object cannot be written.
public enum EBPFObjectError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The entry symbol's name is empty or holds a NUL byte.
    case invalidEntryName(String)
    /// The entry symbol has the name of a helper the program calls.
    case entryNameIsAHelper(String)

    public var description: String {
        switch self {
        case .invalidEntryName(let name):
            return "the entry function's name '\(name)' is empty or holds a NUL byte"
        case .entryNameIsAHelper(let name):
            return "the entry function is named '\(name)', like a helper the program calls; the "
                + "loader would take the calls for BPF-to-BPF calls"
        }
    }
}

/// ELF constants used by the writer and the reader.
enum ELF {
    static let headerSize = 64
    static let sectionHeaderSize = 64
    static let symbolSize = 24
    static let relSize = 16

    static let classELF64: UInt8 = 2
    static let dataLSB: UInt8 = 1
    static let versionCurrent: UInt8 = 1
    static let typeREL: UInt16 = 1
    static let machineBPF: UInt16 = 247

    static let sectionProgbits: UInt32 = 1
    static let sectionSymtab: UInt32 = 2
    static let sectionStrtab: UInt32 = 3
    static let sectionRel: UInt32 = 9
    static let flagAlloc: UInt64 = 0x2
    static let flagExec: UInt64 = 0x4
    static let flagInfoLink: UInt64 = 0x40

    static let bindLocal: UInt8 = 0
    static let bindGlobal: UInt8 = 1
    static let typeNoType: UInt8 = 0
    static let typeFunc: UInt8 = 2
    static let typeSection: UInt8 = 3

    /// R_BPF_64_32: a call's immediate, resolved by symbol name (llvm-readelf also calls it
    /// R_BPF_INSN_DISP32).
    static let relocationBPF64_32: UInt32 = 10
}

/// Little-endian byte output.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) {
        for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
    }
    mutating func u32(_ v: UInt32) {
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
    }
    mutating func u64(_ v: UInt64) {
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
    }
    mutating func align(_ alignment: Int) { while bytes.count % alignment != 0 { bytes.append(0) } }
}

/// A string table: offset 0 is the empty string; each name is stored once.
struct StringTable {
    private(set) var bytes: [UInt8] = [0]
    private var offsets: [String: UInt32] = ["": 0]

    mutating func add(_ s: String) -> UInt32 {
        if let known = offsets[s] { return known }
        let offset = UInt32(bytes.count)
        bytes += Array(s.utf8) + [0]
        offsets[s] = offset
        return offset
    }
}

/// Writes an assembled program as a relocatable eBPF ELF object.
public enum EBPFELFWriter {
    /// The object for `program`, whose entry function is named `entry`. The same program
    /// always gives the same bytes.
    public static func object(
        _ program: EBPFProgram, entry: String = "entry"
    ) throws(EBPFObjectError) -> [UInt8] {
        if entry.isEmpty || entry.utf8.contains(0) { throw .invalidEntryName(entry) }
        let helpers = program.helpers
        if helpers.contains(entry) { throw .entryNameIsAHelper(entry) }

        // Section indices.
        let textIndex: UInt32 = 1, symtabIndex: UInt32 = 3, strtabIndex: UInt32 = 4  // .rel.text is 2
        let shstrtabIndex: UInt16 = 5

        var shstrtab = StringTable()
        let textName = shstrtab.add(".text"), relName = shstrtab.add(".rel.text")
        let symtabName = shstrtab.add(".symtab"), strtabName = shstrtab.add(".strtab")
        let shstrtabName = shstrtab.add(".shstrtab")

        // Symbols: 0 null, 1 the section, 2 the entry, 3... the helpers.
        var strtab = StringTable()
        let text = program.bytes
        var symtab = ByteWriter()
        func symbol(name: UInt32, bind: UInt8, type: UInt8, section: UInt16, size: UInt64) {
            symtab.u32(name)
            symtab.u8(bind << 4 | type)
            symtab.u8(0)  // STV_DEFAULT
            symtab.u16(section)
            symtab.u64(0)  // st_value
            symtab.u64(size)
        }
        symbol(name: 0, bind: ELF.bindLocal, type: ELF.typeNoType, section: 0, size: 0)
        symbol(name: 0, bind: ELF.bindLocal, type: ELF.typeSection, section: UInt16(textIndex), size: 0)
        symbol(
            name: strtab.add(entry), bind: ELF.bindGlobal, type: ELF.typeFunc, section: UInt16(textIndex),
            size: UInt64(text.count))
        let firstGlobal: UInt32 = 2
        var helperSymbol: [String: UInt64] = [:]
        for (i, name) in helpers.enumerated() {
            helperSymbol[name] = UInt64(3 + i)
            symbol(name: strtab.add(name), bind: ELF.bindGlobal, type: ELF.typeNoType, section: 0, size: 0)
        }

        var rel = ByteWriter()
        for call in program.calls {
            rel.u64(UInt64(call.slot * 8))
            rel.u64(helperSymbol[call.helper]! << 32 | UInt64(ELF.relocationBPF64_32))
        }

        // Layout.
        var file = ByteWriter()
        file.bytes = [UInt8](repeating: 0, count: ELF.headerSize)
        func place(_ data: [UInt8], alignment: Int) -> UInt64 {
            file.align(alignment)
            let offset = UInt64(file.bytes.count)
            file.bytes += data
            return offset
        }
        let textOffset = place(text, alignment: 8)
        let relOffset = place(rel.bytes, alignment: 8)
        let symtabOffset = place(symtab.bytes, alignment: 8)
        let strtabOffset = place(strtab.bytes, alignment: 1)
        let shstrtabOffset = place(shstrtab.bytes, alignment: 1)
        file.align(8)
        let sectionHeadersOffset = UInt64(file.bytes.count)

        func section(
            name: UInt32, type: UInt32, flags: UInt64, offset: UInt64, size: Int, link: UInt32 = 0,
            info: UInt32 = 0, alignment: UInt64, entrySize: UInt64 = 0
        ) {
            file.u32(name)
            file.u32(type)
            file.u64(flags)
            file.u64(0)  // sh_addr
            file.u64(offset)
            file.u64(UInt64(size))
            file.u32(link)
            file.u32(info)
            file.u64(alignment)
            file.u64(entrySize)
        }
        file.bytes += [UInt8](repeating: 0, count: ELF.sectionHeaderSize)
        section(
            name: textName, type: ELF.sectionProgbits, flags: ELF.flagAlloc | ELF.flagExec,
            offset: textOffset,
            size: text.count, alignment: 8)
        section(
            name: relName, type: ELF.sectionRel, flags: ELF.flagInfoLink, offset: relOffset,
            size: rel.bytes.count,
            link: symtabIndex, info: textIndex, alignment: 8, entrySize: UInt64(ELF.relSize))
        section(
            name: symtabName, type: ELF.sectionSymtab, flags: 0, offset: symtabOffset,
            size: symtab.bytes.count,
            link: strtabIndex, info: firstGlobal, alignment: 8, entrySize: UInt64(ELF.symbolSize))
        section(
            name: strtabName, type: ELF.sectionStrtab, flags: 0, offset: strtabOffset,
            size: strtab.bytes.count,
            alignment: 1)
        section(
            name: shstrtabName, type: ELF.sectionStrtab, flags: 0, offset: shstrtabOffset,
            size: shstrtab.bytes.count, alignment: 1)

        // The ELF header.
        var header = ByteWriter()
        // Magic, class, data, version, OS ABI 0 (System V: the loader refuses any other).
        header.bytes = [0x7F, 0x45, 0x4C, 0x46, ELF.classELF64, ELF.dataLSB, ELF.versionCurrent, 0]
        header.bytes += [UInt8](repeating: 0, count: 8)  // ABI version, padding
        header.u16(ELF.typeREL)
        header.u16(ELF.machineBPF)
        header.u32(1)  // e_version
        header.u64(0)  // e_entry
        header.u64(0)  // e_phoff
        header.u64(sectionHeadersOffset)
        header.u32(0)  // e_flags
        header.u16(UInt16(ELF.headerSize))
        header.u16(0)  // e_phentsize
        header.u16(0)  // e_phnum
        header.u16(UInt16(ELF.sectionHeaderSize))
        header.u16(6)  // e_shnum
        header.u16(shstrtabIndex)
        file.bytes.replaceSubrange(0..<ELF.headerSize, with: header.bytes)
        return file.bytes
    }
}
