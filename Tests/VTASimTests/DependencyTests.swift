// The three modules and four token queues: a double-buffered pipeline, a forgotten dependency,
// deadlocks, and FINISH ordering.
import CVTASim
import Testing

/// out[t] = max(W . x[t], 0) for `tiles` input vectors, with INP and ACC double-buffered:
/// load t writes INP slot t % 2, compute t uses ACC slot t % 2, store t reads it.
/// Tokens: l2g "INP slot t is loaded", g2l "INP slot t is free again", g2s "ACC slot t is ready",
/// s2g "ACC slot t is stored". With `forgetFreeSlot` the loads of tiles 2 and 3 do not wait for
/// compute to release their slot (and compute pushes no g2l tokens).
private struct Pipeline {
    let sim: Sim
    let tiles = 4
    let x: [[Int8]]
    let w: [Int8]
    let out: DRAM
    let stream: [Insn]

    init(_ sim: Sim, forgetFreeSlot: Bool = false) {
        self.sim = sim
        let (g, e) = (sim.geo, sim.enc)
        var r = Rand(42)
        x = sim.randomInp(tiles, &r)
        w = sim.randomWgt(1, &r)[0]
        out = sim.alloc(tiles * g.outBytes)
        let xBuf = sim.buffer(x.flatMap { $0 })
        let wBuf = sim.buffer(w)
        var s: [Insn] = [
            e.load(.wgt, sram: 0, dram: wBuf.base(g.wgtBytes), x: 1),
            // uop 0: INP slot 0 / ACC slot 0; uop 1: slot 1.
            sim.uopLoad([e.uop(dst: 0, src: 0, wgt: 0), e.uop(dst: 1, src: 1, wgt: 0)]),
        ]
        for t in 0..<tiles {
            let slot = t % 2
            let mustWaitForSlot = t >= 2
            var loadDeps: Deps = .pushNext
            if mustWaitForSlot && !forgetFreeSlot { loadDeps.insert(.popNext) }
            s.append(e.load(.inp, sram: slot, dram: xBuf.base(g.inpBytes) + t, x: 1, deps: loadDeps))
            let one = Encoder.Loops(uops: slot..<(slot + 1))
            // The reset waits for the load (l2g) and, from tile 2 on, for the store of the tile
            // that used this ACC slot before (s2g).
            s.append(e.gemm(one, reset: true, deps: mustWaitForSlot ? [.popPrev, .popNext] : .popPrev))
            // The slot is free once read, if a later load will reuse it.
            let frees = t + 2 < tiles && !forgetFreeSlot
            s.append(e.gemm(one, deps: frees ? .pushPrev : []))
            s.append(e.alu(.max, one, imm: 0, deps: .pushNext))
            s.append(
                e.store(sram: slot, dram: out.base(g.outBytes) + t, x: 1, deps: [.popPrev, .pushPrev]))
        }
        // The stores of the last two tiles still owe compute a token each: a no-op (empty GEMM)
        // takes the first, FINISH the second, so that FINISH is ordered after every store.
        s.append(e.gemm(Encoder.Loops(uops: 0..<0), deps: .popNext))
        s.append(e.finish(deps: .popNext))
        stream = s
    }

    var expected: [[Int8]] {
        let g = sim.geo
        return x.map { xv in
            (0..<g.blockOut).map { o in
                var s: Int32 = 0
                for k in 0..<g.blockIn { s &+= Int32(xv[k]) * Int32(w[o * g.blockIn + k]) }
                return Int8(truncatingIfNeeded: max(s, 0))
            }
        }
    }
}

@Suite struct DependencyTests {
    @Test(arguments: [VTA_SIM_SCHED_PROGRAM_ORDER, VTA_SIM_SCHED_EAGER])
    func doubleBufferedPipelineUsesAllFourQueues(_ schedule: Int32) throws {
        let sim = try Sim { $0.schedule = schedule }
        let p = Pipeline(sim)
        try sim.runOK(p.stream)
        #expect(sim.outRows(p.out, p.tiles) == p.expected)
        let c = sim.counters
        #expect(c.tokens_l2g == 4 && c.tokens_g2l == 2 && c.tokens_g2s == 4 && c.tokens_s2g == 4)
        #expect(c.load_inp == 4 && c.load_wgt == 1 && c.load_uop == 1 && c.store == 4)
        #expect(c.gemm == 9 && c.gemm_reset == 4 && c.alu_max == 4 && c.finish == 1)
        #expect(c.insns == UInt64(p.stream.count))
    }

