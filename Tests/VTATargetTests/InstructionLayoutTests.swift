import Testing
import VTATarget

@Suite("Instruction layout")
struct InstructionLayoutTests {
    let config = HardwareConfig.tvmDefault

    /// Checks a layout field by field against (name, offset, width) rows.
    func expect(_ layout: FieldLayout, _ rows: [(InstructionField, Int, Int)]) {
        #expect(layout.fields.map(\.field) == rows.map(\.0))
        for (field, offset, width) in rows {
            #expect(layout[field].offset == offset, "\(field) offset")
            #expect(layout[field].width == width, "\(field) width")
        }
    }

    let header: [(InstructionField, Int, Int)] = [
        (.opcode, 0, 3), (.popPrev, 3, 1), (.popNext, 4, 1), (.pushPrev, 5, 1), (.pushNext, 6, 1),
    ]

    @Test func defaultDerivedSizes() {
        #expect(config.batch == 1 && config.blockIn == 16 && config.blockOut == 16)
        #expect(config.elementBytes(.input) == 16)
        #expect(config.elementBytes(.weight) == 256)
        #expect(config.elementBytes(.accumulator) == 64)
        #expect(config.elementBytes(.uop) == 4)
        #expect(config.dramElementBytes(.output) == 16)
        #expect(config.dramElementBytes(.acc8Bit) == 16)
        #expect(config.depth(.uop) == 8192 && config.logDepth(.uop) == 13)
        #expect(config.depth(.input) == 2048 && config.logDepth(.input) == 11)
        #expect(config.depth(.weight) == 1024 && config.logDepth(.weight) == 10)
        #expect(config.depth(.accumulator) == 2048 && config.logDepth(.accumulator) == 11)
        #expect(config.portableShiftRange == -16...15)
        #expect(config.bitstreamName == "1x16_i8w8a32_15_15_18_17")
    }

    @Test func defaultMemoryLayoutMatchesSpec() {
        expect(
            config.layout.memory,
            header + [
                (.memoryType, 7, 3), (.sramBase, 10, 16), (.dramBase, 26, 32), (.ySize, 64, 16),
                (.xSize, 80, 16), (.xStride, 96, 16), (.yPad0, 112, 4), (.yPad1, 116, 4), (.xPad0, 120, 4),
                (.xPad1, 124, 4),
            ])
    }

    @Test func defaultGemmLayoutMatchesSpec() {
        expect(
            config.layout.gemm,
            header + [
                (.reset, 7, 1), (.uopBegin, 8, 13), (.uopEnd, 21, 14), (.iterOut, 35, 14), (.iterIn, 49, 14),
                (.dstFactorOut, 64, 11), (.dstFactorIn, 75, 11), (.srcFactorOut, 86, 11),
                (.srcFactorIn, 97, 11),
                (.wgtFactorOut, 108, 10), (.wgtFactorIn, 118, 10),
            ])
    }

    @Test func defaultAluLayoutMatchesSpec() {
        expect(
            config.layout.alu,
            header + [
                (.reset, 7, 1), (.uopBegin, 8, 13), (.uopEnd, 21, 14), (.iterOut, 35, 14), (.iterIn, 49, 14),
                (.dstFactorOut, 64, 11), (.dstFactorIn, 75, 11), (.srcFactorOut, 86, 11),
                (.srcFactorIn, 97, 11),
                (.aluOpcode, 108, 3), (.useImm, 111, 1), (.imm, 112, 16),
            ])
        #expect(config.layout.alu[.imm].isSigned)
        #expect(config.layout.alu[.imm].valueRange == -32768...32767)
    }

    @Test func defaultFinishAndUopLayouts() {
        expect(config.layout.finish, header)
        expect(config.layout.uop, [(.dstIndex, 0, 11), (.srcIndex, 11, 11), (.wgtIndex, 22, 10)])
    }

    @Test func reservedGapsAreTheSpecGaps() {
        // LOAD/STORE: bits 58-63 unused.
        let memory = config.layout.memory.reservedMask
        #expect(memory.low == 0xFC00_0000_0000_0000 && memory.high == 0)
        // GEMM/ALU: bit 63 unused.
        #expect(config.layout.gemm.reservedMask.low == 1 << 63)
        #expect(config.layout.gemm.reservedMask.high == 0)
        #expect(config.layout.alu.reservedMask.low == 1 << 63)
        // FINISH: everything above the header.
        #expect(config.layout.finish.reservedMask.low == ~UInt64(0x7F))
        #expect(config.layout.finish.reservedMask.high == ~UInt64(0))
        #expect(config.layout.uop.reservedMask.low == 0)
    }

    @Test func cloudLayoutKeepsDefaultDepths() throws {
        let cloud = try shippedTarget("cloud").config
        #expect(
            cloud.blockIn == 32 && cloud.elementBytes(.weight) == 1024
                && cloud.elementBytes(.accumulator) == 128)
        #expect(cloud.layout.gemm == config.layout.gemm)
        #expect(cloud.layout.uop == config.layout.uop)
    }

    /// A small core: narrower index fields move the bit-64 boundary to a different field.
    @Test func bit64RuleOnASmallConfiguration() throws {
        let small = try HardwareConfig(
            logBlockIn: 4, logBlockOut: 4, logUopBufferSize: 12, logInputBufferSize: 12,
            logWeightBufferSize: 15, logAccumulatorBufferSize: 14)
        #expect(small.logDepth(.uop) == 10 && small.logDepth(.input) == 8)
        #expect(small.logDepth(.weight) == 7 && small.logDepth(.accumulator) == 8)
        // 8 + 10 + 11 + 14 + 14 = 57; an 8-bit dst_factor_out would end at 65, so it starts at 64.
        expect(
            small.layout.gemm,
            header + [
                (.reset, 7, 1), (.uopBegin, 8, 10), (.uopEnd, 18, 11), (.iterOut, 29, 14), (.iterIn, 43, 14),
                (.dstFactorOut, 64, 8), (.dstFactorIn, 72, 8), (.srcFactorOut, 80, 8), (.srcFactorIn, 88, 8),
                (.wgtFactorOut, 96, 7), (.wgtFactorIn, 103, 7),
            ])
        expect(small.layout.uop, [(.dstIndex, 0, 8), (.srcIndex, 8, 8), (.wgtIndex, 16, 7)])
    }

    /// The micro-op source index serves INP (GEMM) and ACC (ALU): it is as wide as the wider.
    @Test func uopSourceIsWideEnoughForBothBuffers() throws {
        let c = try HardwareConfig(
            logInputBufferSize: 16, logWeightBufferSize: 17, logAccumulatorBufferSize: 16)
        #expect(c.logDepth(.input) == 12 && c.logDepth(.accumulator) == 10)
        #expect(c.layout.uop[.srcIndex].width == 12)
        #expect(c.layout.uop[.wgtIndex].offset == 22)
    }
}
