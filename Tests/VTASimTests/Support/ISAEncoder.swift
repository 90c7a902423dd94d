// An instruction encoder written from the spec's layout table (shared/spec/vta-isa.md §2),
// independently of the simulator's C decoder, so that every test also checks the decoder.
import CVTASim

/// A bit field of an instruction or micro-op.
struct Field: Equatable, CustomStringConvertible {
    let offset: Int
    let width: Int
    var description: String { "(\(offset), \(width))" }
}

/// Field positions of the LOAD/STORE, GEMM and ALU instructions and of the micro-op.
struct Layout: Equatable {
    var mem: [String: Field]
    var gemm: [String: Field]
    var alu: [String: Field]
    var uop: [String: Field]

    /// The default-configuration table of the spec, transcribed literally.
    static let spec: Layout = {
        let common: [String: Field] = [
            "opcode": Field(offset: 0, width: 3), "pop_prev": Field(offset: 3, width: 1),
            "pop_next": Field(offset: 4, width: 1), "push_prev": Field(offset: 5, width: 1),
            "push_next": Field(offset: 6, width: 1),
        ]
        let mem: [String: Field] = [
            "memory_type": Field(offset: 7, width: 3), "sram_base": Field(offset: 10, width: 16),
            "dram_base": Field(offset: 26, width: 32), "y_size": Field(offset: 64, width: 16),
            "x_size": Field(offset: 80, width: 16), "x_stride": Field(offset: 96, width: 16),
            "y_pad_0": Field(offset: 112, width: 4), "y_pad_1": Field(offset: 116, width: 4),
            "x_pad_0": Field(offset: 120, width: 4), "x_pad_1": Field(offset: 124, width: 4),
        ]
        let loops: [String: Field] = [
            "reset": Field(offset: 7, width: 1), "uop_bgn": Field(offset: 8, width: 13),
            "uop_end": Field(offset: 21, width: 14), "iter_out": Field(offset: 35, width: 14),
            "iter_in": Field(offset: 49, width: 14), "dst_factor_out": Field(offset: 64, width: 11),
            "dst_factor_in": Field(offset: 75, width: 11), "src_factor_out": Field(offset: 86, width: 11),
            "src_factor_in": Field(offset: 97, width: 11),
        ]
        let gemm: [String: Field] = [
            "wgt_factor_out": Field(offset: 108, width: 10), "wgt_factor_in": Field(offset: 118, width: 10),
        ]
        let alu: [String: Field] = [
            "alu_opcode": Field(offset: 108, width: 3), "use_imm": Field(offset: 111, width: 1),
            "imm": Field(offset: 112, width: 16),
        ]
        let uop: [String: Field] = [
            "dst_idx": Field(offset: 0, width: 11), "src_idx": Field(offset: 11, width: 11),
            "wgt_idx": Field(offset: 22, width: 10),
        ]
        func merge(_ parts: [String: Field]...) -> [String: Field] {
            parts.reduce(into: [:]) { $0.merge($1) { a, _ in a } }
        }
        return Layout(
            mem: merge(common, mem), gemm: merge(common, loops, gemm), alu: merge(common, loops, alu),
            uop: uop)
    }()

