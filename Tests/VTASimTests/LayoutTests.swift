// Instruction layouts: the simulator's derived layout must equal the spec table for the default
// configuration, and follow the same derivation rule for other configurations.
import CVTASim
import Testing

private func cLayout(_ c: VTASimConfig, _ kind: Int32, _ name: String) -> Field? {
    var cfg = c
    var off: UInt32 = 0
    var width: UInt32 = 0
    guard VTASimFieldLayout(&cfg, kind, name, &off, &width) == 0 else { return nil }
    return Field(offset: Int(off), width: Int(width))
}

private func expectSimMatches(_ layout: Layout, _ c: VTASimConfig) {
    let kinds: [(Int32, [String: Field])] = [
        (VTA_SIM_LAYOUT_MEM, layout.mem), (VTA_SIM_LAYOUT_GEMM, layout.gemm),
        (VTA_SIM_LAYOUT_ALU, layout.alu), (VTA_SIM_LAYOUT_UOP, layout.uop),
    ]
    for (kind, fields) in kinds {
        for (name, field) in fields {
            #expect(cLayout(c, kind, name) == field, "kind \(kind) field \(name)")
        }
    }
}

private func reason(_ c: VTASimConfig) -> String? {
    var cfg = c
    var buf = [CChar](repeating: 0, count: 256)
    guard VTASimCheckConfig(&cfg, &buf, buf.count) != 0 else { return nil }
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

@Suite struct LayoutTests {
    @Test func defaultLayoutIsTheSpecTable() {
        // The simulator agrees with the literal table of the spec...
        expectSimMatches(Layout.spec, .pynq)
        // ...and the derivation rule reproduces the table, gaps included.
        #expect(Layout.derive(.pynq) == Layout.spec)
        #expect(Layout.spec.gemm.count == 16 && Layout.spec.alu.count == 17 && Layout.spec.mem.count == 15)
        #expect(cLayout(.pynq, VTA_SIM_LAYOUT_GEMM, "no_such_field") == nil)
    }

    @Test func cloudLayoutIsDerived() throws {
        let cloud = try #require(Layout.derive(.cloud))
        expectSimMatches(cloud, .cloud)
        // What changed relative to the default: 12-bit INP factors, 10-bit ACC factors, and a
        // micro-op whose src is 12 bits (max of ACC 10 and INP 12).
        #expect(cloud.gemm["dst_factor_out"] == Field(offset: 64, width: 10))
        #expect(cloud.gemm["src_factor_out"] == Field(offset: 84, width: 12))
        #expect(cloud.gemm["wgt_factor_in"] == Field(offset: 118, width: 10))
        #expect(cloud.alu["alu_opcode"] == Field(offset: 104, width: 3))
        #expect(cloud.alu["imm"] == Field(offset: 108, width: 16))
        #expect(cloud.uop["src_idx"] == Field(offset: 10, width: 12))
        #expect(cloud.uop["wgt_idx"] == Field(offset: 22, width: 10))
        #expect(cloud != Layout.spec)
    }

    @Test func bitSixtyFourRuleMovesFields() throws {
        // A 2^14-entry UOP buffer: uop_bgn 14 + uop_end 15 bits push iter_in across bit 64, so it
        // starts at bit 64; small ACC (2^7), INP (2^9) and WGT (2^9) buffers keep the rest in 128.
        var c = VTASimConfig.pynq
        c.LOG_UOP_BUFF_SIZE = 16
        c.LOG_ACC_BUFF_SIZE = 13
        c.LOG_INP_BUFF_SIZE = 13
        c.LOG_WGT_BUFF_SIZE = 17
        let l = try #require(Layout.derive(c))
        #expect(l.gemm["iter_out"] == Field(offset: 37, width: 14))
        #expect(l.gemm["iter_in"] == Field(offset: 64, width: 14))
        #expect(l.gemm["wgt_factor_in"] == Field(offset: 119, width: 9))
        #expect(l.alu["iter_in"] == Field(offset: 64, width: 14))
        #expect(l.alu["imm"] == Field(offset: 110, width: 16))
        expectSimMatches(l, c)
        #expect(reason(c) == nil)
    }

    @Test func layoutsThatDoNotFitAreRejected() throws {
        // The brief's example cloud buffers: ACC 2^19 / 128 B = 2^12 entries, INP 2^17 / 32 B = 2^12,
        // WGT 2^20 / 1 KiB = 2^10: a 34-bit micro-op, which upstream's uint32_t bit-fields cannot hold.
        var big = VTASimConfig.cloud
        big.LOG_INP_BUFF_SIZE = 17
        big.LOG_WGT_BUFF_SIZE = 20
        big.LOG_ACC_BUFF_SIZE = 19
        big.LOG_UOP_BUFF_SIZE = 17
        let why = try #require(reason(big))
        #expect(why.contains("micro-op") && why.contains("12") && why.contains("10"), "\(why)")
        #expect(Layout.derive(big) == nil)
        var cfg = big
        #expect(VTASimDeviceAllocWithConfig(&cfg) == nil)

        // With a fitting micro-op, a 2^15-entry UOP buffer overflows the GEMM word instead.
        big.LOG_ACC_BUFF_SIZE = 17
        let why2 = try #require(reason(big))
        #expect(why2.contains("GEMM"), "\(why2)")

        var narrow = VTASimConfig.pynq
        narrow.LOG_INP_WIDTH = 2
        #expect(reason(narrow) != nil)
        var badProfile = VTASimConfig.pynq
        badProfile.profile = 7
        #expect(reason(badProfile) != nil)
        #expect(reason(.pynq) == nil && reason(.cloud) == nil && reason(VTASimConfig.pynq.extended) == nil)
    }
}
