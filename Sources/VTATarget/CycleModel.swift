/// The timing parameters of a target, used to estimate how long instructions take.
///
/// These are coarse, per-target assumptions (documented in each target's README.md), not a
/// cycle-accurate model: enough to compare schedules and to size double buffering.
public struct CycleModel: Sendable, Hashable {
    /// Fixed cost of one DMA transfer (one row of a LOAD/STORE): address phase plus DRAM latency.
    public var dmaLatencyCycles: Int
    /// Cycles per micro-op execution of GEMM (the HLS loop is pipelined at II = 1).
    public var gemmCyclesPerUop: Int
    /// Cycles per micro-op execution of a tensor-tensor ALU op (two accumulator reads: II = 2).
    public var aluTensorCyclesPerUop: Int
    /// Cycles per micro-op execution of an ALU op with an immediate (II = 1).
    public var aluImmediateCyclesPerUop: Int
    /// Cycles to fetch, decode and dispatch any instruction, and to drain a pipeline.
    public var instructionOverheadCycles: Int

    public init(
        dmaLatencyCycles: Int, gemmCyclesPerUop: Int, aluTensorCyclesPerUop: Int,
        aluImmediateCyclesPerUop: Int, instructionOverheadCycles: Int
    ) {
        self.dmaLatencyCycles = dmaLatencyCycles
        self.gemmCyclesPerUop = gemmCyclesPerUop
        self.aluTensorCyclesPerUop = aluTensorCyclesPerUop
        self.aluImmediateCyclesPerUop = aluImmediateCyclesPerUop
        self.instructionOverheadCycles = instructionOverheadCycles
    }

    /// Estimated cycles for one instruction on its own module, ignoring token waits.
    /// Transfers cost one DMA latency per row plus one bus beat per `busWidthBits` of data;
    /// padding is written at one element per cycle.
    public func cycles(for instruction: Instruction, config: HardwareConfig, busWidthBits: Int) -> Int {
        let busBytes = max(1, busWidthBits / 8)
        switch instruction {
        case .load(let m), .store(let m):
            guard m.xSize > 0 else { return instructionOverheadCycles }
            let rowBytes = m.xSize * config.dramElementBytes(m.memoryType)
            let beats = (rowBytes + busBytes - 1) / busBytes
            let padding = m.paddedElementCount - m.xSize * m.ySize
            return instructionOverheadCycles + m.ySize * (dmaLatencyCycles + beats) + padding
        case .gemm(let g):
            return instructionOverheadCycles + g.loop.executionCount * gemmCyclesPerUop
        case .alu(let a):
            let perUop = a.useImmediate ? aluImmediateCyclesPerUop : aluTensorCyclesPerUop
            return instructionOverheadCycles + a.loop.executionCount * perUop
        case .finish:
            return instructionOverheadCycles
        }
    }
}
