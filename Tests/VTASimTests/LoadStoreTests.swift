// LOAD and STORE: padding, strides, the x_size = 0 no-op, ACC_8BIT, and STORE's int8 truncation.
import CVTASim
import Testing

@Suite struct LoadStoreTests {
    @Test func paddedStridedInputLoad() throws {
        let sim = try Sim { $0.fill_byte = 0xAB }
        let (g, e) = (sim.geo, sim.enc)
        // A 4 x 5 grid of INP elements in DRAM; element (r, c) lane l = 40r + 7c + l.
        let cols = 5
        func elem(_ r: Int, _ c: Int) -> [Int8] {
            (0..<g.inpBytes).map { Int8(truncatingIfNeeded: 40 * r + 7 * c + $0) }
        }
        let grid = sim.buffer((0..<4).flatMap { r in (0..<cols).flatMap { elem(r, $0) } })
        // Rows 1-2, columns 1-3, with 1 row above, 2 below, 1 column left, 2 right.
        try sim.runOK([
            e.load(
                .inp, sram: 10, dram: grid.base(g.inpBytes) + cols + 1, y: 2, x: 3, stride: cols,
                pad: (1, 2, 1, 2),
                deps: .pushNext),
            e.finish(deps: .popPrev),
        ])
        let zero = [Int8](repeating: 0, count: g.inpBytes)
        let fill = [Int8](repeating: Int8(bitPattern: 0xAB), count: g.inpBytes)
        var expected: [[Int8]] = [fill]  // element 9: untouched
        expected += [[Int8]](repeating: zero, count: 6)  // y_pad_0 row (width 1 + 3 + 2)
        for y in 0..<2 { expected += [zero, elem(1 + y, 1), elem(1 + y, 2), elem(1 + y, 3), zero, zero] }
        expected += [[Int8]](repeating: zero, count: 12)  // two y_pad_1 rows
        expected.append(fill)  // element 40: untouched
        #expect(sim.inp(9, count: 32) == expected.flatMap { $0 })
        let c = sim.counters
        #expect(c.load_inp == 1 && c.bytes_inp == UInt64(6 * g.inpBytes))
    }

    @Test func paddedAccumulatorLoads() throws {
        let sim = try Sim(VTASimConfig.pynq.extended) { $0.fill_byte = 0x11 }
        let (g, e) = (sim.geo, sim.enc)
        let lanes = g.accBytes / 4
        let acc32 = sim.buffer((0..<(2 * lanes)).map { Int32($0 * 1000 - 7000) })
        // ACC_8BIT: int8 lanes in DRAM (OUT-sized elements), sign-extended into ACC.
        let acc8 = sim.buffer((0..<(2 * lanes)).map { Int8(truncatingIfNeeded: $0 * 19 - 128) })
        try sim.runOK([
            e.load(.acc, sram: 0, dram: acc32.base(g.accBytes), y: 1, x: 2, pad: (0, 1, 1, 0)),
            e.load(.acc8, sram: 20, dram: acc8.base(g.outBytes) + 1, y: 1, x: 1, pad: (1, 0, 0, 1)),
            e.finish(),
        ])
        let zero = [Int32](repeating: 0, count: lanes)
        let fill = [Int32](repeating: 0x1111_1111, count: lanes)
        let first = (0..<lanes).map { Int32($0 * 1000 - 7000) }
        let second = (lanes..<(2 * lanes)).map { Int32($0 * 1000 - 7000) }
        // Row of 1 + 2 elements, then one padding row of 3: elements 0..<6.
        #expect(sim.acc(0, count: 7) == (zero + first + second + zero + zero + zero + fill))
        // Width 1 + 1: a zero row (20, 21), then [element, zero] (22, 23).
        let signExtended = (lanes..<(2 * lanes)).map { Int32(Int8(truncatingIfNeeded: $0 * 19 - 128)) }
        #expect(sim.acc(20, count: 4) == zero + zero + signExtended + zero)
        #expect(signExtended.contains { $0 < 0 })
        let c = sim.counters
        #expect(c.load_acc == 1 && c.load_acc_8bit == 1)
        #expect(c.bytes_acc == UInt64(2 * g.accBytes) && c.bytes_acc_8bit == UInt64(g.outBytes))
    }

