/// The text form of instruction streams and micro-op arrays (syntax: ASSEMBLY.md).
///
/// One line per instruction, every field named, so a stream can be read, diffed and edited
/// by people; `assemble(disassemble(x)) == x` for every stream, valid or not, whose values are
/// representable (non-negative, and `imm` any integer).
public enum AssemblyText {
    // MARK: Writing

    /// One line per instruction. With `numbered`, each line ends in `# <index>`, the index the
    /// verifier's findings refer to.
    public static func disassemble(_ instructions: [Instruction], numbered: Bool = false) -> String {
        instructions.enumerated().map { index, instruction in
            numbered ? line(for: instruction) + "  # \(index)" : line(for: instruction)
        }.joined(separator: "\n") + (instructions.isEmpty ? "" : "\n")
    }

    /// One `UOP` line per micro-op; with `numbered`, each ends in `# <uop index>`.
    public static func disassemble(uops: [MicroOp], numbered: Bool = false) -> String {
        uops.enumerated().map { index, uop in
            numbered ? line(for: uop) + "  # \(index)" : line(for: uop)
        }.joined(separator: "\n") + (uops.isEmpty ? "" : "\n")
    }

    /// The text line of one instruction (no trailing newline).
    public static func line(for instruction: Instruction) -> String {
        switch instruction {
        case .load(let m), .store(let m):
            return head(instruction.opcode.mnemonic, m.memoryType.mnemonic)
                + "sram=\(m.sramBase) dram=0x\(String(m.dramBase, radix: 16)) y=\(m.ySize) x=\(m.xSize)"
                + " stride=\(m.xStride) pad=\(m.yPad0),\(m.yPad1),\(m.xPad0),\(m.xPad1) deps=\(m.deps)"
        case .gemm(let g):
            return head("GEMM", nil) + "reset=\(g.reset ? 1 : 0) " + loopText(g.loop)
                + " wgt=\(g.wgtFactorOut),\(g.wgtFactorIn) deps=\(g.deps)"
        case .alu(let a):
            return head("ALU", a.opcode.mnemonic) + "reset=\(a.reset ? 1 : 0) " + loopText(a.loop)
                + " use_imm=\(a.useImmediate ? 1 : 0) imm=\(a.immediate) deps=\(a.deps)"
        case .finish(let f):
            return head("FINISH", nil) + "deps=\(f.deps)"
        }
    }

    /// The text line of one micro-op.
    public static func line(for uop: MicroOp) -> String {
        padded("UOP", 7) + "dst=\(uop.dst) src=\(uop.src) wgt=\(uop.wgt)"
    }

    /// Mnemonic and operand in fixed columns so that fields line up down a listing.
    private static func head(_ mnemonic: String, _ operand: String?) -> String {
        padded(mnemonic, 7) + padded(operand ?? "", 9)
    }

    private static func padded(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }

    private static func loopText(_ l: UopLoop) -> String {
        "uop=\(l.uopBegin):\(l.uopEnd) iter=\(l.iterOut),\(l.iterIn) dst=\(l.dstFactorOut),\(l.dstFactorIn)"
            + " src=\(l.srcFactorOut),\(l.srcFactorIn)"
    }

    // MARK: Reading

    /// Parses an instruction listing. With a configuration, every value is also checked
    /// against its field width so errors point at the line rather than surfacing at encoding.
    public static func assemble(
        _ text: String, config: HardwareConfig? = nil
    ) throws(AssemblyError) -> [Instruction] {
        var result: [Instruction] = []
        let codec = config.map(InstructionCodec.init)
        for (number, raw) in lines(of: text) {
            guard let parsed = try parse(raw, line: number) else { continue }
            switch parsed {
            case .instruction(let instruction):
                if let codec {
                    try check(line: number) { () throws(InstructionEncodingError) in
                        try codec.validate(instruction)
                    }
                }
                result.append(instruction)
            case .uop:
                throw .wrongListing(
                    line: number, found: "UOP", expected: "instructions (assemble micro-ops separately)")
            }
        }
        return result
    }

    /// Parses a micro-op listing (`UOP` lines only).
    public static func assembleUops(
        _ text: String, config: HardwareConfig? = nil
    ) throws(AssemblyError) -> [MicroOp] {
        var result: [MicroOp] = []
        let codec = config.map(InstructionCodec.init)
        for (number, raw) in lines(of: text) {
            guard let parsed = try parse(raw, line: number) else { continue }
            switch parsed {
            case .uop(let uop):
                if let codec {
                    try check(line: number) { () throws(InstructionEncodingError) in
                        _ = try codec.encode(uop: uop)
                    }
                }
                result.append(uop)
            case .instruction(let instruction):
                throw .wrongListing(
                    line: number, found: instruction.opcode.mnemonic, expected: "micro-ops (UOP lines)")
            }
        }
        return result
    }

