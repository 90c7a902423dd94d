import Testing
import VTATarget

@Suite("Cycle model")
struct CycleModelTests {
    @Test func estimatesFollowTheParameters() throws {
        let target = try shippedTarget("alkali")
        let model = target.cycleModel
        let overhead = model.instructionOverheadCycles
        func cycles(_ i: Instruction) -> Int {
            model.cycles(for: i, config: target.config, busWidthBits: target.busWidthBits)
        }
        // 4 rows of 8 INP elements (128 bytes = 16 beats of 64 bits) plus 2 padding rows of 10 and 2 padding columns per row.
        let load = Instruction.load(
            MemoryInstruction(
                memoryType: .input, sramBase: 0, dramBase: 0, ySize: 4, xSize: 8, xStride: 8, yPad0: 1,
                yPad1: 1,
                xPad0: 1, xPad1: 1))
        #expect(cycles(load) == overhead + 4 * (model.dmaLatencyCycles + 16) + (6 * 10 - 32))
        let gemm = Instruction.gemm(
            GemmInstruction(loop: UopLoop(uopBegin: 0, uopEnd: 9, iterOut: 4, iterIn: 2)))
        #expect(cycles(gemm) == overhead + 72 * model.gemmCyclesPerUop)
        let alu = Instruction.alu(
            AluInstruction(opcode: .add, loop: UopLoop(uopBegin: 0, uopEnd: 2, iterIn: 8)))
        #expect(cycles(alu) == overhead + 16 * model.aluTensorCyclesPerUop)
        let noop = Instruction.store(
            MemoryInstruction(memoryType: .output, sramBase: 0, dramBase: 0, ySize: 1, xSize: 0, xStride: 0))
        #expect(cycles(noop) == overhead)
    }
}
