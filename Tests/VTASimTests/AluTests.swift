// ALU semantics: every opcode with immediate and tensor operands, sign extension of the immediate,
// SHR in both directions, MUL only on the extended profile.
import CVTASim
import Testing

struct AluCase: CustomTestStringConvertible, Sendable {
    let op: AluOp
    let imm: Int?
    var extended = false
    var testDescription: String {
        "\(op) \(imm.map { "imm \($0)" } ?? "tensor")\(extended ? " (extended)" : "")"
    }
}

/// Runs one ALU instruction over ACC elements 0..<4 with sources 4..<8, then stores 0..<4.
/// Returns the ACC contents, the stored bytes, and the reference expectations.
private func runAlu(
    _ c: AluCase, dst: [[Int32]], src: [[Int32]]
) throws -> (
    acc: [Int32], out: [Int8], refAcc: [Int32], refOut: [Int8]
) {
    let sim = try Sim(c.extended ? VTASimConfig.pynq.extended : .pynq)
    let (g, e) = (sim.geo, sim.enc)
    var ref = Reference(g)
    for i in 0..<4 {
        ref.acc[i] = dst[i]
        ref.acc[4 + i] = src[i]
    }
    let uops = (0..<4).map { UopFields(dst: $0, src: 4 + $0, wgt: 0) }
    let loops = Encoder.Loops(uops: 0..<4)
    let out = sim.alloc(4 * g.outBytes)
    try sim.runOK([
        sim.uopLoad(sim.uopWords(uops)),
        e.load(.acc, sram: 0, dram: sim.buffer((dst + src).flatMap { $0 }).base(g.accBytes), x: 8),
        e.alu(c.op, loops, imm: c.imm, deps: .pushNext),
        e.store(sram: 0, dram: out.base(g.outBytes), x: 4, deps: [.popPrev, .pushPrev]),
        e.finish(deps: .popNext),
    ])
    ref.alu(c.op, loops, uops, imm: c.imm)
    return (
        sim.acc(0, count: 4), out.read(Int8.self, count: 4 * g.outBytes),
        (0..<4).flatMap { ref.acc[$0]! }, (0..<4).flatMap { ref.out($0) }
    )
}

private let lanes = Geometry(.pynq).accBytes / 4

/// Destination values with the extremes that exercise wrap-around and sign handling.
private func destinations(_ r: inout Rand) -> [[Int32]] {
    var d = (0..<4).map { _ in (0..<lanes).map { _ in r.int32(-1_000_000...1_000_000) } }
    d[0][0] = Int32.max
    d[0][1] = Int32.min
    d[0][2] = -1
    d[0][3] = 0
    d[1][0] = 255
    d[1][1] = -129
    return d
}

@Suite struct AluTests {
    static let cases: [AluCase] = [
        AluCase(op: .min, imm: -5), AluCase(op: .min, imm: nil),
        AluCase(op: .max, imm: 7), AluCase(op: .max, imm: nil),
        AluCase(op: .add, imm: -1), AluCase(op: .add, imm: 32767), AluCase(op: .add, imm: -32768),
        AluCase(op: .add, imm: nil),
        AluCase(op: .shr, imm: 3), AluCase(op: .shr, imm: -3), AluCase(op: .shr, imm: 15),
        AluCase(op: .shr, imm: -16), AluCase(op: .shr, imm: nil),
        AluCase(op: .mul, imm: -7, extended: true), AluCase(op: .mul, imm: nil, extended: true),
        AluCase(op: .shr, imm: 20, extended: true), AluCase(op: .shr, imm: -20, extended: true),
    ]

    @Test(arguments: cases)
    func aluMatchesReference(_ c: AluCase) throws {
        var r = Rand(UInt64(bitPattern: c.op.rawValue * 100_000 + Int64(c.imm ?? 99) + (c.extended ? 7 : 0)))
        let dst = destinations(&r)
        // Tensor operands: shift amounts within the stock range -16..15, others anywhere.
        let src = (0..<4).map { _ in
            (0..<lanes).map { _ in c.op == .shr ? r.int32(-16...15) : r.int32(Int32.min...Int32.max) }
        }
        let res = try runAlu(c, dst: dst, src: src)
        #expect(res.acc == res.refAcc)
        #expect(res.out == res.refOut)
    }