    @Test func eagerSchedulingExposesAMissingDependency() throws {
        // Without race detection, the result depends on the interleaving.
        let inOrder = try Sim { $0.check_races = 0 }
        let p1 = Pipeline(inOrder, forgetFreeSlot: true)
        try inOrder.runOK(p1.stream)
        #expect(inOrder.outRows(p1.out, p1.tiles) == p1.expected)  // happens to work in order

        let eager = try Sim {
            $0.check_races = 0
            $0.schedule = VTA_SIM_SCHED_EAGER
        }
        let p2 = Pipeline(eager, forgetFreeSlot: true)
        try eager.runOK(p2.stream)
        let got = eager.outRows(p2.out, p2.tiles)
        // The load module ran ahead and overwrote slots 0 and 1 with tiles 2 and 3.
        #expect(got != p2.expected)
        #expect(got[0] == p2.expected[2] && got[1] == p2.expected[3])
    }

    @Test(arguments: [VTA_SIM_SCHED_PROGRAM_ORDER, VTA_SIM_SCHED_EAGER])
    func raceDetectionReportsTheMissingDependencyUnderAnySchedule(_ schedule: Int32) throws {
        let sim = try Sim { $0.schedule = schedule }
        let p = Pipeline(sim, forgetFreeSlot: true)
        #expect(sim.run(p.stream) == VTA_SIM_ERR_RACE)
        #expect(sim.error.contains("INP element 0") && sim.error.contains("no token chain"), "\(sim.error)")
    }

    /// A layer's STORE output read back by the next layer's LOAD INP in the same stream.
    private func storeThenReload(_ sim: Sim, ordered: Bool) -> (stream: [Insn], stored: [Int8]) {
        let (g, e) = (sim.geo, sim.enc)
        let lanes = g.accBytes / 4
        let values = (0..<(2 * lanes)).map { Int32($0 * 3 - 20) }
        let mid = sim.alloc(2 * g.outBytes)  // OUT and INP elements are both 16 bytes here
        let noop = Encoder.Loops(uops: 0..<0)
        let stream = [
            sim.uopLoad([e.uop(dst: 0), e.uop(dst: 1)]),
            e.load(.acc, sram: 0, dram: sim.buffer(values).base(g.accBytes), x: 2),
            e.alu(.add, Encoder.Loops(uops: 0..<2), imm: 0, deps: .pushNext),
            e.store(sram: 0, dram: mid.base(g.outBytes), x: 2, deps: [.popPrev, .pushPrev]),
            // Ordered: compute learns the store is done (s2g) and tells the load module (g2l).
            e.gemm(noop, deps: ordered ? [.popNext, .pushPrev] : []),
            e.load(
                .inp, sram: 0, dram: mid.base(g.inpBytes), x: 2,
                deps: ordered ? [.popNext, .pushNext] : .pushNext),
            e.finish(deps: ordered ? .popPrev : [.popPrev, .popNext]),
        ]
        return (stream, values.map { Int8(truncatingIfNeeded: $0) })
    }

