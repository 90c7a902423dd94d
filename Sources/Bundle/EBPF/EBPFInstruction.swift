// Typed eBPF instructions: exactly the eBPF v1/v2 instruction set the Alkali firmware's uBPF
// fork loads (what `clang -target bpf -mcpu=v2` emits), and nothing else. There is no way to
// spell a JMP32-class instruction (eBPF v3), a BPF-to-BPF call, an atomic, a sign-extending
// load or move, or a legacy packet load: the types have no case for them.
//
// Encoding (8 bytes per slot, little-endian): opcode, dst register (low nibble) and src
// register (high nibble), signed 16-bit offset, signed 32-bit immediate. A 64-bit immediate
// load (lddw) takes two slots; the second has opcode 0 and the upper 32 bits in its immediate.

/// A register. r0: return value; r1-r5: arguments (clobbered by calls); r6-r9: preserved
/// across calls; r10: the read-only frame pointer (the top of the 512-byte stack).
public enum EBPFRegister: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case r0 = 0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10

    public var description: String { "r\(rawValue)" }
}

/// The width of an ALU operation: the ALU64 class or the 32-bit ALU class (whose result is
/// zero-extended into the 64-bit register).
public enum EBPFWidth: Sendable, CaseIterable {
    case bits64, bits32

    /// The instruction class (low 3 bits of the opcode).
    var instructionClass: UInt8 { self == .bits64 ? EBPFOpcode.classALU64 : EBPFOpcode.classALU }
}

/// A binary ALU operation (the high 4 bits of the opcode). Negation and byte swaps have no
/// source operand and are separate instructions.
public enum EBPFALUOperation: UInt8, CaseIterable, Sendable {
    case add = 0x00
    case sub = 0x10
    case mul = 0x20
    case div = 0x30
    case or = 0x40
    case and = 0x50
    case lsh = 0x60
    case rsh = 0x70
    case mod = 0x90
    case xor = 0xA0
    case mov = 0xB0
    case arsh = 0xC0
}

/// The source operand of an ALU operation or a conditional jump: a register (the X form) or
/// a signed 32-bit immediate (the K form; 64-bit operations sign-extend it).
public enum EBPFSource: Equatable, Sendable {
    case register(EBPFRegister)
    case immediate(Int32)
}

/// The byte order of a byte swap: `le` (opcode 0xd4) or `be` (0xdc), of 16, 32 or 64 bits.
public enum EBPFByteOrder: Sendable, CaseIterable {
    case little, big
}

/// The size of a memory access (bits 3-4 of the opcode).
public enum EBPFMemorySize: UInt8, CaseIterable, Sendable {
    case byte = 0x10
    case half = 0x08
    case word = 0x00
    case double = 0x18

    /// Bytes accessed.
    public var bytes: Int {
        switch self {
        case .byte: 1
        case .half: 2
        case .word: 4
        case .double: 8
        }
    }
}

/// The condition of a conditional jump (the high 4 bits of a JMP-class opcode). Unsigned:
/// gt, ge, lt, le; signed: sgt, sge, slt, sle; `set` jumps if `dst & src` is non-zero. lt, le,
/// slt and sle are the eBPF v2 additions.
public enum EBPFJumpCondition: UInt8, CaseIterable, Sendable {
    case eq = 0x10
    case gt = 0x20
    case ge = 0x30
    case set = 0x40
    case ne = 0x50
    case sgt = 0x60
    case sge = 0x70
    case lt = 0xA0
    case le = 0xB0
    case slt = 0xC0
    case sle = 0xD0

    /// Whether the comparison is unsigned and ordered (the four whose immediate the Alkali
    /// VM zero-extends where the eBPF standard sign-extends).
    public var isUnsignedOrdering: Bool { [.gt, .ge, .lt, .le].contains(self) }
}

/// Where a jump goes: a label of the program, or a raw offset in slots from the next
/// instruction (as encoded).
public enum EBPFJumpTarget: Equatable, Sendable, ExpressibleByStringLiteral {
    case label(String)
    case offset(Int16)

    public init(stringLiteral value: String) { self = .label(value) }
}

