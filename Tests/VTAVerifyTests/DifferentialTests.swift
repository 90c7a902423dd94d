// The C ISA library against VTATarget: the same layouts for every configuration, the same
// decoding and encoding, and the same verifier verdicts (rule for rule, index for index) on
// thousands of random streams.
import CVTAISA
import Testing
import VTATarget

@Suite("C ISA and verifier against VTATarget")
struct DifferentialTests {
    // MARK: Layouts and codec

    /// Configurations both sides accept: the shipped ones and random variations.
    static func configs() throws -> [(HardwareConfig, ISAProfile)] {
        var list: [(HardwareConfig, ISAProfile)] = try ["alkali", "pynq", "fsim", "cloud"].map {
            let t = try shippedTarget($0)
            return (t.config, t.profile)
        }
        var r = Rand(7)
        while list.count < 60 {
            let block = r.below(4) + 3
            guard
                let c = try? HardwareConfig(
                    logBatch: r.below(2), logBlockIn: block, logBlockOut: block + r.below(2) - r.below(2),
                    logUopBufferSize: 10 + r.below(8), logInputBufferSize: 10 + r.below(9),
                    logWeightBufferSize: 14 + r.below(8), logAccumulatorBufferSize: 12 + r.below(9))
            else { continue }
            list.append((c, r.chance(50) ? .stock : .extended))
        }
        return list
    }

    static func arch(_ c: HardwareConfig, _ p: ISAProfile) -> VTAISAArch? {
        var cfg = VTAISAConfig()
        cfg.LOG_INP_WIDTH = Int32(c.logInputWidth)
        cfg.LOG_WGT_WIDTH = Int32(c.logWeightWidth)
        cfg.LOG_ACC_WIDTH = Int32(c.logAccumulatorWidth)
        cfg.LOG_BATCH = Int32(c.logBatch)
        cfg.LOG_BLOCK_IN = Int32(c.logBlockIn)
        cfg.LOG_BLOCK_OUT = Int32(c.logBlockOut)
        cfg.LOG_UOP_BUFF_SIZE = Int32(c.logUopBufferSize)
        cfg.LOG_INP_BUFF_SIZE = Int32(c.logInputBufferSize)
        cfg.LOG_WGT_BUFF_SIZE = Int32(c.logWeightBufferSize)
        cfg.LOG_ACC_BUFF_SIZE = Int32(c.logAccumulatorBufferSize)
        cfg.profile = p == .extended ? VTA_ISA_PROFILE_EXTENDED : VTA_ISA_PROFILE_STOCK
        var a = VTAISAArch()
        return vta_isa_arch_init(&a, &cfg, nil, 0) == 0 ? a : nil
    }

