import VTATarget

/// How a DEPTHWISE_CONV_2D multiplies each channel by its own taps, and why.
///
/// The GEMM unit multiplies a vector by a BLOCK×BLOCK tile; a diagonal tile makes it a
/// per-lane multiply, one tap-vector per GEMM micro-op (15 of every 16 MACs unused). The
/// alternative on the extended profile is ALU multiply-accumulate: a tensor MUL of the input
/// by the tap's weight vector and a tensor ADD into the accumulator, two ALU micro-ops per
/// tap-vector. The stock profile has no MUL, so only the first exists there.
public struct DepthwiseStrategy: Sendable, CustomStringConvertible {
    /// Cycles per tap-vector of diagonal GEMM and of ALU multiply-accumulate (nil on stock).
    public var gemmCycles: Int
    public var aluCycles: Int?

    /// The cheaper route by the target's cycle model. Only diagonal GEMM is emitted; should a
    /// target's cycle model ever price ALU multiply-accumulate lower, the description says so.
    public static func choose(target: Target) -> DepthwiseStrategy {
        let model = target.cycleModel
        return DepthwiseStrategy(
            gemmCycles: model.gemmCyclesPerUop,
            aluCycles: target.profile == .extended ? 2 * model.aluTensorCyclesPerUop : nil)
    }

    public var description: String {
        guard let alu = aluCycles else {
            return "diagonal GEMM (\(gemmCycles) cycle/tap-vector; no ALU MUL on this profile)"
        }
        let verdict = alu < gemmCycles ? "cheaper, not implemented" : "not cheaper"
        return "diagonal GEMM (\(gemmCycles) cycle/tap-vector; ALU multiply-accumulate \(alu), \(verdict))"
    }
}