    /// Derives a layout from a configuration with the rule the spec states: fields in declaration
    /// order, LSB first, and a field that would cross a word boundary (64 bits for instructions,
    /// 32 for the micro-op) starts at that boundary. Returns nil if something does not fit.
    static func derive(_ c: VTASimConfig) -> Layout? {
        let uopDepth = Int(c.LOG_UOP_BUFF_SIZE) - 2
        let inpDepth = Int(c.LOG_INP_BUFF_SIZE - c.LOG_BATCH - c.LOG_BLOCK_IN - c.LOG_INP_WIDTH + 3)
        let wgtDepth = Int(c.LOG_WGT_BUFF_SIZE - c.LOG_BLOCK_OUT - c.LOG_BLOCK_IN - c.LOG_WGT_WIDTH + 3)
        let accDepth = Int(c.LOG_ACC_BUFF_SIZE - c.LOG_BATCH - c.LOG_BLOCK_OUT - c.LOG_ACC_WIDTH + 3)
        func place(_ fields: [(String, Int)], word: Int, total: Int) -> [String: Field]? {
            var pos = 0
            var out: [String: Field] = [:]
            for (name, width) in fields {
                if pos % word + width > word { pos = (pos / word + 1) * word }
                guard width > 0, pos + width <= total else { return nil }
                out[name] = Field(offset: pos, width: width)
                pos += width
            }
            return out
        }
        let common = [("opcode", 3), ("pop_prev", 1), ("pop_next", 1), ("push_prev", 1), ("push_next", 1)]
        let loops = [
            ("reset", 1), ("uop_bgn", uopDepth), ("uop_end", uopDepth + 1), ("iter_out", 14), ("iter_in", 14),
            ("dst_factor_out", accDepth), ("dst_factor_in", accDepth),
        ]
        let mem = [
            ("memory_type", 3), ("sram_base", 16), ("dram_base", 32), ("y_size", 16), ("x_size", 16),
            ("x_stride", 16), ("y_pad_0", 4), ("y_pad_1", 4), ("x_pad_0", 4), ("x_pad_1", 4),
        ]
        let gemm = [
            ("src_factor_out", inpDepth), ("src_factor_in", inpDepth),
            ("wgt_factor_out", wgtDepth), ("wgt_factor_in", wgtDepth),
        ]
        let alu = [
            ("src_factor_out", accDepth), ("src_factor_in", accDepth), ("alu_opcode", 3), ("use_imm", 1),
            ("imm", 16),
        ]
        let uop = [("dst_idx", accDepth), ("src_idx", max(accDepth, inpDepth)), ("wgt_idx", wgtDepth)]
        guard let m = place(common + mem, word: 64, total: 128),
            let g = place(common + loops + gemm, word: 64, total: 128),
            let a = place(common + loops + alu, word: 64, total: 128),
            let u = place(uop, word: 32, total: 32)
        else { return nil }
        return Layout(mem: m, gemm: g, alu: a, uop: u)
    }
}

/// A 128-bit instruction word under construction.
struct Insn {
    var lo: UInt64 = 0
    var hi: UInt64 = 0

    mutating func set(_ f: Field, _ value: Int64) {
        let mask: UInt64 = f.width == 64 ? ~0 : (1 << UInt64(f.width)) - 1
        let bits = UInt64(bitPattern: value) & mask
        precondition(value < 0 || UInt64(value) == bits, "value \(value) does not fit field \(f)")
        if f.offset >= 64 { hi |= bits << UInt64(f.offset - 64) } else { lo |= bits << UInt64(f.offset) }
    }

    var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: lo >> UInt64(8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: hi >> UInt64(8 * $0)) }
    }
}

struct Deps: OptionSet {
    let rawValue: Int
    static let popPrev = Deps(rawValue: 1)
    static let popNext = Deps(rawValue: 2)
    static let pushPrev = Deps(rawValue: 4)
    static let pushNext = Deps(rawValue: 8)
}

enum Opcode: Int64 { case load = 0, store = 1, gemm = 2, finish = 3, alu = 4 }
enum Mem: Int64 { case uop = 0, wgt = 1, inp = 2, acc = 3, out = 4, acc8 = 5 }
enum AluOp: Int64 { case min = 0, max = 1, add = 2, shr = 3, mul = 4 }

/// Builds instructions and micro-ops for one layout.
struct Encoder {
    let layout: Layout

    private func header(_ fields: [String: Field], _ op: Int64, _ deps: Deps) -> Insn {
        var i = Insn()
        i.set(fields["opcode"]!, op)
        i.set(fields["pop_prev"]!, deps.contains(.popPrev) ? 1 : 0)
        i.set(fields["pop_next"]!, deps.contains(.popNext) ? 1 : 0)
        i.set(fields["push_prev"]!, deps.contains(.pushPrev) ? 1 : 0)
        i.set(fields["push_next"]!, deps.contains(.pushNext) ? 1 : 0)
        return i
    }

