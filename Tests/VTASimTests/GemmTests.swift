// GEMM semantics: reset, accumulation, loop factors, int32 wrap-around, int8 truncation on STORE.
import CVTASim
import Testing

extension Sim {
    func randomInp(_ n: Int, _ r: inout Rand) -> [[Int8]] {
        (0..<n).map { _ in (0..<geo.inpBytes).map { _ in r.int8() } }
    }
    func randomWgt(_ n: Int, _ r: inout Rand) -> [[Int8]] {
        (0..<n).map { _ in (0..<geo.wgtBytes).map { _ in r.int8() } }
    }
    func randomAcc(_ n: Int, _ r: inout Rand, _ range: ClosedRange<Int32> = -100_000...100_000) -> [[Int32]] {
        (0..<n).map { _ in (0..<(geo.accBytes / 4)).map { _ in r.int32(range) } }
    }
    func uopWords(_ uops: [UopFields]) -> [UInt32] {
        uops.map { enc.uop(dst: $0.dst, src: $0.src, wgt: $0.wgt) }
    }
    func outRows(_ buf: DRAM, _ n: Int) -> [[Int8]] {
        (0..<n).map { buf.read(Int8.self, count: geo.outBytes, atByte: $0 * geo.outBytes) }
    }
}

@Suite struct GemmTests {
    @Test func resetThenAccumulateTwice() throws {
        let sim = try Sim()
        let (g, e) = (sim.geo, sim.enc)
        var r = Rand(1)
        var ref = Reference(g)
        let inp = sim.randomInp(6, &r)
        let wgt = sim.randomWgt(2, &r)
        let acc = sim.randomAcc(3, &r)
        for (i, v) in inp.enumerated() { ref.inp[i] = v }
        for (i, v) in wgt.enumerated() { ref.wgt[i] = v }
        for (i, v) in acc.enumerated() { ref.acc[i] = v }
        let inpBuf = sim.buffer(inp.flatMap { $0 })
        let wgtBuf = sim.buffer(wgt.flatMap { $0 })
        let accBuf = sim.buffer(acc.flatMap { $0 })
        let out = sim.alloc(3 * g.outBytes)
        // Three uops (distinct dst, so no accumulator hazard); the outer loop is the reduction:
        // acc[d] += inp[d + 3i] . wgt[i] for i in 0..<2.
        let uops = (0..<3).map { UopFields(dst: $0, src: $0, wgt: 0) }
        let reduce = Encoder.Loops(uops: 0..<3, iterOut: 2, src: (out: 3, in: 0), wgt: (out: 1, in: 0))
        try sim.runOK([
            e.load(.inp, sram: 0, dram: inpBuf.base(g.inpBytes), x: 6),
            e.load(.wgt, sram: 0, dram: wgtBuf.base(g.wgtBytes), x: 2, deps: .pushNext),
            sim.uopLoad(sim.uopWords(uops)),
            e.load(.acc, sram: 0, dram: accBuf.base(g.accBytes), x: 3),
            e.gemm(Encoder.Loops(uops: 0..<3), reset: true, deps: .popPrev),
            e.gemm(reduce),
            e.gemm(reduce, deps: .pushNext),
            e.store(sram: 0, dram: out.base(g.outBytes), x: 3, deps: [.popPrev, .pushPrev]),
            e.finish(deps: .popNext),
        ])
        ref.gemm(Encoder.Loops(uops: 0..<3), uops, reset: true)
        ref.gemm(reduce, uops)
        ref.gemm(reduce, uops)
        for d in 0..<3 {
            #expect(sim.acc(d) == ref.acc[d]!)
        }
        #expect(sim.outRows(out, 3) == (0..<3).map { ref.out($0) })
        // A hand check of one lane, independent of the reference model.
        var lane0: Int32 = 0
        for i in 0..<2 {
            for k in 0..<g.blockIn { lane0 += 2 * Int32(inp[3 * i][k]) * Int32(wgt[i][k]) }
        }
        #expect(sim.acc(0)[0] == lane0)

        let c = sim.counters
        #expect(c.gemm == 3 && c.gemm_reset == 1)
        #expect(c.gemm_uop_iters == 12 && c.gemm_reset_uop_iters == 3)
        #expect(c.macs == UInt64(12 * g.blockIn * g.blockOut))
    }