/// One eBPF v1/v2 instruction.
public enum EBPFInstruction: Equatable, Sendable {
    /// `dst op= src` (ALU64 or ALU; `mov` is `dst = src`).
    case alu(EBPFALUOperation, EBPFWidth, EBPFRegister, EBPFSource)
    /// `dst = -dst`.
    case neg(EBPFWidth, EBPFRegister)
    /// `dst = le16/le32/le64/be16/be32/be64 dst` (`bits` 16, 32 or 64).
    case byteSwap(EBPFByteOrder, bits: Int32, EBPFRegister)
    /// `dst = imm64 ll` (lddw, two slots).
    case loadImmediate64(EBPFRegister, UInt64)
    /// `dst = *(size *)(base + offset)` (LDX), zero-extended.
    case load(EBPFMemorySize, EBPFRegister, base: EBPFRegister, offset: Int16)
    /// `*(size *)(base + offset) = src` (STX).
    case store(EBPFMemorySize, base: EBPFRegister, offset: Int16, EBPFRegister)
    /// `*(size *)(base + offset) = imm` (ST).
    case storeImmediate(EBPFMemorySize, base: EBPFRegister, offset: Int16, Int32)
    /// `goto target` (ja).
    case jump(EBPFJumpTarget)
    /// `if dst cond src goto target`.
    case jumpIf(EBPFJumpCondition, EBPFRegister, EBPFSource, EBPFJumpTarget)
    /// A helper call by name (resolved by the loader from an R_BPF_64_32 relocation).
    case call(String)
    /// Returns r0.
    case exit

    /// Instruction slots it occupies: 2 for lddw, else 1.
    public var slotCount: Int {
        if case .loadImmediate64 = self { return 2 }
        return 1
    }

    // Shorthands for the common forms.

    /// `dst = src` (64-bit).
    public static func mov(_ dst: EBPFRegister, _ src: EBPFRegister) -> EBPFInstruction {
        .alu(.mov, .bits64, dst, .register(src))
    }

    /// `dst = imm` (64-bit, sign-extended).
    public static func mov(_ dst: EBPFRegister, _ imm: Int32) -> EBPFInstruction {
        .alu(.mov, .bits64, dst, .immediate(imm))
    }

    /// `dst += src` (64-bit).
    public static func add(_ dst: EBPFRegister, _ src: EBPFRegister) -> EBPFInstruction {
        .alu(.add, .bits64, dst, .register(src))
    }

    /// `dst += imm` (64-bit).
    public static func add(_ dst: EBPFRegister, _ imm: Int32) -> EBPFInstruction {
        .alu(.add, .bits64, dst, .immediate(imm))
    }

    /// `dst -= src` (64-bit).
    public static func sub(_ dst: EBPFRegister, _ src: EBPFRegister) -> EBPFInstruction {
        .alu(.sub, .bits64, dst, .register(src))
    }

    /// `if dst cond src goto target`.
    public static func jump(
        if dst: EBPFRegister, _ condition: EBPFJumpCondition, _ src: EBPFRegister, to target: EBPFJumpTarget
    ) -> EBPFInstruction {
        .jumpIf(condition, dst, .register(src), target)
    }

    /// `if dst cond imm goto target`.
    public static func jump(
        if dst: EBPFRegister, _ condition: EBPFJumpCondition, _ imm: Int32, to target: EBPFJumpTarget
    ) -> EBPFInstruction {
        .jumpIf(condition, dst, .immediate(imm), target)
    }

    /// A call to one of the CSD runtime's helpers.
    public static func call(_ helper: CSDRuntimeHelper) -> EBPFInstruction { .call(helper.name) }
}

/// Opcode fields (the eBPF encoding).
enum EBPFOpcode {
    static let classLD: UInt8 = 0x00
    static let classLDX: UInt8 = 0x01
    static let classST: UInt8 = 0x02
    static let classSTX: UInt8 = 0x03
    static let classALU: UInt8 = 0x04
    static let classJMP: UInt8 = 0x05
    /// eBPF v3's 32-bit jumps: never emitted; recognized by the disassembler only.
    static let classJMP32: UInt8 = 0x06
    static let classALU64: UInt8 = 0x07

    static let sourceX: UInt8 = 0x08
    static let modeIMM: UInt8 = 0x00
    static let modeMEM: UInt8 = 0x60

    static let neg: UInt8 = 0x80
    static let end: UInt8 = 0xD0
    static let ja: UInt8 = 0x00
    static let call: UInt8 = 0x80
    static let exit: UInt8 = 0x90

    static let lddw: UInt8 = 0x18
    static let opJA: UInt8 = 0x05
    static let opCall: UInt8 = 0x85
    static let opExit: UInt8 = 0x95
    static let opLE: UInt8 = 0xD4
    static let opBE: UInt8 = 0xDC
}

/// One encoded 8-byte instruction slot.
public struct EBPFSlot: Equatable, Hashable, Sendable {
    public var opcode: UInt8
    public var dst: UInt8
    public var src: UInt8
    public var offset: Int16
    public var immediate: Int32

