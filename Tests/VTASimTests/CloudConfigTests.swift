// A 1x32 core with other buffer depths: element sizes, field widths and layouts all change.
import CVTASim
import Testing

@Suite struct CloudConfigTests {
    @Test func gemmAluStoreOnABlock32Core() throws {
        let sim = try Sim(.cloud)
        let (g, e) = (sim.geo, sim.enc)
        #expect(g.inpBytes == 32 && g.wgtBytes == 1024 && g.accBytes == 128 && g.outBytes == 32)
        #expect(g.inpDepth == 4096 && g.wgtDepth == 1024 && g.accDepth == 1024 && g.uopDepth == 8192)
        var r = Rand(32)
        var ref = Reference(g)
        let inp = sim.randomInp(6, &r)
        let wgt = sim.randomWgt(3, &r)
        for (i, v) in inp.enumerated() { ref.inp[3000 + i] = v }
        for (i, v) in wgt.enumerated() { ref.wgt[1000 + i] = v }
        // Indices above 2^11 need the 12-bit src field of this configuration.
        let uops = (0..<3).map { UopFields(dst: 900 + $0, src: 3000 + $0, wgt: 1000 + $0) }
        let loops = Encoder.Loops(uops: 0..<3, iterOut: 2, dst: (out: 3, in: 0), src: (out: 3, in: 0))
        // ALU sources are ACC indices: separate uops (3..<6) whose src is the destination itself.
        let aluUops = uops.map { UopFields(dst: $0.dst, src: $0.dst, wgt: 0) }
        var aluLoops = loops
        aluLoops.uops = 3..<6
        let out = sim.alloc(6 * g.outBytes)
        try sim.runOK([
            e.load(.inp, sram: 3000, dram: sim.buffer(inp.flatMap { $0 }).base(g.inpBytes), x: 6),
            e.load(
                .wgt, sram: 1000, dram: sim.buffer(wgt.flatMap { $0 }).base(g.wgtBytes), x: 3, deps: .pushNext
            ),
            sim.uopLoad(sim.uopWords(uops + aluUops)),
            e.gemm(loops, reset: true, deps: .popPrev),
            e.gemm(loops),
            e.alu(.shr, aluLoops, imm: 3),
            e.alu(.add, aluLoops, imm: -7, deps: .pushNext),
            e.store(sram: 900, dram: out.base(g.outBytes), x: 6, deps: [.popPrev, .pushPrev]),
            e.finish(deps: .popNext),
        ])
        ref.gemm(loops, uops, reset: true)
        ref.gemm(loops, uops)
        ref.alu(.shr, aluLoops, aluUops, imm: 3)
        ref.alu(.add, aluLoops, aluUops, imm: -7)
        #expect(sim.acc(900, count: 6) == (900..<906).flatMap { ref.acc[$0]! })
        #expect(sim.outRows(out, 6) == (900..<906).map { ref.out($0) })
        let c = sim.counters
        #expect(c.macs == UInt64(6 * 32 * 32))
        #expect(c.bytes_inp == 6 * 32 && c.bytes_wgt == 3 * 1024 && c.bytes_out == 6 * 32)
    }

    @Test func devicesWithDifferentConfigsAreIndependent() throws {
        let small = try Sim(.pynq)
        let large = try Sim(.cloud)
        for sim in [small, large] {
            let (g, e) = (sim.geo, sim.enc)
            let values = (0..<(g.accBytes / 4)).map { Int32($0 + g.blockOut) }
            try sim.runOK([
                sim.uopLoad([e.uop(dst: 0)]),
                e.load(.acc, sram: 0, dram: sim.buffer(values).base(g.accBytes), x: 1),
                e.finish(),
            ])
        }
        #expect(small.acc(0) == (0..<16).map { Int32($0 + 16) })
        #expect(large.acc(0) == (0..<32).map { Int32($0 + 32) })
        var c = VTASimConfig()
        VTASimDeviceGetConfig(large.dev, &c)
        #expect(c.LOG_BLOCK_IN == 5 && c.LOG_ACC_BUFF_SIZE == 17)
    }
}