    @Test func loopFactorsFollowTheNestedLoops() throws {
        let sim = try Sim()
        let (g, e) = (sim.geo, sim.enc)
        var r = Rand(2)
        var ref = Reference(g)
        let inp = sim.randomInp(40, &r)
        let wgt = sim.randomWgt(16, &r)
        let acc = sim.randomAcc(32, &r)
        for (i, v) in inp.enumerated() { ref.inp[i] = v }
        for (i, v) in wgt.enumerated() { ref.wgt[i] = v }
        for (i, v) in acc.enumerated() { ref.acc[i] = v }
        let uops = (0..<4).map { UopFields(dst: $0, src: r.below(10), wgt: r.below(8)) }
        // Every factor nonzero; dst = u + 8i + 4j covers 0..<24 exactly once.
        let loops = Encoder.Loops(
            uops: 0..<4, iterOut: 3, iterIn: 2, dst: (out: 8, in: 4), src: (out: 5, in: 2),
            wgt: (out: 3, in: 1))
        let out = sim.alloc(24 * g.outBytes)
        try sim.runOK([
            e.load(.inp, sram: 0, dram: sim.buffer(inp.flatMap { $0 }).base(g.inpBytes), x: 40),
            e.load(
                .wgt, sram: 0, dram: sim.buffer(wgt.flatMap { $0 }).base(g.wgtBytes), x: 16, deps: .pushNext),
            sim.uopLoad(sim.uopWords(uops)),
            e.load(.acc, sram: 0, dram: sim.buffer(acc.flatMap { $0 }).base(g.accBytes), x: 32),
            e.gemm(loops, deps: [.popPrev, .pushNext]),
            e.store(sram: 0, dram: out.base(g.outBytes), x: 24, deps: [.popPrev, .pushPrev]),
            e.finish(deps: .popNext),
        ])
        ref.gemm(loops, uops)
        #expect(sim.acc(0, count: 32) == (0..<32).flatMap { ref.acc[$0]! })
        #expect(sim.outRows(out, 24) == (0..<24).map { ref.out($0) })
        #expect(sim.counters.gemm_uop_iters == 24)
    }

    @Test func accumulatorsWrapAround() throws {
        let sim = try Sim()
        let (g, e) = (sim.geo, sim.enc)
        let lanes = g.accBytes / 4
        let inp = [[Int8](repeating: 127, count: g.inpBytes)]
        let wgt = [[Int8](repeating: -128, count: g.wgtBytes)]
        let acc = [[Int32](repeating: Int32.min + 5, count: lanes)]
        let out = sim.alloc(g.outBytes)
        try sim.runOK([
            e.load(.inp, sram: 0, dram: sim.buffer(inp.flatMap { $0 }).base(g.inpBytes), x: 1),
            e.load(
                .wgt, sram: 0, dram: sim.buffer(wgt.flatMap { $0 }).base(g.wgtBytes), x: 1, deps: .pushNext),
            sim.uopLoad([e.uop(dst: 0, src: 0, wgt: 0)]),
            e.load(.acc, sram: 0, dram: sim.buffer(acc.flatMap { $0 }).base(g.accBytes), x: 1),
            e.gemm(Encoder.Loops(uops: 0..<1), deps: [.popPrev, .pushNext]),
            e.store(sram: 0, dram: out.base(g.outBytes), x: 1, deps: [.popPrev, .pushPrev]),
            e.finish(deps: .popNext),
        ])
        // INT32_MIN + 5 - 16 * 127 * 128 wraps to a large positive number.
        let expected = (Int32.min + 5) &+ Int32(-127 * 128 * g.blockIn)
        #expect(expected > 0)
        #expect(sim.acc(0) == [Int32](repeating: expected, count: lanes))
        #expect(
            out.read(Int8.self, count: g.outBytes)
                == [Int8](repeating: Int8(truncatingIfNeeded: expected), count: lanes))
    }
}