    @Test func stridedWeightLoad() throws {
        let sim = try Sim()
        let (g, e) = (sim.geo, sim.enc)
        let w = (0..<6).map { i in (0..<g.wgtBytes).map { Int8(truncatingIfNeeded: i * 31 + $0) } }
        let buf = sim.buffer(w.flatMap { $0 })
        // Two rows of two elements, rows three elements apart: DRAM elements 0, 1, 3, 4.
        try sim.runOK([
            e.load(.wgt, sram: 5, dram: buf.base(g.wgtBytes), y: 2, x: 2, stride: 3, deps: .pushNext),
            e.finish(deps: .popPrev),
        ])
        let got = sim.sram(VTA_SIM_MEM_WGT, 5, count: 4, as: Int8.self)!
        #expect(got == [w[0], w[1], w[3], w[4]].flatMap { $0 })
    }

    @Test func weightAndUopLoadsCannotBePadded() throws {
        let sim = try Sim()
        let e = sim.enc
        #expect(
            sim.run([e.load(.wgt, sram: 0, dram: 1, x: 1, pad: (0, 0, 1, 0)), e.finish()])
                == VTA_SIM_ERR_DECODE)
        #expect(sim.error.contains("insn 0") && sim.error.contains("padded"))
        #expect(
            sim.run([e.load(.uop, sram: 0, dram: 1, x: 1, pad: (1, 0, 0, 0)), e.finish()])
                == VTA_SIM_ERR_DECODE)
        #expect(sim.run([e.load(.uop, sram: 0, dram: 1, y: 2, x: 1), e.finish()]) == VTA_SIM_ERR_DECODE)
        #expect(sim.error.contains("y_size"))
        // STORE has no padding either.
        #expect(
            sim.run([
                e.mem(.store, Mem.out.rawValue, sram: 0, dram: 1, y: 1, x: 1, stride: 1, pad: (0, 1, 0, 0)),
                e.finish(),
            ])
                == VTA_SIM_ERR_DECODE)
    }

    @Test func zeroSizeTransfersOnlyMoveTokens() throws {
        let sim = try Sim { $0.fill_byte = 0x77 }
        let e = sim.enc
        // dram_base points nowhere and the pads are set: none of it matters with x_size 0.
        try sim.runOK([
            e.mem(
                .load, Mem.inp.rawValue, sram: 0, dram: 0x0FFF_FFFF, y: 9, x: 0, stride: 0, pad: (3, 3, 3, 3),
                deps: .pushNext),
            e.gemm(Encoder.Loops(uops: 0..<0), deps: [.popPrev, .pushNext]),
            // TVM's runtime encodes its store no-ops with memory type UOP: accepted when x_size is 0.
            e.mem(
                .store, Mem.uop.rawValue, sram: 4000, dram: 0x0FFF_FFFF, y: 5, x: 0, stride: 0,
                deps: [.popPrev, .pushPrev]),
            e.finish(deps: .popNext),
        ])
        let c = sim.counters
        #expect(c.mem_noops == 2 && c.load_inp == 1 && c.store == 1 && c.bytes_inp == 0 && c.bytes_out == 0)
        #expect(c.tokens_l2g == 1 && c.tokens_g2s == 1 && c.tokens_s2g == 1 && c.insns == 4)
        // Nothing was padded either: SRAM still holds the fill pattern.
        #expect(sim.inp(0, count: 8) == [Int8](repeating: 0x77, count: 8 * sim.geo.inpBytes))
    }

    @Test func stridedStoreTruncatesToLow8Bits() throws {
        let sim = try Sim()
        let (g, e) = (sim.geo, sim.enc)
        let lanes = g.accBytes / 4
        let specials: [Int32] = [
            300, -129, Int32.max, Int32.min, 128, 255, -1, 0, 127, -128, 256, 0x1234_5680,
        ]
        let acc = (0..<4).map { i in
            (0..<lanes).map { specials[(i * lanes + $0) % specials.count] &+ Int32(i) }
        }
        let out = sim.alloc(6 * g.outBytes)
        out.write([UInt8](repeating: 0x5A, count: 6 * g.outBytes))
        try sim.runOK([
            sim.uopLoad((0..<4).map { e.uop(dst: $0, src: $0) }),
            e.load(.acc, sram: 0, dram: sim.buffer(acc.flatMap { $0 }).base(g.accBytes), x: 4),
            // The OUT buffer is written by GEMM/ALU only: ADD 0 copies ACC into it.
            e.alu(.add, Encoder.Loops(uops: 0..<4), imm: 0, deps: .pushNext),
            // Two rows of two elements, three elements apart in DRAM.
            e.store(sram: 0, dram: out.base(g.outBytes), y: 2, x: 2, stride: 3, deps: [.popPrev, .pushPrev]),
            e.finish(deps: .popNext),
        ])
        let rows = sim.outRows(out, 6)
        let untouched = [Int8](repeating: 0x5A, count: g.outBytes)
        let low8 = acc.map { $0.map { Int8(truncatingIfNeeded: $0) } }
        #expect(rows == [low8[0], low8[1], untouched, low8[2], low8[3], untouched])
        #expect(low8[0][0] == 44 && low8[0][1] == 127 && low8[0][2] == -1)  // 300, -129, INT32_MAX
        #expect(sim.counters.bytes_out == UInt64(4 * g.outBytes))
    }

    @Test func storeReadsTheOutputBufferNotTheAccumulators() throws {
        let sim = try Sim()
        let (g, e) = (sim.geo, sim.enc)
        let lanes = g.accBytes / 4
        let acc = sim.buffer([Int32](repeating: 77, count: 2 * lanes))
        let out = sim.alloc(2 * g.outBytes)
        let uops = sim.uopLoad([e.uop(dst: 0), e.uop(dst: 1)])
        // Last write to element 0 is a LOAD ACC: the hardware would store whatever OUT held before.
        #expect(
            sim.run([
                uops, e.load(.acc, sram: 0, dram: acc.base(g.accBytes), x: 1, deps: .pushNext),
                e.store(sram: 0, dram: out.base(g.outBytes), x: 1, deps: [.popPrev, .pushPrev]),
                e.finish(deps: .popNext),
            ]) == VTA_SIM_ERR_STALE_OUT)
        #expect(sim.error.contains("insn 2") && sim.error.contains("LOAD ACC"))
        // A GEMM reset zeroes ACC but leaves acc + dot product in OUT on the hardware.
        #expect(
            sim.run([
                uops, e.gemm(Encoder.Loops(uops: 0..<2), reset: true, deps: .pushNext),
                e.store(sram: 0, dram: out.base(g.outBytes), x: 2, deps: [.popPrev, .pushPrev]),
                e.finish(deps: .popNext),
            ]) == VTA_SIM_ERR_STALE_OUT)
        #expect(sim.error.contains("reset"))
        // After an ALU write the OUT buffer holds the value again.
        try sim.runOK([
            uops, e.load(.acc, sram: 0, dram: acc.base(g.accBytes), x: 2),
            e.alu(.max, Encoder.Loops(uops: 0..<2), imm: 100, deps: .pushNext),
            e.store(sram: 0, dram: out.base(g.outBytes), x: 2, deps: [.popPrev, .pushPrev]),
            e.finish(deps: .popNext),
        ])
        #expect(out.read(Int8.self, count: 2 * g.outBytes) == [Int8](repeating: 100, count: 2 * lanes))
    }
}
