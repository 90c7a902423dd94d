/// The 3-bit instruction opcode at bits 0-2 of every VTA instruction.
///
/// The raw values are the upstream encodings (`VTA_OPCODE_*`); they are part of the binary
/// format, so they never change.
public enum Opcode: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case load = 0
    case store = 1
    case gemm = 2
    case finish = 3
    case alu = 4

    /// The mnemonic used by the assembly text form.
    public var mnemonic: String {
        switch self {
        case .load: "LOAD"
        case .store: "STORE"
        case .gemm: "GEMM"
        case .finish: "FINISH"
        case .alu: "ALU"
        }
    }

    public var description: String { mnemonic }
}

/// The memory a LOAD fills or a STORE drains (`VTA_MEM_ID_*`).
///
/// `out` names the int8 output buffer that mirrors the accumulator SRAM; only STORE uses it.
/// `acc8Bit` exists only in the extended profile: int8 values in DRAM, sign-extended into the
/// accumulator SRAM.
public enum MemoryType: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case uop = 0
    case weight = 1
    case input = 2
    case accumulator = 3
    case output = 4
    case acc8Bit = 5

    /// The name used by the assembly text form and in messages.
    public var mnemonic: String {
        switch self {
        case .uop: "UOP"
        case .weight: "WGT"
        case .input: "INP"
        case .accumulator: "ACC"
        case .output: "OUT"
        case .acc8Bit: "ACC_8BIT"
        }
    }

    /// The on-chip buffer this memory type addresses. OUT and ACC_8BIT both index the
    /// accumulator-sized buffer: the output SRAM mirrors it element for element.
    public var buffer: SRAMBuffer {
        switch self {
        case .uop: .uop
        case .weight: .weight
        case .input: .input
        case .accumulator, .output, .acc8Bit: .accumulator
        }
    }

    public var description: String { mnemonic }
}

/// The four on-chip SRAMs whose depths the configuration derives.
public enum SRAMBuffer: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case uop = "UOP"
    case input = "INP"
    case weight = "WGT"
    case accumulator = "ACC"

    /// The `vta_config.json` key that sizes this buffer, used to name the culprit in errors.
    public var sizeKey: String {
        switch self {
        case .uop: "LOG_UOP_BUFF_SIZE"
        case .input: "LOG_INP_BUFF_SIZE"
        case .weight: "LOG_WGT_BUFF_SIZE"
        case .accumulator: "LOG_ACC_BUFF_SIZE"
        }
    }

    public var description: String { rawValue }
}

/// The ALU operation of an ALU instruction (`VTA_ALU_OPCODE_*`). MUL is extended-profile only.
public enum AluOpcode: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case min = 0
    case max = 1
    case add = 2
    case shr = 3
    case mul = 4

    public var mnemonic: String {
        switch self {
        case .min: "MIN"
        case .max: "MAX"
        case .add: "ADD"
        case .shr: "SHR"
        case .mul: "MUL"
        }
    }

    public var description: String { mnemonic }
}
