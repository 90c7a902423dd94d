/// One VTA instruction, typed.
///
/// Field values are plain `Int`s rather than fixed-width integers on purpose: widths depend on
/// the configuration, so the type cannot know them. `InstructionCodec` checks every value
/// against its field and refuses (never truncates) one that does not fit.
public enum Instruction: Sendable, Hashable {
    case load(MemoryInstruction)
    case store(MemoryInstruction)
    case gemm(GemmInstruction)
    case alu(AluInstruction)
    case finish(FinishInstruction)

    public var opcode: Opcode {
        switch self {
        case .load: .load
        case .store: .store
        case .gemm: .gemm
        case .alu: .alu
        case .finish: .finish
        }
    }

    /// The dependency-token flags, common to every kind.
    public var deps: DependencyFlags {
        get {
            switch self {
            case .load(let m), .store(let m): m.deps
            case .gemm(let g): g.deps
            case .alu(let a): a.deps
            case .finish(let f): f.deps
            }
        }
        set {
            switch self {
            case .load(var m):
                m.deps = newValue
                self = .load(m)
            case .store(var m):
                m.deps = newValue
                self = .store(m)
            case .gemm(var g):
                g.deps = newValue
                self = .gemm(g)
            case .alu(var a):
                a.deps = newValue
                self = .alu(a)
            case .finish(var f):
                f.deps = newValue
                self = .finish(f)
            }
        }
    }

    /// The module that executes this instruction. LOADs of INP and WGT go to the load module;
    /// LOADs of UOP, ACC and ACC_8BIT are executed by compute (they feed compute's own SRAMs).
    public var module: ExecutionModule {
        switch self {
        case .load(let m):
            switch m.memoryType {
            case .input, .weight: .load
            case .uop, .accumulator, .acc8Bit, .output: .compute
            }
        case .store: .store
        case .gemm, .alu, .finish: .compute
        }
    }

    /// A short name for messages: `LOAD INP`, `ALU SHR`, `GEMM`.
    public var mnemonic: String {
        switch self {
        case .load(let m): "LOAD \(m.memoryType)"
        case .store(let m): "STORE \(m.memoryType)"
        case .gemm: "GEMM"
        case .alu(let a): "ALU \(a.opcode)"
        case .finish: "FINISH"
        }
    }
}

/// LOAD and STORE (`VTAMemInsn`): a 2-D strided transfer between DRAM and an SRAM, with
/// zero padding on loads.
public struct MemoryInstruction: Sendable, Hashable {
    public var deps: DependencyFlags
    public var memoryType: MemoryType
    /// First SRAM element written (LOAD) or read (STORE).
    public var sramBase: Int
    /// First DRAM element, in elements of `memoryType` (not bytes).
    public var dramBase: Int
    /// Rows transferred.
    public var ySize: Int
    /// Elements per row; 0 makes the instruction a no-op that only moves tokens.
    public var xSize: Int
    /// DRAM distance between rows, in elements.
    public var xStride: Int
    /// Zero rows before the data (LOAD INP/ACC only).
    public var yPad0: Int
    /// Zero rows after the data.
    public var yPad1: Int
    /// Zero elements before each row.
    public var xPad0: Int
    /// Zero elements after each row.
    public var xPad1: Int

    public init(
        memoryType: MemoryType, sramBase: Int, dramBase: Int, ySize: Int, xSize: Int, xStride: Int,
        yPad0: Int = 0, yPad1: Int = 0, xPad0: Int = 0, xPad1: Int = 0, deps: DependencyFlags = []
    ) {
        self.deps = deps
        self.memoryType = memoryType
        self.sramBase = sramBase
        self.dramBase = dramBase
        self.ySize = ySize
        self.xSize = xSize
        self.xStride = xStride
        self.yPad0 = yPad0
        self.yPad1 = yPad1
        self.xPad0 = xPad0
        self.xPad1 = xPad1
    }

