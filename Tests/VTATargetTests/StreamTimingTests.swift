import Testing

@testable import VTATarget

/// The concurrent three-module timing model, against schedules worked out by hand.
@Suite struct StreamTimingTests {
    /// DMA latency 10, no per-instruction overhead, GEMM 1 cycle per uop, 64-bit bus.
    let target = Target(
        name: "hand", config: .tvmDefault, profile: .stock, clockMHz: 100, busWidthBits: 64, fifoDepth: 1024,
        cycleModel: CycleModel(
            dmaLatencyCycles: 10, gemmCyclesPerUop: 1, aluTensorCyclesPerUop: 2, aluImmediateCyclesPerUop: 1,
            instructionOverheadCycles: 0))

    func loadInput(_ deps: DependencyFlags) -> Instruction {
        // One row of one 16-byte INP element: 10 + 2 beats = 12 cycles.
        .load(
            MemoryInstruction(
                memoryType: .input, sramBase: 0, dramBase: 0, ySize: 1, xSize: 1, xStride: 1, deps: deps))
    }

    func gemm(_ uops: Int, _ deps: DependencyFlags) -> Instruction {
        .gemm(GemmInstruction(loop: UopLoop(uopBegin: 0, uopEnd: uops), deps: deps))
    }

    func store(_ deps: DependencyFlags) -> Instruction {
        .store(
            MemoryInstruction(
                memoryType: .output, sramBase: 0, dramBase: 0, ySize: 1, xSize: 1, xStride: 1, deps: deps))
    }

    /// load (0–12) → gemm (12–16) → store (16–28) → finish (28): serial through tokens.
    @Test func serialChain() throws {
        let timing = try target.timing(of: [
            loadInput(.pushNext), gemm(4, [.popPrev, .pushNext]), store([.popPrev, .pushPrev]),
            .finish(FinishInstruction(deps: .popNext)),
        ])
        #expect(timing.intervals == [0..<12, 12..<16, 16..<28, 28..<28])
        #expect(timing.totalCycles == 28)
        #expect(timing.busyCycles == [.load: 12, .compute: 4, .store: 12])
        #expect(timing.stallCycles[.compute] == 12 + 12)  // GEMM waits for the load, FINISH for the store
        #expect(timing.macs == 4 * 256)
        #expect(abs(timing.gemmUtilization - Double(4 * 256) / Double(28 * 256)) < 1e-12)
    }

    /// Two tiles double-buffered: the second load overlaps the first GEMM, so the total is less
    /// than the serial sum. load0 0–12, load1 12–24, gemm0 12–32, gemm1 32–52, store 52–64.
    @Test func doubleBufferingOverlaps() throws {
        let timing = try target.timing(of: [
            loadInput(.pushNext), loadInput(.pushNext),
            gemm(20, .popPrev), gemm(20, [.popPrev, .pushNext]),
            store(.popPrev),
        ])
        #expect(timing.intervals == [0..<12, 12..<24, 12..<32, 32..<52, 52..<64])
        #expect(timing.totalCycles == 64)
        #expect(timing.totalCycles < 12 + 12 + 20 + 20 + 12)
    }

    /// The answer does not depend on which module the model looks at first: a stream where the
    /// store module could be visited before its token exists still times the same.
    @Test func deadlockIsAnError() {
        #expect(throws: StreamTimingError.self) {
            try target.timing(of: [gemm(1, .popPrev), .finish(FinishInstruction())])
        }
    }

    /// Shipped targets time the same stream differently only through their parameters.
    @Test func alkaliIsTwiceAsFastAsPynqInSeconds() throws {
        let alkali = try Target.load(name: "alkali")
        let pynq = try Target.load(name: "pynq")
        let stream: [Instruction] = [loadInput(.pushNext), gemm(64, .popPrev), .finish(FinishInstruction())]
        let a = try alkali.timing(of: stream)
        let p = try pynq.timing(of: stream)
        #expect(a.macs == p.macs)
        #expect(Double(a.totalCycles) / alkali.clockMHz < Double(p.totalCycles) / pynq.clockMHz)
    }
}
