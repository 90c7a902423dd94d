/// A 32-bit micro-op: the per-iteration operand indices of a GEMM or ALU loop.
///
/// `dst` indexes the accumulator SRAM; `src` indexes the input SRAM for GEMM and the
/// accumulator SRAM for ALU; `wgt` indexes the weight SRAM (GEMM only).
public struct MicroOp: Sendable, Hashable, CustomStringConvertible {
    public var dst: Int
    public var src: Int
    public var wgt: Int

    public init(dst: Int, src: Int = 0, wgt: Int = 0) {
        self.dst = dst
        self.src = src
        self.wgt = wgt
    }

    public var description: String { "UOP dst=\(dst) src=\(src) wgt=\(wgt)" }
}
