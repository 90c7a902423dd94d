// Every rule of the C verifier with a stream that breaks it and one that does not. Each stream is
// also run through the Swift StreamVerifier: both must report the same findings (see
// Fixture.check), so every test here is a differential test too.
import CVTAISA
import Testing
import VTATarget

@Suite("C stream verifier rules")
struct RuleTests {
    let alkali: Fixture
    let fsim: Fixture
    /// BLOCK 32, larger buffers, extended profile.
    let cloud: Fixture

    init() throws {
        alkali = Fixture(try shippedTarget("alkali"))
        fsim = Fixture(try shippedTarget("fsim"))
        cloud = Fixture(try shippedTarget("cloud"))
    }

    /// A load of INP whose token FINISH waits for (through a compute no-op).
    func inputLoad(
        _ f: Fixture, sram: Int = 0, x: Int = 1, pad: (Int, Int, Int, Int) = (0, 0, 0, 0)
    ) -> [Instruction] {
        [
            I.load(.input, sram: sram, dram: f.inpBase, x: x, pad: pad, deps: [.pushNext]),
            I.computeNoop(deps: [.popPrev]),
        ]
    }

    // MARK: Decoding

    @Test func decode() throws {
        let f = alkali
        let good = try f.encode([f.loadUops, I.gemm(0..<1), I.finish()])
        try f.expectSafe([f.loadUops, I.gemm(0..<1), I.finish()])
        // Unknown opcode, stray bit in a GEMM (bit 63 is the GEMM gap), memory type 6, ALU opcode 5.
        var badOpcode = good
        badOpcode[16] = (badOpcode[16] & ~7) | 5
        var c = try f.check(bytes: badOpcode)
        #expect(c.findings.map(\.rule) == ["decode.invalid"] && c.first?.index == 1, "\(c)")
        var stray = good
        stray[16 + 7] |= 0x80
        c = try f.check(bytes: stray)
        #expect(
            c.findings.map(\.rule) == ["decode.invalid"] && c.first?.index == 1
                && c.first!.message.contains("outside its fields"), "\(c)")
        var badType = good
        badType[0] = (badType[0] & 0x7F)  // memory_type bits 7-9: set 6
        badType[1] = (badType[1] & ~3) | 3
        c = try f.check(bytes: badType)
        #expect(
            c.findings.map(\.rule) == ["decode.invalid"] && c.first?.index == 0
                && c.first!.message.contains("memory type 6"), "\(c)")
        let alu = try f.encode([f.loadUops, I.alu(.add, 0..<1, imm: 1), I.finish()])
        var badAlu = alu
        let opcodeField = f.config.layout.alu[.aluOpcode]
        #expect(opcodeField.offset == 108)
        badAlu[16 + 13] = (badAlu[16 + 13] & 0x8F) | 0x50  // bits 108-110 := 5
        c = try f.check(bytes: badAlu)
        #expect(
            c.findings.map(\.rule) == ["decode.invalid"] && c.first!.message.contains("ALU opcode 5"), "\(c)")
        // FINISH owns only its header: any other bit is stray.
        var finish = good
        finish[32 + 15] = 1
        c = try f.check(bytes: finish)
        #expect(c.findings.map(\.rule) == ["decode.invalid"] && c.first?.index == 2, "\(c)")
    }

    // MARK: ISA profile and memory types

    @Test func profile() throws {
        for f in [alkali, fsim, cloud] {
            let mul = [f.loadUops, I.alu(.mul, 0..<1, imm: 3), I.finish()]
            let acc8 = [I.load(.acc8Bit, dram: f.acc8Base, x: 1), I.finish()]
            if f.target.profile == .stock {
                try f.expectRule("isa.profile", at: 1, mul)
                try f.expectRule("isa.profile", at: 0, acc8)
            } else {
                try f.expectSafe(mul)
                try f.expectSafe(acc8)
            }
        }
    }

    @Test func memoryType() throws {
        let f = alkali
        try f.expectRule("isa.memory-type", at: 0, [I.load(.output, dram: f.outBase, x: 1), I.finish()])
        try f.expectRule(
            "isa.memory-type", at: 0,
            [
                I.store(.input, dram: f.inpBase, x: 1, deps: [.pushPrev]), I.computeNoop(deps: [.popNext]),
                I.finish(),
            ])
        // A STORE no-op may carry any memory type (upstream's runtime uses UOP).
        try f.expectSafe([
            I.store(.uop, dram: 0, x: 0, deps: [.pushPrev]), I.computeNoop(deps: [.popNext]), I.finish(),
        ])
    }

    // MARK: Dependency bits

    @Test func dependencyQueues() throws {
        let f = alkali
        // The load module has no previous module, the store module no next one.
        let r = try f.expectRule(
            "deps.no-queue", at: 0,
            [
                I.load(.input, dram: f.inpBase, x: 1, deps: [.pushNext, .popPrev]),
                I.computeNoop(deps: [.popPrev]), I.finish(),
            ])
        #expect(r.findings.first!.message.contains("pop_prev must be 0"))
        try f.expectRule(
            "deps.no-queue", at: 0,
            [
                I.store(dram: f.outBase, x: 0, deps: [.pushPrev, .pushNext]), I.computeNoop(deps: [.popNext]),
                I.finish(),
            ])
        try f.expectSafe([
            I.store(dram: f.outBase, x: 0, deps: [.pushPrev]), I.computeNoop(deps: [.popNext]), I.finish(),
        ])
    }

    // MARK: Padding

    @Test func padding() throws {
        let f = alkali
        try f.expectRule(
            "load.padding", at: 0,
            [
                I.load(.weight, dram: f.wgtBase, x: 1, pad: (0, 0, 1, 0), deps: [.pushNext]),
                I.computeNoop(deps: [.popPrev]), I.finish(),
            ])
        try f.expectRule(
            "load.padding", at: 0, [I.load(.uop, dram: f.uopBase, x: 1, pad: (1, 0, 0, 0)), I.finish()])
        try f.expectSafe(inputLoad(f, x: 2, pad: (1, 2, 3, 4)) + [I.finish()])
        try f.expectSafe([I.load(.accumulator, dram: f.accBase, x: 2, pad: (1, 1, 1, 1)), I.finish()])
        try fsim.expectSafe([I.load(.acc8Bit, dram: fsim.acc8Base, x: 2, pad: (1, 1, 1, 1)), I.finish()])
        try f.expectRule(
            "store.padding", at: 0,
            [
                I.store(dram: f.outBase, x: 1, pad: (0, 1, 0, 0), deps: [.pushPrev]),
                I.computeNoop(deps: [.popNext]), I.finish(),
            ])
    }

    @Test func uopLoadRows() throws {
        // C-only: the HLS design ignores y_size of LOAD UOP, the simulator walks the rows.
        let f = alkali
        let two = try f.check([I.load(.uop, dram: f.uopBase, y: 2, x: 4, stride: 4), I.finish()])
        #expect(two.rules == ["load.uop-rows"], "\(two)")
        let zero = try f.check([I.load(.uop, dram: f.uopBase, y: 0, x: 4), I.finish()])
        #expect(zero.rules == ["load.uop-rows"], "\(zero)")
        try f.expectSafe([
            I.load(.uop, dram: f.uopBase, y: 1, x: 4), I.load(.uop, dram: 0, y: 0, x: 0), I.finish(),
        ])
    }

    // MARK: SRAM ranges

    @Test(arguments: ["alkali", "cloud"])
    func sramRanges(targetName: String) throws {
        let f = targetName == "alkali" ? alkali : cloud
        let g = f.config
        let inpDepth = g.depth(.input), accDepth = g.depth(.accumulator), wgtDepth = g.depth(.weight)
        // LOAD: 3 rows of (1 + 2 + 1) from inpDepth - 8 end at inpDepth + 4.
        let r = try f.expectRule(
            "sram.out-of-range", at: 0,
            inputLoad(f, sram: inpDepth - 8, x: 2, pad: (0, 2, 1, 1)) + [I.finish()])
        #expect(r.findings[0].message.contains("\(inpDepth + 4)"), "\(r)")
        try f.expectSafe(inputLoad(f, sram: inpDepth - 12, x: 2, pad: (0, 2, 1, 1)) + [I.finish()])
        try f.expectRule(
            "sram.out-of-range", at: 0,
            [I.load(.uop, sram: g.depth(.uop) - 1, dram: f.uopBase, x: 2), I.finish()])
        try f.expectRule(
            "sram.out-of-range", at: 0,
            [
                I.load(.weight, sram: wgtDepth - 1, dram: f.wgtBase, x: 2, deps: [.pushNext]),
                I.computeNoop(deps: [.popPrev]), I.finish(),
            ])
        // STORE: 2 rows of 2 from accDepth - 3.
        let store: (Int) -> [Instruction] = { sram in
            [
                I.computeNoop(deps: [.pushNext]),
                I.store(sram: sram, dram: f.outBase, y: 2, x: 2, deps: [.popPrev, .pushPrev]),
                I.computeNoop(deps: [.popNext]), I.finish(),
            ]
        }
        try f.expectRule("sram.out-of-range", at: 1, store(accDepth - 3))
        try f.expectSafe(store(accDepth - 4))

        // GEMM: dst 1000-style example scaled to the depth: the last iteration reaches the end.
        let uops = [MicroOp(dst: accDepth - 8 - 16 * 3, src: 0, wgt: 0)]
        let u = Fixture(f.target, uops: uops)
        let gemm: (Int) -> [Instruction] = { fi in
            [u.loadUops, I.gemm(0..<1, iter: (4, 2), dst: (16, fi), reset: true), I.finish()]
        }
        try u.expectRule("sram.out-of-range", at: 1, gemm(8))
        try u.expectSafe(gemm(7))
        // GEMM src indexes INP and wgt WGT (not checked on reset); ALU src indexes ACC, also with imm.
        let v = Fixture(f.target, uops: [MicroOp(dst: 0, src: inpDepth - 1, wgt: wgtDepth - 1)])
        try v.expectRule(
            "sram.out-of-range", at: 1, [v.loadUops, I.gemm(0..<1, iter: (2, 1), src: (1, 0)), I.finish()])
        try v.expectRule(
            "sram.out-of-range", at: 1,
            [v.loadUops, I.gemm(0..<1, iter: (1, 2), dst: (0, 1), wgt: (0, 1)), I.finish()])
        try v.expectSafe([
            v.loadUops, I.gemm(0..<1, iter: (2, 1), dst: (1, 0), src: (1, 0), reset: true), I.finish(),
        ])
        try v.expectSafe([v.loadUops, I.gemm(0..<1, iter: (1, 1)), I.finish()])
        let w = Fixture(f.target, uops: [MicroOp(dst: 0, src: accDepth - 1)])
        try w.expectRule(
            "sram.out-of-range", at: 1,
            [w.loadUops, I.alu(.add, 0..<1, iter: (2, 1), dst: (1, 0), src: (1, 0), imm: 1), I.finish()])
        try w.expectSafe([
            w.loadUops, I.alu(.add, 0..<1, iter: (1, 2), dst: (0, 1), src: (0, 0), imm: 1), I.finish(),
        ])
    }

    // MARK: Micro-ops

    @Test func uopRange() throws {
        let f = alkali
        let depth = f.config.depth(.uop)
        let backwards = Instruction.gemm(GemmInstruction(reset: true, loop: UopLoop(uopBegin: 5, uopEnd: 3)))
        try f.expectRule("uop.out-of-range", at: 1, [f.loadUops, backwards, I.finish()])
        try f.expectRule("uop.out-of-range", at: 1, [f.loadUops, I.gemm(0..<(depth + 1)), I.finish()])
        // uop_end == depth is fine (when the slots are defined).
        let full = Fixture(f.target, uops: (0..<depth).map { MicroOp(dst: $0 % 2048) })
        try full.expectSafe([full.loadUops, I.gemm(0..<depth, reset: true), I.finish()])
    }

    @Test func uopUndefinedAndImages() throws {
        let f = alkali
        // Slot 16 was never loaded.
        try f.expectRule("uop.undefined", at: 1, [f.loadUops, I.gemm(15..<17, reset: true), I.finish()])
        // A second LOAD UOP fills it.
        try f.expectSafe([
            f.loadUops, I.load(.uop, sram: 16, dram: f.uopBase, x: 1), I.gemm(15..<17, reset: true),
            I.finish(),
        ])
        // Empty loops run nothing, so undefined slots do not matter.
        try f.expectSafe([I.gemm(0..<4, iter: (0, 1), reset: true), I.finish()])
        // LOAD UOP from a region allowing UOP but without a host view: the micro-ops are unknown.
        var regions = try f.regions
        regions.append(Region(name: "opaque", base: 0x200000, size: 64, types: [.uop]))
        let r = try f.expectRule(
            "uop.outside-image", at: 0,
            [I.load(.uop, dram: 0x200000 / 4, x: 4), I.gemm(0..<4, reset: true), I.finish()], regions: regions
        )
        #expect(r.has("uop.undefined"))
        // A row straddling two adjacent images reads from both.
        // (DRAM rows must lie in one region: "both" allows the row, the images supply the words.)
        let split =
            try f.regions.filter { $0.name != "uops" } + [
                Region.uops("lo", at: 0x300000 / 4, [MicroOp(dst: 1), MicroOp(dst: 2)], codec: f.codec),
                Region.uops("hi", at: 0x300000 / 4 + 2, [MicroOp(dst: 3), MicroOp(dst: 4)], codec: f.codec),
                Region(name: "both", base: 0x300000, size: 16, types: [.uop]),
            ]
        try f.expectSafe(
            [I.load(.uop, dram: 0x300000 / 4, x: 4), I.gemm(0..<4, iter: (1, 1)), I.finish()], regions: split)
        // The micro-ops really come from the host view: the second image's dst 4 + 2044 leaves ACC.
        try f.expectRule(
            "sram.out-of-range", at: 1,
            [
                I.load(.uop, dram: 0x300000 / 4, x: 4),
                I.gemm(0..<4, iter: (2, 1), dst: (2044, 0), reset: true), I.finish(),
            ], regions: split)
    }

    // MARK: DRAM

    @Test func dram() throws {
        let f = alkali
        let n = Fixture.elements
        // Row 1 reaches one element past the region through the stride.
        let r = try f.expectRule(
            "dram.outside-region", at: 0,
            inputLoadRows(f, dram: f.inpBase + n - 3, y: 2, x: 2, stride: 2) + [I.finish()])
        #expect(r.findings[0].message.contains("row 1"), "\(r)")
        try f.expectSafe(inputLoadRows(f, dram: f.inpBase + n - 4, y: 2, x: 2, stride: 2) + [I.finish()])
        // Right type needed: an INP load from the weight region.
        try f.expectRule(
            "dram.outside-region", at: 0,
            inputLoadRows(f, dram: 0x40000 / 16, y: 1, x: 1, stride: 1) + [I.finish()])
        // Rows spread over several regions, each row inside one: fine.
        var regions = try f.regions
        let e = f.config.dramElementBytes(.input)
        regions.append(Region(name: "inp2", base: 0x20000 + n * e, size: 4 * e, types: [.input]))
        regions.append(Region(name: "inp3", base: 0x20000 + (n + 6) * e, size: 2 * e, types: [.input]))
        try f.expectSafe(
            inputLoadRows(f, dram: f.inpBase + n - 2, y: 3, x: 2, stride: 4) + [I.finish()], regions: regions)
        // ...but one straddling two regions is not.
        try f.expectRule(
            "dram.outside-region", at: 0,
            inputLoadRows(f, dram: f.inpBase + n - 1, y: 1, x: 2, stride: 2) + [I.finish()], regions: regions)
        // 65535 rows cost nothing to check (here they all read the same element, in the region;
        // they do not fit the INP buffer).
        let huge = try f.check(
            inputLoadRows(f, dram: f.inpBase, y: 65535, x: 1, stride: 0) + [I.finish()], regions: regions)
        #expect(huge.rules == ["sram.out-of-range"], "\(huge)")
        // Past 2^32: dram_base counts elements.
        let top = (1 << 32) / e - 1
        try f.expectRule(
            "dram.address-overflow", at: 0, inputLoadRows(f, dram: top, y: 1, x: 2, stride: 2) + [I.finish()])
        // STORE writes OUT: the region must allow OUT.
        try f.expectRule(
            "dram.outside-region", at: 2,
            [
                f.loadUops, I.alu(.add, 0..<1, imm: 0, deps: [.pushNext]),
                I.store(dram: f.inpBase, x: 1, deps: [.popPrev, .pushPrev]), I.computeNoop(deps: [.popNext]),
                I.finish(),
            ])
        // A stream without any regions may not touch DRAM at all.
        try f.expectRule("dram.outside-region", at: 0, [f.loadUops, I.finish()], regions: [])
    }

    func inputLoadRows(_ f: Fixture, dram: Int, y: Int, x: Int, stride: Int, sram: Int = 0) -> [Instruction] {
        [
            I.load(.input, sram: sram, dram: dram, y: y, x: x, stride: stride, deps: [.pushNext]),
            I.computeNoop(deps: [.popPrev]),
        ]
    }

    // MARK: Accumulator hazard

    @Test(arguments: ["alkali", "cloud"])
    func accumulatorHazard(targetName: String) throws {
        let f = Fixture(
            try shippedTarget(targetName),
            uops: [MicroOp(dst: 0), MicroOp(dst: 1), MicroOp(dst: 0), MicroOp(dst: 5)])
        // Within a block: uop 2 writes what uop 0 wrote two executions earlier.
        try f.expectRule("hazard.accumulator", at: 1, [f.loadUops, I.gemm(0..<3), I.finish()])
        try f.expectSafe([f.loadUops, I.gemm(0..<2, iter: (1, 1)), I.finish()])
        // Across blocks with one uop: factor 0 on the inner loop repeats ACC[5].
        try f.expectRule("hazard.accumulator", at: 1, [f.loadUops, I.gemm(3..<4, iter: (1, 2)), I.finish()])
        try f.expectRule(
            "hazard.accumulator", at: 1,
            [f.loadUops, I.alu(.add, 3..<4, iter: (3, 1), dst: (0, 0), imm: 1), I.finish()])
        // Two boundaries back: i -> i+1 undoes j's step (distance 2, single uop).
        try f.expectRule(
            "hazard.accumulator", at: 1, [f.loadUops, I.gemm(3..<4, iter: (2, 2), dst: (0, 1)), I.finish()])
        try f.expectSafe([f.loadUops, I.gemm(3..<4, iter: (2, 2), dst: (2, 1)), I.finish()])
        // GEMM reset is exempt (it does not read the accumulators).
        try f.expectSafe([f.loadUops, I.gemm(0..<3, reset: true), I.finish()])
        // Reductions outside the uop kernel: three uops per block, moving by 3.
        let g = Fixture(f.target, uops: [MicroOp(dst: 0), MicroOp(dst: 1), MicroOp(dst: 2)])
        try g.expectSafe([g.loadUops, I.gemm(0..<3, iter: (4, 5), dst: (3, 0)), I.finish()])
        try g.expectRule(
            "hazard.accumulator", at: 1, [g.loadUops, I.gemm(0..<3, iter: (1, 5), dst: (0, 1)), I.finish()])
    }

    @Test func shiftRange() throws {
        for f in [alkali, fsim, cloud] {
            try f.expectRule("alu.shift-range", at: 1, [f.loadUops, I.alu(.shr, 0..<1, imm: 16), I.finish()])
            try f.expectRule(
                "alu.shift-range", at: 1, [f.loadUops, I.alu(.shr, 0..<1, imm: -17), I.finish()])
            try f.expectSafe([
                f.loadUops, I.alu(.shr, 0..<1, imm: 15), I.alu(.shr, 0..<1, imm: -16), I.finish(),
            ])
            // Other ops take any immediate; a tensor SHR has no immediate to check.
            try f.expectSafe([f.loadUops, I.alu(.add, 0..<1, imm: -32768), I.alu(.shr, 0..<1), I.finish()])
        }
    }

    // MARK: Tokens

    @Test func deadlock() throws {
        let f = alkali
        // Compute waits for the store, the store for compute.
        let r = try f.expectRule(
            "tokens.deadlock", at: 1,
            [
                f.loadUops, I.gemm(0..<1, reset: true, deps: [.popNext]),
                I.store(dram: f.outBase, x: 0, deps: [.popPrev, .pushPrev]), I.finish(),
            ])
        #expect(
            r.findings[0].message.contains("compute module stuck at #1 GEMM (waits for a token on s2g"),
            "\(r)")
        // A load that forgets its token.
        try f.expectRule(
            "tokens.deadlock", at: 1,
            [I.load(.input, dram: f.inpBase, x: 1), I.computeNoop(deps: [.popPrev]), I.finish()])
    }

    @Test func fifoDepth() throws {
        let f = alkali
        // Load pushes three l2g tokens before it pops g2l; compute pushes three g2l tokens
        // before it pops l2g. With FIFOs of 2 both block pushing; with 3 or more it runs.
        var s: [Instruction] = []
        for _ in 0..<3 { s.append(I.load(.input, dram: 0, x: 0, deps: [.pushNext])) }
        for _ in 0..<3 { s.append(I.computeNoop(deps: [.pushPrev])) }
        for _ in 0..<3 { s.append(I.computeNoop(deps: [.popPrev])) }
        for k in 0..<3 {
            s.append(I.load(.input, dram: 0, x: 0, deps: k == 2 ? [.popNext, .pushNext] : [.popNext]))
        }
        s.append(I.computeNoop(deps: [.popPrev]))
        s.append(I.finish())
        let r = try f.expectRule("tokens.fifo-depth", at: 2, s, fifoDepth: 2)
        #expect(r.findings.count == 1 && r.findings[0].message.contains("fifo_depth (2)"), "\(r)")
        try f.expectSafe(s, fifoDepth: 3)
        try f.expectSafe(s)
        // fifo_depth 0 means the board's 1024 (for the C verifier only).
        #expect(verifyC(VTAISAConfig(f.target), try f.encode(s), regions: try f.regions, fifoDepth: 0).isSafe)
        #expect(
            !verifyC(VTAISAConfig(f.target), try f.encode(s), regions: try f.regions, fifoDepth: 1).isSafe)
    }

    @Test func leftoverTokens() throws {
        let f = alkali
        let r = try f.expectRule("tokens.leftover", at: nil, [I.computeNoop(deps: [.pushNext]), I.finish()])
        #expect(r.first?.index == nil && r.first?.rule == "tokens.leftover")
        try f.expectSafe([
            I.computeNoop(deps: [.pushNext]), I.store(dram: 0, x: 0, deps: [.popPrev, .pushPrev]),
            I.computeNoop(deps: [.popNext]), I.finish(),
        ])
    }

    // MARK: FINISH

    @Test func finishRules() throws {
        let f = alkali
        try f.expectRule("finish.missing", at: nil, [f.loadUops])
        try f.expectRule("finish.missing", at: nil, [])
        try f.expectRule(
            "finish.pops", at: 2,
            Array(inputLoad(f).dropLast()) + [I.computeNoop(deps: []), I.finish(deps: [.popPrev])])
        try f.expectRule(
            "finish.not-last", at: 1, [f.loadUops, I.finish(), I.gemm(0..<1, reset: true), I.finish()])
        // A load FINISH does not wait for.
        let r = try f.expectRule(
            "finish.unordered", at: 1, [f.loadUops, I.load(.input, dram: f.inpBase, x: 1), I.finish()])
        #expect(r.findings[0].message.contains("load module"), "\(r)")
        // A store FINISH does not wait for.
        try f.expectRule(
            "finish.unordered", at: 3,
            [
                f.loadUops, I.alu(.add, 0..<1, imm: 0, deps: [.pushNext]), I.computeNoop(deps: []),
                I.store(dram: f.outBase, x: 1, deps: [.popPrev]), I.finish(),
            ])
        try f.expectSafe(inputLoad(f) + [I.finish()])
    }

    // MARK: Whole streams

    @Test(arguments: [0, 1, 2, 3, 8])
    func doubleBufferedStreamIsSafe(tiles: Int) throws {
        for name in ["alkali", "cloud"] {
            let program = DoubleBuffered(fixture: Fixture(try shippedTarget(name)), tiles: tiles)
            try program.fixture.expectSafe(program.stream, regions: try program.regions)
        }
    }

    @Test func doubleBufferedStreamMistakes() throws {
        let program = DoubleBuffered(fixture: alkali, tiles: 4)
        let s = program.stream
        let regions = try program.regions
        // The first INP load forgets its token: compute waits forever.
        var broken = s
        broken[2].deps.remove(.pushNext)
        #expect(try alkali.check(broken, regions: regions).has("tokens.deadlock"))
        // The last store forgets to signal: its drain no-op waits forever.
        broken = s
        let lastStore = s.lastIndex { $0.opcode == .store }!
        broken[lastStore].deps.remove(.pushPrev)
        #expect(!(try alkali.check(broken, regions: regions).isSafe))
        // The epilogue does not wait for the last load: FINISH is unordered, tokens are left.
        broken = s
        broken[s.count - 2].deps.remove(.popPrev)
        let r = try alkali.expectRule("finish.unordered", at: s.count - 5, broken, regions: regions)
        #expect(r.has("tokens.leftover"))
        // The last tile reads past the input region.
        broken = s
        let last = 2 + 6 * 3
        if case .load(var m) = broken[last] {
            m.dramBase += 1
            broken[last] = .load(m)
        }
        try alkali.expectRule("dram.outside-region", at: last, broken, regions: regions)
    }

    // MARK: Arguments

    @Test func badArguments() throws {
        var bad = VTAISAConfig(alkali.target)
        bad.LOG_INP_WIDTH = 4
        var first = VTAVerifyFinding()
        #expect(vta_verify_stream(&bad, nil, 0, nil, 0, 1024, &first) == 1)
        #expect(
            withUnsafeBytes(of: first.rule) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                == "verify.config")
        var good = VTAISAConfig(alkali.target)
        #expect(vta_verify_stream(&good, nil, 3, nil, 0, 1024, &first) == 1)
        #expect(vta_verify_stream(nil, nil, 0, nil, 0, 1024, nil) == 1)
        // An empty stream lacks FINISH.
        #expect(vta_verify_stream(&good, nil, 0, nil, 0, 1024, &first) == 1)
        #expect(first.instruction == UInt32.max)
    }
}
