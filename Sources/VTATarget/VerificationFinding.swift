/// How bad a finding is. Errors make a stream unsafe to run; warnings point at something
/// legal but suspicious (or not portable between the simulator and the HLS design).
public enum Severity: String, Sendable, Hashable, Comparable, CustomStringConvertible {
    case warning
    case error

    public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }

    public var description: String { rawValue }
}

/// The rules the stream verifier checks. The raw value is the stable identifier printed in
/// reports and used by tests; see ASSEMBLY.md for the list with explanations.
public enum VerificationRule: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Bytes that do not decode to an instruction (only when verifying encoded streams).
    case decode = "decode.invalid"
    /// A field value that does not fit its bit field (loop counts, factors, sizes, addresses, imm).
    case fieldOverflow = "encoding.field-overflow"
    /// ALU MUL or LOAD ACC_8BIT on a `stock` target.
    case profile = "isa.profile"
    /// LOAD of OUT, or STORE of anything but OUT.
    case memoryType = "isa.memory-type"
    /// A dependency flag on a side where the module has no queue (load: prev, store: next).
    case dependencyQueue = "deps.no-queue"
    /// Padding on a LOAD of WGT or UOP (the HLS design pads only INP and ACC).
    case loadPadding = "load.padding"
    /// Padding on a STORE (stores never pad).
    case storePadding = "store.padding"
    /// An SRAM index range outside its buffer (LOAD incl. padding, STORE, GEMM/ALU operands).
    case sramRange = "sram.out-of-range"
    /// uop_bgn/uop_end outside the micro-op buffer, or uop_bgn > uop_end.
    case uopRange = "uop.out-of-range"
    /// GEMM/ALU executes a micro-op slot no LOAD UOP (and no initial contents) defined.
    case uopUndefined = "uop.undefined"
    /// A LOAD UOP reads DRAM that no provided micro-op image covers.
    case uopImage = "uop.outside-image"
    /// A GEMM/ALU whose loops execute nothing (warning).
    case emptyLoop = "loop.empty"
    /// A transfer reaching past the 32-bit physical address space.
    case dramOverflow = "dram.address-overflow"
    /// A transfer touching DRAM outside every region allowed for its memory type.
    case dramRegion = "dram.outside-region"
    /// A micro-op execution writes the accumulator index one of the two previous executions wrote.
    case accumulatorHazard = "hazard.accumulator"
    /// A tensor ALU reads as source an index one of the two previous executions wrote (warning).
    case aluSourceHazard = "hazard.alu-source"
    /// SHR with an immediate outside the portable range (-16...15 for int32 accumulators).
    case shiftRange = "alu.shift-range"
    /// The reset bit on an ALU instruction: the simulator ignores it (warning).
    case aluReset = "alu.reset"
    /// The three modules reach a state where none can proceed.
    case deadlock = "tokens.deadlock"
    /// A module blocks forever pushing into a full token FIFO (target `fifo_depth`).
    case fifoDepth = "tokens.fifo-depth"
    /// Tokens left in a queue when every module has finished.
    case leftoverTokens = "tokens.leftover"
    /// The stream has no FINISH.
    case finishMissing = "finish.missing"
    /// FINISH with pop flags (upstream's runtime notes FINISH cannot pop; a no-op pops instead).
    case finishPops = "finish.pops"
    /// An instruction follows a FINISH.
    case finishNotLast = "finish.not-last"
    /// A LOAD or STORE that does not happen-before FINISH through tokens and program order.
    case finishUnordered = "finish.unordered"
    /// Two modules access the same SRAM element, at least one writing, with no token ordering.
    case race = "race.sram"
    /// A STORE reads an accumulator whose last write was a LOAD: hardware stores from an output
    /// buffer that only GEMM and ALU write.
    case storeNotComputed = "store.not-computed"
    /// A STORE reads an accumulator this stream never wrote (warning).
    case storeUnwritten = "store.unwritten"

    public var severity: Severity {
        switch self {
        case .emptyLoop, .aluSourceHazard, .aluReset, .storeUnwritten: .warning
        default: .error
        }
    }

    public var description: String { rawValue }
}

/// One problem the verifier found.
public struct VerificationFinding: Sendable, Hashable, CustomStringConvertible {
    /// Index of the instruction in the stream, nil for findings about the stream as a whole.
    public var index: Int?
    public var rule: VerificationRule
    public var severity: Severity
    /// A sentence for people: what is wrong, with the numbers that show it.
    public var message: String

    public init(index: Int?, rule: VerificationRule, message: String, severity: Severity? = nil) {
        self.index = index
        self.rule = rule
        self.severity = severity ?? rule.severity
        self.message = message
    }

    public var description: String {
        let place = index.map { "#\($0)" } ?? "stream"
        return "\(place): \(severity) [\(rule)] \(message)"
    }
}

/// Everything the verifier found about one stream.
public struct VerificationReport: Sendable, CustomStringConvertible {
    /// Findings ordered by instruction index (stream-level findings last).
    public var findings: [VerificationFinding]
    /// The token simulation the ordering checks were based on.
    public var simulation: TokenSimulation?
    /// Per instruction index, one past the highest element the instruction addresses in each
    /// SRAM buffer (STOREs count under ACC, whose indices the OUT buffer shares; GEMM and ALU
    /// count their micro-op slots under UOP and every operand index their loops reach, the ALU
    /// source included even with an immediate, since the hardware reads it). Instructions the
    /// verifier could not analyse (out of range, undefined micro-ops) are missing.
    public var sramTops: [Int: [SRAMBuffer: Int]] = [:]

    public var errors: [VerificationFinding] { findings.filter { $0.severity == .error } }
    public var warnings: [VerificationFinding] { findings.filter { $0.severity == .warning } }

    /// True when nothing makes the stream unsafe to run (warnings allowed).
    public var isSafe: Bool { errors.isEmpty }

    /// Findings for one rule.
    public func findings(_ rule: VerificationRule) -> [VerificationFinding] {
        findings.filter { $0.rule == rule }
    }

    /// Whether any finding has this rule.
    public func has(_ rule: VerificationRule) -> Bool { findings.contains { $0.rule == rule } }

    public var description: String {
        if findings.isEmpty { return "stream verified: no findings" }
        let summary = "\(errors.count) error(s), \(warnings.count) warning(s)"
        return ([summary] + findings.map(\.description)).joined(separator: "\n")
    }
}