    @Test func layoutsMatchVTATarget() throws {
        let kinds: [(Int32, KeyPath<InstructionLayout, FieldLayout>)] = [
            (VTA_ISA_LAYOUT_MEM, \.memory), (VTA_ISA_LAYOUT_GEMM, \.gemm), (VTA_ISA_LAYOUT_ALU, \.alu),
            (VTA_ISA_LAYOUT_FINISH, \.finish), (VTA_ISA_LAYOUT_UOP, \.uop),
        ]
        for (config, profile) in try Self.configs() {
            var a = try #require(Self.arch(config, profile), "\(config.bitstreamName)")
            for (kind, path) in kinds {
                let fields = config.layout[keyPath: path]
                for field in fields.fields {
                    var offset: UInt32 = 0
                    var width: UInt32 = 0
                    #expect(vta_isa_field_layout(&a, kind, field.field.rawValue, &offset, &width) == 0)
                    #expect(
                        Int(offset) == field.offset && Int(width) == field.width,
                        "\(config.bitstreamName) \(field.field.rawValue)")
                }
                if kind != VTA_ISA_LAYOUT_UOP {
                    let reserved = fields.reservedMask
                    let index = kind == VTA_ISA_LAYOUT_FINISH ? 3 : Int(kind)
                    let c = withUnsafeBytes(of: a.reserved) { $0.bindMemory(to: UInt64.self) }
                    #expect(c[2 * index] == reserved.low && c[2 * index + 1] == reserved.high)
                }
            }
            for buffer in SRAMBuffer.allCases {
                let i = [SRAMBuffer.uop: 0, .weight: 1, .input: 2, .accumulator: 3][buffer]!
                #expect(
                    withUnsafeBytes(of: a.depth) { $0.bindMemory(to: UInt32.self)[i] }
                        == UInt32(config.depth(buffer)))
            }
            for type in MemoryType.allCases {
                #expect(
                    withUnsafeBytes(of: a.elem_bytes) { $0.bindMemory(to: UInt32.self)[type.rawValue] }
                        == UInt32(config.dramElementBytes(type)))
            }
        }
    }

    private static func randomInstruction(_ r: inout Rand, _ layout: InstructionLayout) -> Instruction {
        func v(_ f: BitField) -> Int {
            let range = f.valueRange
            switch r.below(4) {
            case 0: return range.lowerBound
            case 1: return range.upperBound
            default: return range.lowerBound + Int(r.next() % UInt64(range.upperBound - range.lowerBound + 1))
            }
        }
        var deps = DependencyFlags(rawValue: UInt8(r.below(16)))
        if r.chance(50) { deps = [] }
        let m = layout.memory, g = layout.gemm, a = layout.alu
        func loop(_ l: FieldLayout) -> UopLoop {
            UopLoop(
                uopBegin: v(l[.uopBegin]), uopEnd: v(l[.uopEnd]), iterOut: v(l[.iterOut]),
                iterIn: v(l[.iterIn]),
                dstFactorOut: v(l[.dstFactorOut]), dstFactorIn: v(l[.dstFactorIn]),
                srcFactorOut: v(l[.srcFactorOut]), srcFactorIn: v(l[.srcFactorIn]))
        }
        switch r.below(5) {
        case 0, 1:
            let mem = MemoryInstruction(
                memoryType: r.pick(MemoryType.allCases), sramBase: v(m[.sramBase]), dramBase: v(m[.dramBase]),
                ySize: v(m[.ySize]), xSize: v(m[.xSize]), xStride: v(m[.xStride]), yPad0: v(m[.yPad0]),
                yPad1: v(m[.yPad1]), xPad0: v(m[.xPad0]), xPad1: v(m[.xPad1]), deps: deps)
            return r.chance(50) ? .load(mem) : .store(mem)
        case 2:
            return .gemm(
                GemmInstruction(
                    reset: r.chance(50), loop: loop(g), wgtFactorOut: v(g[.wgtFactorOut]),
                    wgtFactorIn: v(g[.wgtFactorIn]), deps: deps))
        case 3:
            return .alu(
                AluInstruction(
                    opcode: r.pick(AluOpcode.allCases), loop: loop(a), useImmediate: r.chance(50),
                    immediate: v(a[.imm]),
                    reset: r.chance(50), deps: deps))
        default:
            return .finish(FinishInstruction(deps: deps))
        }
    }

    @Test func codecMatchesVTATarget() throws {
        var r = Rand(11)
        for (config, profile) in try Self.configs() {
            var a = try #require(Self.arch(config, profile))
            let codec = InstructionCodec(config: config)
            for n in 0..<300 {
                let insn = Self.randomInstruction(&r, config.layout)
                let bytes = try codec.encode(insn)
                var x = VTAISAInsn()
                let problems = vta_isa_decode(&a, bytes, UInt32(n), &x)
                #expect(problems == 0, "\(insn)")
                #expect(Int(x.opcode) == insn.opcode.rawValue && x.index == UInt32(n))
                #expect(
                    Int(x.pop_prev) + 2 * Int(x.pop_next) + 4 * Int(x.push_prev) + 8 * Int(x.push_next)
                        == Int(insn.deps.rawValue))
                #expect(Int(x.module) == ExecutionModule.allCases.firstIndex(of: insn.module)!)
                switch insn {
                case .load(let m), .store(let m):
                    #expect(
                        [
                            Int(x.mem_type), Int(x.sram_base), Int(x.dram_base), Int(x.y_size), Int(x.x_size),
                            Int(x.x_stride), Int(x.y_pad0), Int(x.y_pad1), Int(x.x_pad0), Int(x.x_pad1),
                        ]
                            == [
                                m.memoryType.rawValue, m.sramBase, m.dramBase, m.ySize, m.xSize, m.xStride,
                                m.yPad0, m.yPad1, m.xPad0, m.xPad1,
                            ])
                case .gemm(let g):
                    let l = g.loop
                    #expect(
                        [
                            Int(x.reset), Int(x.uop_bgn), Int(x.uop_end), Int(x.iter_out), Int(x.iter_in),
                            Int(x.dst_fo), Int(x.dst_fi), Int(x.src_fo), Int(x.src_fi), Int(x.wgt_fo),
                            Int(x.wgt_fi),
                        ]
                            == [
                                g.reset ? 1 : 0, l.uopBegin, l.uopEnd, l.iterOut, l.iterIn, l.dstFactorOut,
                                l.dstFactorIn, l.srcFactorOut, l.srcFactorIn, g.wgtFactorOut, g.wgtFactorIn,
                            ])
                case .alu(let al):
                    let l = al.loop
                    #expect(
                        [
                            Int(x.reset), Int(x.uop_bgn), Int(x.uop_end), Int(x.iter_out), Int(x.iter_in),
                            Int(x.dst_fo), Int(x.dst_fi), Int(x.src_fo), Int(x.src_fi), Int(x.alu_op),
                            Int(x.use_imm), Int(x.imm),
                        ]
                            == [
                                al.reset ? 1 : 0, l.uopBegin, l.uopEnd, l.iterOut, l.iterIn, l.dstFactorOut,
                                l.dstFactorIn, l.srcFactorOut, l.srcFactorIn, al.opcode.rawValue,
                                al.useImmediate ? 1 : 0, al.immediate,
                            ])
                case .finish: break
                }
                // Encoding the decoded fields gives the same bytes back.
                var again = [UInt8](repeating: 0, count: 16)
                #expect(vta_isa_encode(&a, &x, &again) == 0)
                #expect(again == bytes)
                // Flipping a bit no field owns makes the word invalid, for both decoders.
                let layout = config.layout.layout(for: insn.opcode)
                let mask = layout.reservedMask
                if mask.low | mask.high != 0 {
                    var bit = r.below(128)
                    while ((bit < 64 ? mask.low >> UInt64(bit) : mask.high >> UInt64(bit - 64)) & 1) == 0 {
                        bit = r.below(128)
                    }
                    var flipped = bytes
                    flipped[bit / 8] ^= UInt8(1 << (bit % 8))
                    #expect(vta_isa_decode(&a, flipped, 0, &x) & UInt32(VTA_ISA_RESERVED_BITS) != 0)
                    #expect(throws: InstructionDecodingError.self) { try codec.decode(flipped) }
                }
            }
            // Micro-ops.
            for _ in 0..<50 {
                let u = MicroOp(
                    dst: r.below(config.depth(.accumulator)),
                    src: r.below(max(config.depth(.accumulator), config.depth(.input))),
                    wgt: r.below(config.depth(.weight)))
                let word = try codec.encode(uop: u)
                var c: UInt32 = 0
                #expect(
                    vta_isa_encode_uop(&a, UInt32(u.dst), UInt32(u.src), UInt32(u.wgt), &c) == 0 && c == word)
                var d: UInt32 = 0
                var s: UInt32 = 0
                var w: UInt32 = 0
                vta_isa_uop_fields(&a, word, &d, &s, &w)
                #expect([Int(d), Int(s), Int(w)] == [u.dst, u.src, u.wgt])
            }
        }
        // Values that do not fit are refused, naming the field.
        var a = try #require(Self.arch(.tvmDefault, .stock))
        var x = VTAISAInsn()
        x.opcode = UInt8(VTA_ISA_OP_ALU)
        x.imm = 40000
        var out = [UInt8](repeating: 0, count: 16)
        #expect(vta_isa_encode(&a, &x, &out) == 1 + VTA_ISA_FA_IMM)
        x.imm = 0
        x.iter_in = 1 << 14
        #expect(vta_isa_encode(&a, &x, &out) == 1 + VTA_ISA_FA_ITER_IN)
    }

    // MARK: Verifier verdicts

    @Test(arguments: ["alkali", "fsim", "cloud"])
    func randomStreamsGetTheSameFindings(targetName: String) throws {
        let target = try shippedTarget(targetName)
        var seedRand = Rand(UInt64(targetName.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
        var ruleCounts: [String: Int] = [:]
        var safe = 0
        var mismatches = 0
        let streams = 1500
        for n in 0..<streams {
            let uops = StreamGenerator.uops(&seedRand, config: target.config)
            let fixture = Fixture(target, uops: uops)
            var gen = StreamGenerator(seed: seedRand.next(), fixture: fixture)
            let stream = gen.stream()
            var bytes = try fixture.encode(stream)
            if gen.r.chance(8) {
                let bit = gen.r.below(bytes.count * 8)
                bytes[bit / 8] ^= UInt8(1 << (bit % 8))
            }
            let regions = try gen.regions()
            let fifo = gen.r.chance(10) ? 1 + gen.r.below(3) : 1024
            let result = try differential(target, bytes, regions: regions, fifoDepth: fifo)
            if let difference = result.difference {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record(
                        "stream \(n) (\(targetName)), fifo \(fifo):\n\(stream.enumerated().map { "#\($0.offset) \($0.element)" }.joined(separator: "\n"))\n\(difference)"
                    )
                }
            }
            if result.c.isSafe { safe += 1 }
            for rule in result.c.rules { ruleCounts[rule, default: 0] += 1 }
        }
        #expect(mismatches == 0)
        // The generator reaches every rule, and a fair share of safe streams.
        let expected: Set<String> = [
            "decode.invalid", "isa.profile", "isa.memory-type", "deps.no-queue", "load.padding",
            "store.padding",
            "sram.out-of-range", "uop.out-of-range", "uop.undefined", "uop.outside-image",
            "dram.address-overflow",
            "dram.outside-region", "hazard.accumulator", "alu.shift-range", "tokens.deadlock",
            "tokens.fifo-depth",
            "tokens.leftover", "finish.missing", "finish.pops", "finish.not-last", "finish.unordered",
            "load.uop-rows", "race.sram", "store.not-computed",
        ]
        let reachable = targetName == "alkali" ? expected : expected.subtracting(["isa.profile"])
        let missing = reachable.subtracting(ruleCounts.keys)
        #expect(missing.isEmpty, "rules never reached: \(missing.sorted()); counts \(ruleCounts)")
        #expect(safe > streams / 25, "only \(safe) safe streams")
    }
}
