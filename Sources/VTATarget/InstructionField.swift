/// Every named bit field of the instruction and micro-op words.
///
/// The raw values are the upstream C bit-field names (`hw_spec.h`), so messages point people
/// at the names they will find in the VTA sources.
public enum InstructionField: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    // Common header.
    case opcode
    case popPrev = "pop_prev_dep"
    case popNext = "pop_next_dep"
    case pushPrev = "push_prev_dep"
    case pushNext = "push_next_dep"
    // LOAD / STORE.
    case memoryType = "memory_type"
    case sramBase = "sram_base"
    case dramBase = "dram_base"
    case ySize = "y_size"
    case xSize = "x_size"
    case xStride = "x_stride"
    case yPad0 = "y_pad_0"
    case yPad1 = "y_pad_1"
    case xPad0 = "x_pad_0"
    case xPad1 = "x_pad_1"
    // GEMM / ALU.
    case reset = "reset_reg"
    case uopBegin = "uop_bgn"
    case uopEnd = "uop_end"
    case iterOut = "iter_out"
    case iterIn = "iter_in"
    case dstFactorOut = "dst_factor_out"
    case dstFactorIn = "dst_factor_in"
    case srcFactorOut = "src_factor_out"
    case srcFactorIn = "src_factor_in"
    case wgtFactorOut = "wgt_factor_out"
    case wgtFactorIn = "wgt_factor_in"
    // ALU only.
    case aluOpcode = "alu_opcode"
    case useImm = "use_imm"
    case imm
    // Micro-op.
    case dstIndex = "dst_idx"
    case srcIndex = "src_idx"
    case wgtIndex = "wgt_idx"

    public var description: String { rawValue }
}
