// Malformed streams must fail with a precise message — never crash, never hang.
import CVTASim
import Testing

@Suite struct ErrorTests {
    @Test func invalidOpcodesAndMemoryTypes() throws {
        let sim = try Sim()
        let e = sim.enc
        for op in [5, 6, 7] as [Int64] {
            var i = Insn()
            i.set(sim.enc.layout.gemm["opcode"]!, op)
            #expect(sim.run([e.gemm(Encoder.Loops(uops: 0..<0)), i, e.finish()]) == VTA_SIM_ERR_DECODE)
            #expect(sim.error.contains("insn 1") && sim.error.contains("invalid opcode \(op)"))
        }
        for t in [Mem.out.rawValue, 6, 7] {
            #expect(
                sim.run([e.mem(.load, t, sram: 0, dram: 0, y: 1, x: 1, stride: 1), e.finish()])
                    == VTA_SIM_ERR_DECODE)
            #expect(sim.error.contains("memory type"))
        }
        for t in [Mem.inp.rawValue, Mem.acc.rawValue, Mem.uop.rawValue] {
            #expect(
                sim.run([e.mem(.store, t, sram: 0, dram: 0, y: 1, x: 1, stride: 1), e.finish()])
                    == VTA_SIM_ERR_DECODE)
            #expect(sim.error.contains("only OUT"))
        }
    }

    @Test func sramRangesAreChecked() throws {
        let sim = try Sim()
        let (g, e) = (sim.geo, sim.enc)
        let big = sim.alloc(4 * g.wgtBytes * 8)
        // LOAD past the end of INP: 2040 + 3 rows x (1 + 2 + 1) = 2052 > 2048.
        #expect(
            sim.run([
                e.load(.inp, sram: g.inpDepth - 8, dram: big.base(g.inpBytes), y: 3, x: 2, pad: (0, 0, 1, 1)),
                e.finish(),
            ])
                == VTA_SIM_ERR_SRAM)
        #expect(
            sim.error.contains("insn 0 (LOAD INP)") && sim.error.contains("2052")
                && sim.error.contains("2048"))
        #expect(
            sim.run([e.load(.wgt, sram: g.wgtDepth - 1, dram: big.base(g.wgtBytes), x: 2), e.finish()])
                == VTA_SIM_ERR_SRAM)
        #expect(
            sim.run([e.load(.uop, sram: g.uopDepth - 1, dram: big.base(4), x: 2), e.finish()])
                == VTA_SIM_ERR_SRAM)
        #expect(
            sim.run([e.store(sram: g.accDepth - 3, dram: big.base(g.outBytes), y: 2, x: 2), e.finish()])
                == VTA_SIM_ERR_SRAM)
        // uop_end beyond the UOP buffer.
        #expect(sim.run([e.gemm(Encoder.Loops(uops: 0..<(g.uopDepth + 1))), e.finish()]) == VTA_SIM_ERR_SRAM)
        #expect(sim.error.contains("uop_end"))
        var backwards = e.gemm(Encoder.Loops(uops: 0..<0))
        backwards.set(e.layout.gemm["uop_bgn"]!, 5)
        backwards.set(e.layout.gemm["uop_end"]!, 3)
        #expect(sim.run([backwards, e.finish()]) == VTA_SIM_ERR_DECODE)
        #expect(sim.error.contains("uop_bgn 5 > uop_end 3"))

        // An index that leaves the buffer only at the last iteration: 1000 + 3 x 16 + 1 x 1000 = 2048.
        let uops = sim.uopLoad([e.uop(dst: 1000, src: 0, wgt: 0)])
        let gemm = e.gemm(Encoder.Loops(uops: 0..<1, iterOut: 4, iterIn: 2, dst: (out: 16, in: 1000)))
        #expect(sim.run([uops, gemm, e.finish()]) == VTA_SIM_ERR_SRAM)
        #expect(
            sim.error.contains("insn 1 (GEMM)") && sim.error.contains("dst_idx 1000")
                && sim.error.contains("= 2048"))
        // GEMM src indexes INP, wgt indexes WGT.
        let srcUop = sim.uopLoad([e.uop(dst: 0, src: g.inpDepth - 1, wgt: 0)])
        #expect(
            sim.run([
                srcUop, e.gemm(Encoder.Loops(uops: 0..<1, iterOut: 2, src: (out: 1, in: 0))), e.finish(),
            ]) == VTA_SIM_ERR_SRAM)
        #expect(sim.error.contains("src_idx") && sim.error.contains("INP"))
        let wgtUop = sim.uopLoad([e.uop(dst: 0, src: 0, wgt: g.wgtDepth - 1)])
        #expect(
            sim.run([wgtUop, e.gemm(Encoder.Loops(uops: 0..<1, iterIn: 2, wgt: (out: 0, in: 1))), e.finish()])
                == VTA_SIM_ERR_SRAM)
        #expect(sim.error.contains("wgt_idx") && sim.error.contains("WGT"))
        // ALU src indexes ACC, and must be valid even with an immediate operand.
        let aluUop = sim.uopLoad([e.uop(dst: 0, src: g.accDepth - 1)])
        #expect(
            sim.run([
                aluUop, e.alu(.add, Encoder.Loops(uops: 0..<1, iterOut: 2, src: (out: 1, in: 0)), imm: 1),
                e.finish(),
            ]) == VTA_SIM_ERR_SRAM)
        #expect(sim.error.contains("src_idx") && sim.error.contains("ACC"))
    }

    @Test func dramAccessesOutsideAllocationsAreErrors() throws {
        let sim = try Sim()
        let (g, e) = (sim.geo, sim.enc)
        let buf = sim.alloc(4 * g.inpBytes)
        let base = buf.base(g.inpBytes)
        let ok = e.load(.inp, sram: 0, dram: base, y: 2, x: 2, deps: .pushNext)
        try sim.runOK([ok, e.finish(deps: .popPrev)])
        // One element past the end, reached through the stride on the second row.
        #expect(
            sim.run([e.load(.inp, sram: 0, dram: base, y: 2, x: 2, stride: 3), e.finish()]) == VTA_SIM_ERR_DMA
        )
        #expect(sim.error.contains("insn 0 (LOAD INP)") && sim.error.contains("row 1"))
        // Addresses nobody allocated, including 0 and the top of the 32-bit space.
        #expect(sim.run([e.load(.wgt, sram: 0, dram: 0, x: 1), e.finish()]) == VTA_SIM_ERR_DMA)
        #expect(sim.run([e.load(.inp, sram: 0, dram: 0xFFFF_FFFF, x: 1), e.finish()]) == VTA_SIM_ERR_DMA)
        #expect(sim.run([e.load(.uop, sram: 0, dram: 0x3FFF_FFFF, x: 4), e.finish()]) == VTA_SIM_ERR_DMA)
        // STORE beyond the end of its buffer: nothing is written outside it.
        let out = sim.alloc(g.outBytes)
        let uops = sim.uopLoad([e.uop(dst: 0), e.uop(dst: 1)])
        let rc = sim.run([
            uops, e.load(.acc, sram: 0, dram: sim.alloc(2 * g.accBytes).base(g.accBytes), x: 2),
            e.alu(.add, Encoder.Loops(uops: 0..<2), imm: 1, deps: .pushNext),
            e.store(sram: 0, dram: out.base(g.outBytes), x: 2, deps: [.popPrev, .pushPrev]),
            e.finish(deps: .popNext),
        ])
        #expect(rc == VTA_SIM_ERR_DMA && sim.error.contains("insn 3 (STORE)") && sim.error.contains("write"))
        // Instruction fetch outside memory.
        #expect(VTADeviceRun(sim.dev, 0, 1, 0) == VTA_SIM_ERR_DMA)
        #expect(sim.error.contains("instruction fetch"))
        let insns = sim.alloc(32)
        #expect(VTADeviceRun(sim.dev, insns.phy, 3, 0) == VTA_SIM_ERR_DMA)
    }

    @Test func poisonModeCatchesReadsOfUnwrittenSram() throws {
        let sim = try Sim { $0.sram_init = VTA_SIM_SRAM_POISON }
        let (g, e) = (sim.geo, sim.enc)
        let uops = sim.uopLoad([e.uop(dst: 0, src: 0, wgt: 0)])
        let one = Encoder.Loops(uops: 0..<1)
        let inp = e.load(.inp, sram: 0, dram: sim.alloc(g.inpBytes).base(g.inpBytes), x: 1, deps: .pushNext)
        // INP loaded, WGT never: the GEMM reads poison.
        #expect(
            sim.run([inp, uops, e.gemm(one, reset: true, deps: .popPrev), e.gemm(one), e.finish()])
                == VTA_SIM_ERR_POISON)
        #expect(sim.error.contains("insn 3 (GEMM)") && sim.error.contains("WGT element 0"), "\(sim.error)")
        // UOPs never loaded.
        VTASimResetSRAM(sim.dev)
        #expect(sim.run([e.gemm(Encoder.Loops(uops: 7..<8), reset: true), e.finish()]) == VTA_SIM_ERR_POISON)
        #expect(sim.error.contains("UOP element 7"))
        // ALU source never written (destination written by a reset).
        let alu = sim.uopLoad([e.uop(dst: 0, src: 5)])
        #expect(sim.run([alu, e.gemm(one, reset: true), e.alu(.add, one), e.finish()]) == VTA_SIM_ERR_POISON)
        #expect(sim.error.contains("ACC element 5"))
        // With an immediate the source is not read: fine.
        try sim.runOK([alu, e.gemm(one, reset: true), e.alu(.add, one, imm: 3), e.finish()])
        // STORE of an OUT element no GEMM/ALU wrote.
        let out = sim.alloc(2 * g.outBytes)
        #expect(
            sim.run([
                e.store(sram: 1, dram: out.base(g.outBytes), x: 1, deps: .pushPrev), e.finish(deps: .popNext),
            ])
                == VTA_SIM_ERR_POISON)
        #expect(sim.error.contains("OUT element 1"))

        // The same first stream in FILL mode runs, reading the fill value (here 0).
        let fill = try Sim()
        let fuops = fill.uopLoad([e.uop(dst: 0, src: 0, wgt: 0)])
        let finp = e.load(.inp, sram: 0, dram: fill.alloc(g.inpBytes).base(g.inpBytes), x: 1, deps: .pushNext)
        try fill.runOK([finp, fuops, e.gemm(one, reset: true, deps: .popPrev), e.gemm(one), e.finish()])
        #expect(fill.acc(0) == [Int32](repeating: 0, count: g.accBytes / 4))
    }

    @Test func accumulatorHazardsAreReported() throws {
        let sim = try Sim()
        let e = sim.enc
        // uops 0, 1, 0: the third writes what the one two executions before wrote.
        let uops = sim.uopLoad([e.uop(dst: 0), e.uop(dst: 1), e.uop(dst: 0)])
        let reset = e.gemm(Encoder.Loops(uops: 0..<2), reset: true)
        #expect(
            sim.run([uops, reset, e.alu(.add, Encoder.Loops(uops: 0..<3), imm: 1), e.finish()])
                == VTA_SIM_ERR_HAZARD)
        #expect(
            sim.error.contains("insn 2") && sim.error.contains("uop 2") && sim.error.contains("ACC element 0")
        )
        // A loop with dst_factor 0 repeats the destination on every iteration.
        let loop = e.alu(.add, Encoder.Loops(uops: 0..<1, iterOut: 2), imm: 1)
        #expect(sim.run([uops, reset, loop, e.finish()]) == VTA_SIM_ERR_HAZARD)
        // Three distinct destinations in rotation are fine; so is the check switched off.
        let ok = sim.uopLoad([e.uop(dst: 0), e.uop(dst: 1), e.uop(dst: 2)])
        try sim.runOK([
            ok, e.gemm(Encoder.Loops(uops: 0..<3), reset: true),
            e.alu(.add, Encoder.Loops(uops: 0..<3, iterOut: 5), imm: 1), e.finish(),
        ])
        #expect(sim.acc(2)[0] == 5)
        sim.setOptions { $0.check_hazards = 0 }
        try sim.runOK([uops, reset, loop, e.finish()])
        #expect(sim.acc(0)[0] == 2)
    }

    @Test func workBudgetStopsRunawayLoops() throws {
        let sim = try Sim()
        let (g, e) = (sim.geo, sim.enc)
        // 16383 x 16383 x 8191 uop executions would take days: refused before starting.
        let huge = Encoder.Loops(uops: 0..<(g.uopDepth - 1), iterOut: 16383, iterIn: 16383)
        #expect(sim.run([e.gemm(huge, reset: true), e.finish()]) == VTA_SIM_ERR_TIMEOUT)
        #expect(sim.error.contains("budget"))
        sim.setOptions { $0.max_uop_iters = 10 }
        let uops = sim.uopLoad((0..<4).map { e.uop(dst: $0) })
        try sim.runOK([
            uops, e.gemm(Encoder.Loops(uops: 0..<4, iterOut: 2, dst: (out: 4, in: 0)), reset: true),
            e.finish(),
        ])
        #expect(
            sim.run([
                uops, e.gemm(Encoder.Loops(uops: 0..<4, iterOut: 3, dst: (out: 4, in: 0)), reset: true),
                e.finish(),
            ]) == VTA_SIM_ERR_TIMEOUT)
    }

    /// Random instruction words — fully random, and random fields of valid opcodes — with random
    /// memory and dependency bits: every run must return (0 or an error with a message).
    @Test func randomStreamsNeverCrashOrHang() throws {
        for (n, schedule) in [VTA_SIM_SCHED_PROGRAM_ORDER, VTA_SIM_SCHED_EAGER].enumerated() {
            let sim = try Sim(VTASimConfig.pynq.extended) {
                $0.max_uop_iters = 1 << 14
                $0.schedule = schedule
                $0.queue_capacity = 4
            }
            let g = sim.geo
            var r = Rand(UInt64(1234 + n))
            let data = sim.alloc(1 << 16)
            var outcomes: [Int32: Int] = [:]
            for round in 0..<400 {
                if round % 50 == 0 { sim.setOptions { $0.sram_init = Int32(round / 50 % 2) } }
                var stream: [Insn] = []
                for _ in 0..<(1 + r.below(12)) {
                    var i = Insn(lo: r.next(), hi: r.next())
                    if r.below(4) != 0 {
                        // Keep the opcode/memory type valid and aim some addresses at real memory.
                        let op = Int64(r.below(5))
                        i.lo = i.lo & ~0x3FF | UInt64(op) | UInt64(r.below(6)) << 7
                        if r.below(2) == 0 {
                            let phy = UInt64(data.phy) / UInt64(g.wgtBytes) + UInt64(r.below(8))
                            i.lo = i.lo & ~(0xFFFF_FFFF << 26) | phy << 26
                            i.hi = i.hi & ~0xFFFF_FFFF | UInt64(r.below(4)) | UInt64(r.below(16)) << 16
                        }
                    }
                    stream.append(i)
                }
                if r.below(2) == 0 { stream.append(sim.enc.finish(deps: Deps(rawValue: r.below(16)))) }
                let rc = sim.run(stream)
                outcomes[rc, default: 0] += 1
                #expect(rc >= 0 && rc <= VTA_SIM_ERR_NOMEM)
                #expect((rc == 0) == sim.error.isEmpty)
            }
            #expect(outcomes.count >= 4, "\(outcomes)")
        }
    }
}