    init(opcode: UInt8, dst: UInt8 = 0, src: UInt8 = 0, offset: Int16 = 0, immediate: Int32 = 0) {
        self.opcode = opcode
        self.dst = dst
        self.src = src
        self.offset = offset
        self.immediate = immediate
    }

    /// Decodes the slot at `bytes[start..<start + 8]`.
    public init<C: Collection>(decoding bytes: C) where C.Element == UInt8 {
        let b = Array(bytes.prefix(8)) + [UInt8](repeating: 0, count: max(0, 8 - bytes.count))
        opcode = b[0]
        dst = b[1] & 0x0F
        src = b[1] >> 4
        offset = Int16(bitPattern: UInt16(b[2]) | UInt16(b[3]) << 8)
        immediate = Int32(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[4 + $1]) << (8 * $1) })
    }

    /// The instruction class (low 3 bits of the opcode).
    public var instructionClass: UInt8 { opcode & 0x07 }

    /// The 8 little-endian bytes.
    public var bytes: [UInt8] {
        let off = UInt16(bitPattern: offset)
        let imm = UInt32(bitPattern: immediate)
        return [
            opcode, (src << 4) | (dst & 0x0F), UInt8(off & 0xFF), UInt8(off >> 8),
            UInt8(imm & 0xFF), UInt8((imm >> 8) & 0xFF), UInt8((imm >> 16) & 0xFF), UInt8(imm >> 24),
        ]
    }
}

extension EBPFInstruction {
    /// The slots of this instruction, with `offset` as the jump offset of a jump (whatever its
    /// target says) and clang's placeholder for a call (src_reg 1, imm -1: the loader
    /// replaces both when it resolves the call's relocation).
    func encode(jumpOffset: Int16 = 0) -> [EBPFSlot] {
        switch self {
        case .alu(let op, let width, let dst, .register(let src)):
            return [
                EBPFSlot(
                    opcode: op.rawValue | EBPFOpcode.sourceX | width.instructionClass, dst: dst.rawValue,
                    src: src.rawValue)
            ]
        case .alu(let op, let width, let dst, .immediate(let imm)):
            return [EBPFSlot(opcode: op.rawValue | width.instructionClass, dst: dst.rawValue, immediate: imm)]
        case .neg(let width, let dst):
            return [EBPFSlot(opcode: EBPFOpcode.neg | width.instructionClass, dst: dst.rawValue)]
        case .byteSwap(let order, let bits, let dst):
            let opcode = order == .little ? EBPFOpcode.opLE : EBPFOpcode.opBE
            return [EBPFSlot(opcode: opcode, dst: dst.rawValue, immediate: bits)]
        case .loadImmediate64(let dst, let value):
            return [
                EBPFSlot(
                    opcode: EBPFOpcode.lddw, dst: dst.rawValue,
                    immediate: Int32(bitPattern: UInt32(truncatingIfNeeded: value))),
                EBPFSlot(opcode: 0, immediate: Int32(bitPattern: UInt32(truncatingIfNeeded: value >> 32))),
            ]
        case .load(let size, let dst, let base, let offset):
            return [
                EBPFSlot(
                    opcode: EBPFOpcode.classLDX | EBPFOpcode.modeMEM | size.rawValue, dst: dst.rawValue,
                    src: base.rawValue, offset: offset)
            ]
        case .store(let size, let base, let offset, let src):
            return [
                EBPFSlot(
                    opcode: EBPFOpcode.classSTX | EBPFOpcode.modeMEM | size.rawValue, dst: base.rawValue,
                    src: src.rawValue, offset: offset)
            ]
        case .storeImmediate(let size, let base, let offset, let imm):
            return [
                EBPFSlot(
                    opcode: EBPFOpcode.classST | EBPFOpcode.modeMEM | size.rawValue, dst: base.rawValue,
                    offset: offset, immediate: imm)
            ]
        case .jump:
            return [EBPFSlot(opcode: EBPFOpcode.opJA, offset: jumpOffset)]
        case .jumpIf(let condition, let dst, .register(let src), _):
            return [
                EBPFSlot(
                    opcode: condition.rawValue | EBPFOpcode.sourceX | EBPFOpcode.classJMP, dst: dst.rawValue,
                    src: src.rawValue, offset: jumpOffset)
            ]
        case .jumpIf(let condition, let dst, .immediate(let imm), _):
            return [
                EBPFSlot(
                    opcode: condition.rawValue | EBPFOpcode.classJMP, dst: dst.rawValue, offset: jumpOffset,
                    immediate: imm)
            ]
        case .call:
            return [EBPFSlot(opcode: EBPFOpcode.opCall, src: 1, immediate: -1)]
        case .exit:
            return [EBPFSlot(opcode: EBPFOpcode.opExit)]
        }
    }
}
