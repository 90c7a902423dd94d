// eBPF to text in llvm-objdump's syntax (LLVM 21, `llvm-objdump -dr --mcpu=v2`): the listing
// of an object is line for line what that command prints after its "file format" line, so a
// wrapper can be read the same way whether clang or vtac wrote it.
//
//   r9 = r2                        r1 += -0x5                   w1 = -w1
//   r1 = *(u32 *)(r9 + 0x4)        *(u64 *)(r10 - 0x8) = r1     *(u8 *)(r2 + 0x1) = 0x7
//   r1 = 0x123456789abcdef0 ll     r1 = be16 r1                 goto +0x5
//   if r1 s< -0x5 goto -0x2        call -0x1                    exit
//
// The eBPF v3 JMP32 class prints too (`if w1 == w2 goto +0x1`, `gotol +0x3`), so a refused
// program can be shown; whatever is not an eBPF v1-v3 instruction prints as `<unknown>`.

/// Disassembles eBPF code.
public enum EBPFDisassembler {
    /// The text of the instruction in `slot` (`next`: the following slot, the second half
    /// of a lddw), without a jump's target annotation.
    public static func text(_ slot: EBPFSlot, next: EBPFSlot? = nil) -> String {
        let cls = slot.instructionClass
        switch cls {
        case EBPFOpcode.classALU, EBPFOpcode.classALU64:
            return alu(slot)
        case EBPFOpcode.classJMP, EBPFOpcode.classJMP32:
            return jump(slot)
        case EBPFOpcode.classLD:
            guard slot.opcode == EBPFOpcode.lddw, slot.src == 0, let next else { return unknown }
            let value =
                UInt64(UInt32(bitPattern: slot.immediate)) | UInt64(UInt32(bitPattern: next.immediate)) << 32
            return "\(reg(slot.dst)) = \(hex(Int64(bitPattern: value))) ll"
        case EBPFOpcode.classLDX:
            guard slot.opcode & 0xE0 == EBPFOpcode.modeMEM else { return unknown }
            return "\(reg(slot.dst)) = \(memory(slot, base: slot.src))"
        case EBPFOpcode.classST:
            guard slot.opcode & 0xE0 == EBPFOpcode.modeMEM else { return unknown }
            return "\(memory(slot, base: slot.dst)) = \(hex(Int64(slot.immediate)))"
        default:  // STX
            guard slot.opcode & 0xE0 == EBPFOpcode.modeMEM else { return unknown }
            return "\(memory(slot, base: slot.dst)) = \(reg(slot.src))"
        }
    }

    /// The slot a jump in `slot` at slot `pc` lands on, or nil if it is not a jump.
    public static func jumpTarget(_ slot: EBPFSlot, at pc: Int) -> Int? {
        let cls = slot.instructionClass
        guard cls == EBPFOpcode.classJMP || cls == EBPFOpcode.classJMP32 else { return nil }
        let op = slot.opcode & 0xF0
        if op == EBPFOpcode.call || op == EBPFOpcode.exit || op > 0xD0 { return nil }
        if cls == EBPFOpcode.classJMP32 && op == EBPFOpcode.ja {
            return slot.opcode & EBPFOpcode.sourceX == 0 ? pc + 1 + Int(slot.immediate) : nil
        }
        if op == EBPFOpcode.ja && slot.opcode & EBPFOpcode.sourceX != 0 { return nil }
        return pc + 1 + Int(slot.offset)
    }