    /// A LOAD (or, with `opcode: .store`, a STORE); `memType` is a raw value so tests can encode
    /// invalid types. Padding is (y_pad_0, y_pad_1, x_pad_0, x_pad_1).
    func mem(
        _ opcode: Opcode = .load, _ memType: Int64, sram: Int, dram: Int, y: Int, x: Int, stride: Int,
        pad: (Int, Int, Int, Int) = (0, 0, 0, 0), deps: Deps = []
    ) -> Insn {
        let f = layout.mem
        var i = header(f, opcode.rawValue, deps)
        i.set(f["memory_type"]!, memType)
        i.set(f["sram_base"]!, Int64(sram))
        i.set(f["dram_base"]!, Int64(dram))
        i.set(f["y_size"]!, Int64(y))
        i.set(f["x_size"]!, Int64(x))
        i.set(f["x_stride"]!, Int64(stride))
        i.set(f["y_pad_0"]!, Int64(pad.0))
        i.set(f["y_pad_1"]!, Int64(pad.1))
        i.set(f["x_pad_0"]!, Int64(pad.2))
        i.set(f["x_pad_1"]!, Int64(pad.3))
        return i
    }

    func load(
        _ t: Mem, sram: Int, dram: Int, y: Int = 1, x: Int, stride: Int? = nil,
        pad: (Int, Int, Int, Int) = (0, 0, 0, 0), deps: Deps = []
    ) -> Insn {
        mem(.load, t.rawValue, sram: sram, dram: dram, y: y, x: x, stride: stride ?? x, pad: pad, deps: deps)
    }

    func store(sram: Int, dram: Int, y: Int = 1, x: Int, stride: Int? = nil, deps: Deps = []) -> Insn {
        mem(.store, Mem.out.rawValue, sram: sram, dram: dram, y: y, x: x, stride: stride ?? x, deps: deps)
    }

    /// Loop description shared by GEMM and ALU.
    struct Loops {
        var uops: Range<Int>
        var iterOut = 1
        var iterIn = 1
        var dst = (out: 0, in: 0)
        var src = (out: 0, in: 0)
        var wgt = (out: 0, in: 0)
    }

    private func loops(_ f: [String: Field], _ l: Loops, _ i: inout Insn) {
        i.set(f["uop_bgn"]!, Int64(l.uops.lowerBound))
        i.set(f["uop_end"]!, Int64(l.uops.upperBound))
        i.set(f["iter_out"]!, Int64(l.iterOut))
        i.set(f["iter_in"]!, Int64(l.iterIn))
        i.set(f["dst_factor_out"]!, Int64(l.dst.out))
        i.set(f["dst_factor_in"]!, Int64(l.dst.in))
        i.set(f["src_factor_out"]!, Int64(l.src.out))
        i.set(f["src_factor_in"]!, Int64(l.src.in))
    }

    func gemm(_ l: Loops, reset: Bool = false, deps: Deps = []) -> Insn {
        let f = layout.gemm
        var i = header(f, Opcode.gemm.rawValue, deps)
        i.set(f["reset"]!, reset ? 1 : 0)
        loops(f, l, &i)
        i.set(f["wgt_factor_out"]!, Int64(l.wgt.out))
        i.set(f["wgt_factor_in"]!, Int64(l.wgt.in))
        return i
    }

    /// An ALU instruction; `imm` nil means a tensor operand (use_imm = 0).
    func alu(raw op: Int64, _ l: Loops, imm: Int? = nil, deps: Deps = []) -> Insn {
        let f = layout.alu
        var i = header(f, Opcode.alu.rawValue, deps)
        loops(f, l, &i)
        i.set(f["alu_opcode"]!, op)
        i.set(f["use_imm"]!, imm == nil ? 0 : 1)
        i.set(f["imm"]!, Int64(imm ?? 0))
        return i
    }

    func alu(_ op: AluOp, _ l: Loops, imm: Int? = nil, deps: Deps = []) -> Insn {
        alu(raw: op.rawValue, l, imm: imm, deps: deps)
    }

    func finish(deps: Deps = []) -> Insn { header(layout.gemm, Opcode.finish.rawValue, deps) }

    func uop(dst: Int, src: Int = 0, wgt: Int = 0) -> UInt32 {
        var i = Insn()
        i.set(layout.uop["dst_idx"]!, Int64(dst))
        i.set(layout.uop["src_idx"]!, Int64(src))
        i.set(layout.uop["wgt_idx"]!, Int64(wgt))
        return UInt32(truncatingIfNeeded: i.lo)
    }
}