    @Test(arguments: [VTA_SIM_SCHED_PROGRAM_ORDER, VTA_SIM_SCHED_EAGER])
    func dramRacesBetweenStoreAndLoadAreReported(_ schedule: Int32) throws {
        let sim = try Sim { $0.schedule = schedule }
        let good = storeThenReload(sim, ordered: true)
        try sim.runOK(good.stream)
        #expect(sim.inp(0, count: 2) == good.stored)

        let bad = storeThenReload(sim, ordered: false)
        #expect(sim.run(bad.stream) == VTA_SIM_ERR_RACE)
        if schedule == VTA_SIM_SCHED_EAGER {
            // The load ran first; the store then overwrote what it had read.
            #expect(sim.error.contains("insn 3 (STORE)") && sim.error.contains("load insn 5"), "\(sim.error)")
        } else {
            #expect(
                sim.error.contains("insn 5 (LOAD INP)") && sim.error.contains("STORE insn 3"), "\(sim.error)")
        }
        // Without the check, the eager schedule silently reads the old contents.
        let quiet = try Sim {
            $0.schedule = VTA_SIM_SCHED_EAGER
            $0.check_races = 0
        }
        let stale = storeThenReload(quiet, ordered: false)
        try quiet.runOK(stale.stream)
        #expect(quiet.inp(0, count: 2) == [Int8](repeating: 0, count: 2 * quiet.geo.inpBytes))
    }

    @Test func deadlockIsAnErrorNotAHang() throws {
        let sim = try Sim()
        let e = sim.enc
        // Compute waits for a load token that the load module only sends after compute's token.
        let rc = sim.run([
            e.load(.inp, sram: 0, dram: 0, x: 0, deps: [.popNext, .pushNext]),
            e.gemm(Encoder.Loops(uops: 0..<0), deps: [.popPrev, .pushPrev]),
            e.finish(),
        ])
        #expect(rc == VTA_SIM_ERR_DEADLOCK)
        #expect(
            sim.error.contains("load module waits at insn 0") && sim.error.contains("g2l"), "\(sim.error)")
        #expect(sim.error.contains("compute module waits at insn 1") && sim.error.contains("l2g"))

        // A pop that nothing will ever satisfy.
        #expect(sim.run([e.finish(deps: .popPrev)]) == VTA_SIM_ERR_DEADLOCK)
        #expect(
            sim.run([e.store(sram: 0, dram: 0, x: 0, deps: [.popPrev, .pushPrev]), e.finish(deps: .popNext)])
                == VTA_SIM_ERR_DEADLOCK)
    }

    @Test func boundedQueuesStallTheProducer() throws {
        let sim = try Sim { $0.queue_capacity = 1 }
        let e = sim.enc
        let noop = Encoder.Loops(uops: 0..<0)
        // Three tokens in flight in program order, but the queue holds one: the load module must
        // stall until compute pops.
        try sim.runOK(
            (0..<3).map { _ in e.load(.inp, sram: 0, dram: 0, x: 0, deps: .pushNext) }
                + (0..<3).map { _ in e.gemm(noop, deps: .popPrev) } + [e.finish()])
        #expect(sim.counters.tokens_l2g == 3)
    }

    @Test func finishMustBeOrderedAfterEveryLoadAndStore() throws {
        let sim = try Sim()
        let e = sim.enc
        let noop = Encoder.Loops(uops: 0..<0)
        // The store pushes no token back, so nothing orders it before FINISH.
        let rc = sim.run([
            e.gemm(noop, deps: .pushNext),
            e.store(sram: 0, dram: 0, x: 0, deps: .popPrev),
            e.finish(),
        ])
        #expect(rc == VTA_SIM_ERR_ORDER)
        #expect(sim.error.contains("insn 2 (FINISH)") && sim.error.contains("store insn 1"), "\(sim.error)")
        // A trailing load that nothing waits for.
        #expect(sim.run([e.load(.wgt, sram: 0, dram: 0, x: 0), e.finish()]) == VTA_SIM_ERR_ORDER)
        #expect(sim.error.contains("load insn 0"))
        // The same with the tokens in place is fine.
        try sim.runOK([
            e.load(.wgt, sram: 0, dram: 0, x: 0, deps: .pushNext),
            e.gemm(noop, deps: [.popPrev, .pushNext]),
            e.store(sram: 0, dram: 0, x: 0, deps: [.popPrev, .pushPrev]),
            e.finish(deps: .popNext),
        ])
    }

    @Test func tvmRuntimeEpilogueIsAccepted() throws {
        // What TVM's runtime appends in Synchronize(): no-ops pushing the last store's and the last
        // load's tokens, a compute no-op (LOAD UOP, x_size 0) popping both, then FINISH without pops.
        let sim = try Sim()
        let (g, e) = (sim.geo, sim.enc)
        let inp = sim.alloc(g.inpBytes)
        try sim.runOK([
            e.load(.inp, sram: 0, dram: inp.base(g.inpBytes), x: 1),
            e.mem(.store, Mem.uop.rawValue, sram: 0, dram: 0, y: 0, x: 0, stride: 0, deps: .pushPrev),
            e.mem(.load, Mem.inp.rawValue, sram: 0, dram: 0, y: 0, x: 0, stride: 0, deps: .pushNext),
            e.mem(
                .load, Mem.uop.rawValue, sram: 0, dram: 0, y: 0, x: 0, stride: 0, deps: [.popPrev, .popNext]),
            e.finish(),
        ])
        #expect(sim.counters.mem_noops == 3 && sim.counters.load_inp == 2)
    }

    @Test func streamShapeRules() throws {
        let sim = try Sim()
        let e = sim.enc
        let noop = Encoder.Loops(uops: 0..<0)
        // A token nobody pops.
        #expect(sim.run([e.gemm(noop, deps: .pushPrev), e.finish()]) == VTA_SIM_ERR_ORDER)
        #expect(sim.error.contains("g2l") && sim.error.contains("1 token"), "\(sim.error)")
        // FINISH must be last, and there must be one.
        #expect(sim.run([e.finish(), e.gemm(noop)]) == VTA_SIM_ERR_ORDER)
        #expect(sim.error.contains("insn 0 (FINISH)"))
        #expect(sim.run([e.gemm(noop)]) == VTA_SIM_ERR_ORDER)
        #expect(sim.error.contains("does not end with FINISH"))
        #expect(VTADeviceRun(sim.dev, sim.alloc(16).phy, 0, 0) == VTA_SIM_ERR_ARG)
        // Dependency bits that name queues a module does not have.
        #expect(
            sim.run([e.load(.inp, sram: 0, dram: 0, x: 0, deps: .popPrev), e.finish()]) == VTA_SIM_ERR_DECODE)
        #expect(
            sim.run([e.load(.wgt, sram: 0, dram: 0, x: 0, deps: .pushPrev), e.finish()]) == VTA_SIM_ERR_DECODE
        )
        #expect(
            sim.run([e.store(sram: 0, dram: 0, x: 0, deps: .pushNext), e.finish()]) == VTA_SIM_ERR_DECODE)
        #expect(sim.run([e.store(sram: 0, dram: 0, x: 0, deps: .popNext), e.finish()]) == VTA_SIM_ERR_DECODE)
        #expect(sim.error.contains("store-module"))
    }
}