    /// The listing of `code` as llvm-objdump prints a code section: a `<symbol>:` header for
    /// each symbol (by byte offset; `<section>` if none is at 0), then one line per
    /// instruction ("pc: bytes<TAB>text", jumps annotated with their target) and, under each
    /// relocated instruction, its relocation.
    public static func listing(
        code: [UInt8], relocations: [EBPFRelocation] = [], symbols: [EBPFCodeSymbol] = [],
        sectionName: String = ".text"
    ) -> String {
        let count = code.count / 8
        let slots = (0..<count).map { EBPFSlot(decoding: code[8 * $0..<8 * $0 + 8]) }
        var heads = symbols.filter { $0.offset < UInt64(code.count) || code.isEmpty }
        if !heads.contains(where: { $0.offset == 0 }) {
            heads.insert(EBPFCodeSymbol(name: sectionName, offset: 0), at: 0)
        }
        func annotation(_ address: Int) -> String {
            guard address >= 0, address < code.count else { return "" }
            guard let symbol = heads.last(where: { $0.offset <= UInt64(address) }) else { return "" }
            let delta = UInt64(address) - symbol.offset
            return delta == 0 ? " <\(symbol.name)>" : " <\(symbol.name)+0x\(String(delta, radix: 16))>"
        }
        var lines: [String] = []
        var pc = 0
        var nextHead = 0
        while pc < count {
            while nextHead < heads.count, heads[nextHead].offset <= UInt64(8 * pc) {
                if !lines.isEmpty { lines.append("") }
                lines.append("\(hex16(heads[nextHead].offset)) <\(heads[nextHead].name)>:")
                nextHead += 1
            }
            let slot = slots[pc]
            let wide = slot.opcode == EBPFOpcode.lddw && pc + 1 < count
            let raw = code[8 * pc..<8 * pc + (wide ? 16 : 8)]
            var line = "\(pad(String(pc), 8)):\t\(raw.map { hexByte($0) }.joined(separator: " "))\t"
            line += text(slot, next: wide ? slots[pc + 1] : nil)
            if let target = jumpTarget(slot, at: pc) { line += annotation(8 * target) }
            lines.append(line)
            let width = wide ? 2 : 1
            for r in relocations where r.offset >= UInt64(8 * pc) && r.offset < UInt64(8 * (pc + width)) {
                lines.append("\t\t\(hex16(r.offset)):  \(r.typeName)\t\(r.symbol)")
            }
            pc += width
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// The listing of a parsed object, as `llvm-objdump -dr --mcpu=v2` prints it after the
    /// "file format" line.
    public static func listing(_ object: EBPFObject) -> String {
        "Disassembly of section \(object.codeSectionName):\n\n"
            + listing(
                code: object.code, relocations: object.relocations, symbols: object.symbols,
                sectionName: object.codeSectionName)
    }

    /// The listing of an ELF object's code.
    public static func listing(elf: [UInt8]) throws(EBPFObjectReadError) -> String {
        listing(try EBPFObject(parsing: elf))
    }

    /// The listing of an assembled program, as it would be in the object `EBPFELFWriter`
    /// writes with entry `entry`.
    public static func listing(_ program: EBPFProgram, entry: String = "entry") -> String {
        listing(
            code: program.bytes,
            relocations: program.calls.map {
                EBPFRelocation(offset: UInt64(8 * $0.slot), type: ELF.relocationBPF64_32, symbol: $0.helper)
            },
            symbols: [EBPFCodeSymbol(name: entry, offset: 0)])
    }

    // MARK: - Pieces

    static let unknown = "<unknown>"

    private static func reg(_ r: UInt8, w: Bool = false) -> String { "\(w ? "w" : "r")\(r)" }

    /// Signed hexadecimal, as llvm-objdump prints immediates: 0x0, 0x5, -0x5.
    static func hex(_ v: Int64) -> String {
        v < 0 ? "-0x\(String(v.magnitude, radix: 16))" : "0x\(String(v, radix: 16))"
    }

    private static func hexByte(_ b: UInt8) -> String {
        b < 16 ? "0\(String(b, radix: 16))" : String(b, radix: 16)
    }

    private static func hex16(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 16 - s.count)) + s
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - s.count)) + s
    }

    private static func memory(_ slot: EBPFSlot, base: UInt8) -> String {
        let size: String
        switch slot.opcode & 0x18 {
        case EBPFMemorySize.byte.rawValue: size = "u8"
        case EBPFMemorySize.half.rawValue: size = "u16"
        case EBPFMemorySize.word.rawValue: size = "u32"
        default: size = "u64"
        }
        let off = Int64(slot.offset)
        let sign = off < 0 ? "-" : "+"
        return "*(\(size) *)(\(reg(base)) \(sign) 0x\(String(off.magnitude, radix: 16)))"
    }

    private static let aluSymbols: [UInt8: String] = [
        0x00: "+=", 0x10: "-=", 0x20: "*=", 0x30: "/=", 0x40: "|=", 0x50: "&=", 0x60: "<<=", 0x70: ">>=",
        0x90: "%=", 0xA0: "^=", 0xB0: "=", 0xC0: "s>>=",
    ]

    private static func alu(_ slot: EBPFSlot) -> String {
        let w = slot.instructionClass == EBPFOpcode.classALU
        let op = slot.opcode & 0xF0
        let x = slot.opcode & EBPFOpcode.sourceX != 0
        let dst = reg(slot.dst, w: w)
        if op == EBPFOpcode.end {
            // le/be (ALU class); the ALU64 form is eBPF v4's bswap.
            guard w, [16, 32, 64].contains(slot.immediate) else { return unknown }
            return "\(reg(slot.dst)) = \(x ? "be" : "le")\(slot.immediate) \(reg(slot.dst))"
        }
        if op == EBPFOpcode.neg {
            return x || slot.offset != 0 ? unknown : "\(dst) = -\(dst)"
        }
        guard let symbol = aluSymbols[op], slot.offset == 0 else { return unknown }
        let source = x ? reg(slot.src, w: w) : hex(Int64(slot.immediate))
        return "\(dst) \(symbol) \(source)"
    }

    private static let jumpSymbols: [UInt8: String] = [
        0x10: "==", 0x20: ">", 0x30: ">=", 0x40: "&", 0x50: "!=", 0x60: "s>", 0x70: "s>=", 0xA0: "<",
        0xB0: "<=", 0xC0: "s<", 0xD0: "s<=",
    ]

    private static func offset(_ v: Int) -> String {
        v < 0 ? "-0x\(String(v.magnitude, radix: 16))" : "+0x\(String(v, radix: 16))"
    }

    private static func jump(_ slot: EBPFSlot) -> String {
        let w = slot.instructionClass == EBPFOpcode.classJMP32
        let op = slot.opcode & 0xF0
        let x = slot.opcode & EBPFOpcode.sourceX != 0
        switch op {
        case EBPFOpcode.ja:
            if x { return unknown }
            return w ? "gotol \(offset(Int(slot.immediate)))" : "goto \(offset(Int(slot.offset)))"
        case EBPFOpcode.call:
            if w { return unknown }
            return x ? "callx \(reg(slot.dst))" : "call \(hex(Int64(slot.immediate)))"
        case EBPFOpcode.exit:
            return w || x ? unknown : "exit"
        default:
            guard let symbol = jumpSymbols[op] else { return unknown }
            let source = x ? reg(slot.src, w: w) : hex(Int64(slot.immediate))
            return "if \(reg(slot.dst, w: w)) \(symbol) \(source) goto \(offset(Int(slot.offset)))"
        }
    }
}