    /// True when any padding field is non-zero.
    public var hasPadding: Bool { yPad0 != 0 || yPad1 != 0 || xPad0 != 0 || xPad1 != 0 }

    /// SRAM elements a LOAD writes: padded rows times padded row length.
    public var paddedElementCount: Int { (yPad0 + ySize + yPad1) * (xPad0 + xSize + xPad1) }

    /// DRAM bytes the transfer reads or writes (padding is made on chip, never read).
    public func dramBytes(_ config: HardwareConfig) -> Int {
        ySize * xSize * config.dramElementBytes(memoryType)
    }
}

/// The loop nest shared by GEMM and ALU:
/// `for i in 0..<iterOut { for j in 0..<iterIn { for u in uopBegin..<uopEnd { ... } } }`
/// with every index = uop field + i·factorOut + j·factorIn.
public struct UopLoop: Sendable, Hashable {
    /// First micro-op (SRAM index in the uop buffer).
    public var uopBegin: Int
    /// One past the last micro-op.
    public var uopEnd: Int
    public var iterOut: Int
    public var iterIn: Int
    public var dstFactorOut: Int
    public var dstFactorIn: Int
    public var srcFactorOut: Int
    public var srcFactorIn: Int

    public init(
        uopBegin: Int, uopEnd: Int, iterOut: Int = 1, iterIn: Int = 1,
        dstFactorOut: Int = 0, dstFactorIn: Int = 0, srcFactorOut: Int = 0, srcFactorIn: Int = 0
    ) {
        self.uopBegin = uopBegin
        self.uopEnd = uopEnd
        self.iterOut = iterOut
        self.iterIn = iterIn
        self.dstFactorOut = dstFactorOut
        self.dstFactorIn = dstFactorIn
        self.srcFactorOut = srcFactorOut
        self.srcFactorIn = srcFactorIn
    }

    /// Micro-op executions: iterOut · iterIn · (uopEnd - uopBegin), 0 if any is empty.
    public var executionCount: Int { max(0, iterOut) * max(0, iterIn) * max(0, uopEnd - uopBegin) }
}

/// GEMM (`VTAGemInsn`): acc[dst] += inp[src] · wgt[wgt]ᵀ per micro-op, or acc[dst] = 0 on reset.
public struct GemmInstruction: Sendable, Hashable {
    public var deps: DependencyFlags
    /// Zero the accumulators instead of multiplying.
    public var reset: Bool
    public var loop: UopLoop
    public var wgtFactorOut: Int
    public var wgtFactorIn: Int

    public init(
        reset: Bool = false, loop: UopLoop, wgtFactorOut: Int = 0, wgtFactorIn: Int = 0,
        deps: DependencyFlags = []
    ) {
        self.deps = deps
        self.reset = reset
        self.loop = loop
        self.wgtFactorOut = wgtFactorOut
        self.wgtFactorIn = wgtFactorIn
    }
}

/// ALU (`VTAAluInsn`): acc[dst] = op(acc[dst], useImmediate ? imm : acc[src]) lane by lane.
public struct AluInstruction: Sendable, Hashable {
    public var deps: DependencyFlags
    /// The reset bit exists in the ALU word too; the simulator ignores it (the verifier warns).
    public var reset: Bool
    public var opcode: AluOpcode
    public var loop: UopLoop
    public var useImmediate: Bool
    /// Signed 16-bit immediate, sign-extended to the accumulator width.
    public var immediate: Int

    public init(
        opcode: AluOpcode, loop: UopLoop, useImmediate: Bool = false, immediate: Int = 0,
        reset: Bool = false, deps: DependencyFlags = []
    ) {
        self.deps = deps
        self.reset = reset
        self.opcode = opcode
        self.loop = loop
        self.useImmediate = useImmediate
        self.immediate = immediate
    }
}

/// FINISH: tells the host the stream is done. Only the opcode and dependency bits exist.
public struct FinishInstruction: Sendable, Hashable {
    public var deps: DependencyFlags

    public init(deps: DependencyFlags = []) { self.deps = deps }
}