    @Test func handComputedExamples() throws {
        let zero = [[Int32]](repeating: [Int32](repeating: 0, count: lanes), count: 4)
        var dst = zero
        dst[0][0] = -17  // arithmetic right shift keeps the sign: -17 >> 2 = -5
        dst[0][1] = 3  // negative amount: 3 << 4 = 48
        dst[0][2] = Int32.max  // ADD wraps
        var src = zero
        src[0][0] = 2
        src[0][1] = -4
        src[0][2] = 1
        let shr = try runAlu(AluCase(op: .shr, imm: nil), dst: dst, src: src)
        #expect(Array(shr.acc.prefix(2)) == [-5, 48])
        let add = try runAlu(AluCase(op: .add, imm: nil), dst: dst, src: src)
        #expect(add.acc[2] == Int32.min)
        #expect(add.out[2] == 0)  // low 8 bits of 0x80000000
        // imm 0xFFFF in the 16-bit field is -1, not 65535.
        let dec = try runAlu(AluCase(op: .add, imm: -1), dst: dst, src: src)
        #expect(Array(dec.acc.prefix(3)) == [-18, 2, Int32.max - 1])
        let mul = try runAlu(AluCase(op: .mul, imm: -3, extended: true), dst: dst, src: src)
        #expect(Array(mul.acc.prefix(3)) == [51, -9, Int32.max &* -3])
    }

    @Test func mulAndAcc8AreRefusedOnStock() throws {
        let sim = try Sim()
        let e = sim.enc
        let rc = sim.run([
            sim.uopLoad([e.uop(dst: 0, src: 1)]),
            e.alu(.mul, Encoder.Loops(uops: 0..<1), imm: 3),
            e.finish(),
        ])
        #expect(rc == VTA_SIM_ERR_DECODE)
        #expect(sim.error.contains("insn 1") && sim.error.contains("MUL") && sim.error.contains("extended"))
        #expect(sim.counters.insns == 0)  // nothing ran: the stream is validated first

        let rc8 = sim.run([e.load(.acc8, sram: 0, dram: 1, x: 1), e.finish()])
        #expect(rc8 == VTA_SIM_ERR_DECODE && sim.error.contains("ACC_8BIT"))
        let bad = sim.run([e.alu(raw: 5, Encoder.Loops(uops: 0..<1), imm: 0), e.finish()])
        #expect(bad == VTA_SIM_ERR_DECODE && sim.error.contains("invalid ALU opcode"))
    }

    @Test func stockShiftAmountsAreLimitedToWhatTheHardwareReads() throws {
        let sim = try Sim()
        let (g, e) = (sim.geo, sim.enc)
        let loops = Encoder.Loops(uops: 0..<1)
        #expect(
            sim.run([sim.uopLoad([e.uop(dst: 0, src: 1)]), e.alu(.shr, loops, imm: 16), e.finish()]) != 0)
        #expect(sim.error.contains("-16..15"))
        #expect(
            sim.run([sim.uopLoad([e.uop(dst: 0, src: 1)]), e.alu(.shr, loops, imm: -17), e.finish()]) != 0)
        // A tensor amount can only be checked while running.
        var values = [Int32](repeating: 0, count: 2 * lanes)
        values[lanes + 3] = 31
        let rc = sim.run([
            sim.uopLoad([e.uop(dst: 0, src: 1)]),
            e.load(.acc, sram: 0, dram: sim.buffer(values).base(g.accBytes), x: 2),
            e.alu(.shr, loops),
            e.finish(),
        ])
        #expect(rc == VTA_SIM_ERR_DECODE && sim.error.contains("insn 2") && sim.error.contains("lane 3"))
    }

    @Test func aluLoopsUseTheirFactors() throws {
        let sim = try Sim()
        let (g, e) = (sim.geo, sim.enc)
        var r = Rand(9)
        var ref = Reference(g)
        let acc = sim.randomAcc(64, &r)
        for (i, v) in acc.enumerated() { ref.acc[i] = v }
        // dst = u + 6i + 3j (0..<18, each once); src = 20 + 2u + 10i + 5j (ACC indices).
        let uops = (0..<3).map { UopFields(dst: $0, src: 20 + 2 * $0, wgt: 0) }
        let loops = Encoder.Loops(
            uops: 0..<3, iterOut: 3, iterIn: 2, dst: (out: 6, in: 3), src: (out: 10, in: 5))
        let out = sim.alloc(18 * g.outBytes)
        try sim.runOK([
            sim.uopLoad(sim.uopWords(uops)),
            e.load(.acc, sram: 0, dram: sim.buffer(acc.flatMap { $0 }).base(g.accBytes), x: 64),
            e.alu(.add, loops, deps: .pushNext),
            e.store(sram: 0, dram: out.base(g.outBytes), x: 18, deps: [.popPrev, .pushPrev]),
            e.finish(deps: .popNext),
        ])
        ref.alu(.add, loops, uops, imm: nil)
        #expect(sim.acc(0, count: 64) == (0..<64).flatMap { ref.acc[$0]! })
        #expect(sim.outRows(out, 18) == (0..<18).map { ref.out($0) })
        #expect(sim.counters.alu_uop_iters == 18 && sim.counters.alu_add == 1)
    }
}