    private static func check(
        line: Int, _ body: () throws(InstructionEncodingError) -> Void
    ) throws(AssemblyError) {
        do {
            try body()
        } catch {
            switch error {
            case .fieldOverflow(_, let field, let value, _, let allowed, _):
                throw .valueOutOfRange(line: line, field: field, value: value, allowed: allowed)
            }
        }
    }

    /// Lines with their 1-based numbers, comments (`#` or `;` to end of line) removed.
    private static func lines(of text: String) -> [(Int, Substring)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
            let code = line.firstIndex { $0 == "#" || $0 == ";" }.map { line[..<$0] } ?? line
            return (index + 1, code)
        }
    }

    private enum Parsed {
        case instruction(Instruction)
        case uop(MicroOp)
    }

    private static func parse(_ text: Substring, line: Int) throws(AssemblyError) -> Parsed? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        guard let first = tokens.first else { return nil }
        let mnemonic = first.uppercased()
        var rest = Array(tokens.dropFirst())
        // The positional operand of LOAD/STORE/ALU.
        func operand(_ expected: String) throws(AssemblyError) -> String {
            guard let next = rest.first, !next.contains("=") else {
                throw .missingOperand(line: line, mnemonic: mnemonic, expected: expected)
            }
            rest.removeFirst()
            return next.uppercased()
        }
        switch mnemonic {
        case "LOAD", "STORE":
            let name = try operand("a memory type (UOP, WGT, INP, ACC, OUT, ACC_8BIT)")
            guard let type = MemoryType.allCases.first(where: { $0.mnemonic == name }) else {
                throw .unknownOperand(
                    line: line, mnemonic: mnemonic, found: name,
                    expected: MemoryType.allCases.map(\.mnemonic))
            }
            let f = try Fields(
                rest, line: line, mnemonic: mnemonic,
                allowed: ["sram", "dram", "y", "x", "stride", "pad", "deps"])
            let pad = try f.list("pad", count: 4, default: [0, 0, 0, 0])
            let m = MemoryInstruction(
                memoryType: type, sramBase: try f.required("sram"), dramBase: try f.required("dram"),
                ySize: try f.required("y"), xSize: try f.required("x"), xStride: try f.required("stride"),
                yPad0: pad[0], yPad1: pad[1], xPad0: pad[2], xPad1: pad[3], deps: try f.deps())
            return .instruction(mnemonic == "LOAD" ? .load(m) : .store(m))
        case "GEMM":
            let f = try Fields(
                rest, line: line, mnemonic: mnemonic,
                allowed: ["reset", "uop", "iter", "dst", "src", "wgt", "deps"])
            let wgt = try f.list("wgt", count: 2, default: [0, 0])
            return .instruction(
                .gemm(
                    GemmInstruction(
                        reset: try f.flag("reset"), loop: try f.loop(), wgtFactorOut: wgt[0],
                        wgtFactorIn: wgt[1],
                        deps: try f.deps())))
        case "ALU":
            let name = try operand("an ALU operation (MIN, MAX, ADD, SHR, MUL)")
            guard let op = AluOpcode.allCases.first(where: { $0.mnemonic == name }) else {
                throw .unknownOperand(
                    line: line, mnemonic: mnemonic, found: name,
                    expected: AluOpcode.allCases.map(\.mnemonic))
            }
            let f = try Fields(
                rest, line: line, mnemonic: mnemonic,
                allowed: ["reset", "uop", "iter", "dst", "src", "use_imm", "imm", "deps"])
            let loop = try f.loop()
            // `imm=` alone means the immediate is used; `use_imm=0 imm=...` keeps an unused value.
            let hasImmediate = f.has("imm")
            let useImmediate = f.has("use_imm") ? try f.flag("use_imm") : hasImmediate
            let immediate = try f.optional("imm", signed: true) ?? 0
            return .instruction(
                .alu(
                    AluInstruction(
                        opcode: op, loop: loop, useImmediate: useImmediate, immediate: immediate,
                        reset: try f.flag("reset"), deps: try f.deps())))
        case "FINISH":
            let f = try Fields(rest, line: line, mnemonic: mnemonic, allowed: ["deps"])
            return .instruction(.finish(FinishInstruction(deps: try f.deps())))
        case "UOP":
            let f = try Fields(rest, line: line, mnemonic: mnemonic, allowed: ["dst", "src", "wgt"])
            return .uop(
                MicroOp(dst: try f.required("dst"), src: try f.required("src"), wgt: try f.required("wgt")))
        default:
            throw .unknownMnemonic(line: line, found: first)
        }
    }

    /// The `field=value` tokens of one line.
    private struct Fields {
        let line: Int
        let mnemonic: String
        var values: [String: String] = [:]

        init(_ tokens: [String], line: Int, mnemonic: String, allowed: [String]) throws(AssemblyError) {
            self.line = line
            self.mnemonic = mnemonic
            for token in tokens {
                guard let equals = token.firstIndex(of: "="), equals != token.startIndex,
                    token.index(after: equals) != token.endIndex
                else { throw .malformedToken(line: line, token: token) }
                let key = token[..<equals].lowercased()
                guard allowed.contains(key) else {
                    throw .unknownField(line: line, mnemonic: mnemonic, field: key, allowed: allowed)
                }
                guard values[key] == nil else { throw .duplicateField(line: line, field: key) }
                values[key] = String(token[token.index(after: equals)...])
            }
        }

        func has(_ key: String) -> Bool { values[key] != nil }

        func required(_ key: String) throws(AssemblyError) -> Int {
            guard let value = try optional(key) else {
                throw .missingField(line: line, mnemonic: mnemonic, field: key)
            }
            return value
        }

        func optional(_ key: String, signed: Bool = false) throws(AssemblyError) -> Int? {
            guard let text = values[key] else { return nil }
            return try number(text, key: key, signed: signed)
        }

        func number(_ text: String, key: String, signed: Bool) throws(AssemblyError) -> Int {
            guard let value = AssemblyText.parseInteger(text) else {
                throw .badValue(
                    line: line, field: key, value: text, expected: "an integer (decimal, 0x hex or 0b binary)"
                )
            }
            guard signed || value >= 0 else {
                throw .badValue(line: line, field: key, value: text, expected: "a non-negative integer")
            }
            return value
        }

        func list(_ key: String, count: Int, default fallback: [Int]? = nil) throws(AssemblyError) -> [Int] {
            guard let text = values[key] else {
                if let fallback { return fallback }
                throw .missingField(line: line, mnemonic: mnemonic, field: key)
            }
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == count else {
                throw .badValue(
                    line: line, field: key, value: text, expected: "\(count) comma-separated integers")
            }
            var result: [Int] = []
            for part in parts { result.append(try number(String(part), key: key, signed: false)) }
            return result
        }

        func flag(_ key: String) throws(AssemblyError) -> Bool {
            guard let text = values[key] else { return false }
            switch text {
            case "0": return false
            case "1": return true
            default: throw .badValue(line: line, field: key, value: text, expected: "0 or 1")
            }
        }

        func loop() throws(AssemblyError) -> UopLoop {
            guard let range = values["uop"] else {
                throw .missingField(line: line, mnemonic: mnemonic, field: "uop")
            }
            let bounds = range.split(separator: ":", omittingEmptySubsequences: false)
            guard bounds.count == 2 else {
                throw .badValue(
                    line: line, field: "uop", value: range, expected: "a range begin:end (end exclusive)")
            }
            let begin = try number(String(bounds[0]), key: "uop", signed: false)
            let end = try number(String(bounds[1]), key: "uop", signed: false)
            let iter = try list("iter", count: 2)
            let dst = try list("dst", count: 2, default: [0, 0])
            let src = try list("src", count: 2, default: [0, 0])
            return UopLoop(
                uopBegin: begin, uopEnd: end, iterOut: iter[0], iterIn: iter[1], dstFactorOut: dst[0],
                dstFactorIn: dst[1], srcFactorOut: src[0], srcFactorIn: src[1])
        }

        func deps() throws(AssemblyError) -> DependencyFlags {
            guard let text = values["deps"], text.lowercased() != "none" else { return [] }
            var flags: DependencyFlags = []
            for name in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let flag = DependencyFlags.named.first(where: { $0.name == name.lowercased() })?.flag
                else {
                    throw .badValue(
                        line: line, field: "deps", value: text,
                        expected: "none or a comma-separated list of pop_prev, pop_next, push_prev, push_next"
                    )
                }
                flags.insert(flag)
            }
            return flags
        }
    }

    /// Decimal, `0x` hexadecimal or `0b` binary, with an optional sign; nil if malformed or
    /// beyond `Int`.
    static func parseInteger(_ text: String) -> Int? {
        var body = Substring(text)
        var negative = false
        if let sign = body.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        var radix = 10
        let lower = body.lowercased()
        if lower.hasPrefix("0x") {
            radix = 16
            body = body.dropFirst(2)
        } else if lower.hasPrefix("0b") {
            radix = 2
            body = body.dropFirst(2)
        }
        guard !body.isEmpty, body.allSatisfy({ $0.isHexDigit }), let magnitude = Int(body, radix: radix)
        else {
            return nil
        }
        return negative ? -magnitude : magnitude
    }
}

/// Instruction listing → text (see `AssemblyText.disassemble`).
public func disassemble(_ instructions: [Instruction], numbered: Bool = false) -> String {
    AssemblyText.disassemble(instructions, numbered: numbered)
}

/// Text → instructions (see `AssemblyText.assemble`).
public func assemble(_ text: String, config: HardwareConfig? = nil) throws(AssemblyError) -> [Instruction] {
    try AssemblyText.assemble(text, config: config)
}
