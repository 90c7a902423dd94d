/// Which optional parts of the ISA a target implements (a vtac notion, not a TVM key).
///
/// The Xilinx HLS design (the Alkali and PYNQ bitstreams) builds the `stock` ISA. The upstream
/// functional simulator and the Intel OpenCL design also execute ALU MUL and 8-bit ACC loads;
/// a stream that uses them there would hang or corrupt on stock hardware, so the verifier
/// refuses them unless the target says `extended`.
public enum ISAProfile: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case stock
    case extended

    /// Whether an ALU operation exists on this profile (MUL is extended only).
    public func supports(_ op: AluOpcode) -> Bool {
        op != .mul || self == .extended
    }

    /// Whether a LOAD of this memory type exists on this profile (ACC_8BIT is extended only;
    /// OUT is never a LOAD source).
    public func supportsLoad(of type: MemoryType) -> Bool {
        switch type {
        case .uop, .weight, .input, .accumulator: true
        case .acc8Bit: self == .extended
        case .output: false
        }
    }

    public var description: String { rawValue }
}
