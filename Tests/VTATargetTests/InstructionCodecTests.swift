import Testing
import VTATarget

@Suite("Instruction codec")
struct InstructionCodecTests {
    let codec = InstructionCodec(config: .tvmDefault)

    // MARK: Known encodings, computed by hand from the spec table

    /// opcode 0 | pop_next (bit 4) | push_next (bit 6) | INP=2 << 7 | dram 0x100 << 26;
    /// high word: y 4 | x 8 << 16 | stride 8 << 32 | pads 1 at 48, 52, 56, 60.
    @Test func loadWithPadding() throws {
        let load = Instruction.load(
            MemoryInstruction(
                memoryType: .input, sramBase: 0, dramBase: 0x100, ySize: 4, xSize: 8, xStride: 8,
                yPad0: 1, yPad1: 1, xPad0: 1, xPad1: 1, deps: [.popNext, .pushNext]))
        let word = try codec.encodeWord(load)
        #expect(word.low == 0x0000_0004_0000_0150)
        #expect(word.high == 0x1111_0008_0008_0004)
        #expect(hex(try codec.encode(load)) == "50 01 00 00 04 00 00 00 04 00 08 00 08 00 11 11")
        #expect(try codec.decode(codec.encode(load)) == load)
    }

    /// opcode 2 | pop_prev (bit 3) | uop_end 9 << 21 | iter_out 4 << 35 | iter_in 2 << 49;
    /// high: dst_factor_out 16 | dst_factor_in 1 << 11 | src_factor_out 16 << 22 | src_factor_in 1 << 33.
    @Test func gemm() throws {
        let gemm = Instruction.gemm(
            GemmInstruction(
                loop: UopLoop(
                    uopBegin: 0, uopEnd: 9, iterOut: 4, iterIn: 2, dstFactorOut: 16, dstFactorIn: 1,
                    srcFactorOut: 16, srcFactorIn: 1), deps: [.popPrev]))
        let word = try codec.encodeWord(gemm)
        #expect(word.low == 0x0004_0020_0120_000A)
        #expect(word.high == 0x0000_0002_0400_0810)
        #expect(hex(try codec.encode(gemm)) == "0a 00 20 01 20 00 04 00 10 08 00 04 02 00 00 00")
    }

    /// opcode 4 | push_prev (bit 5) | uop_end 1 << 21 | iter 1,1;
    /// high: SHR=3 << 44 | use_imm << 47 | imm -1 = 0xFFFF << 48.
    @Test func aluWithNegativeImmediate() throws {
        let alu = Instruction.alu(
            AluInstruction(
                opcode: .shr, loop: UopLoop(uopBegin: 0, uopEnd: 1), useImmediate: true, immediate: -1,
                deps: [.pushPrev]))
        let word = try codec.encodeWord(alu)
        #expect(word.low == 0x0002_0008_0020_0024)
        #expect(word.high == 0xFFFF_B000_0000_0000)
        #expect(hex(try codec.encode(alu)) == "24 00 20 00 08 00 02 00 00 00 00 00 00 b0 ff ff")
        #expect(try codec.decode(codec.encode(alu)) == alu)
    }

    @Test func finishAndStore() throws {
        let finish = Instruction.finish(FinishInstruction(deps: [.popNext]))
        #expect(hex(try codec.encode(finish)) == "13 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00")
        // STORE OUT: opcode 1 | push_prev | OUT=4 << 7 | sram 5 << 10 | dram 2 << 26; y 1, x 16, stride 16.
        let store = Instruction.store(
            MemoryInstruction(
                memoryType: .output, sramBase: 5, dramBase: 2, ySize: 1, xSize: 16, xStride: 16,
                deps: [.pushPrev]))
        let word = try codec.encodeWord(store)
        #expect(word.low == 0x1 | 0x20 | (4 << 7) | (5 << 10) | (2 << 26))
        #expect(word.high == 1 | (16 << 16) | (16 << 32))
    }

    @Test func uopWord() throws {
        #expect(try codec.encode(uop: MicroOp(dst: 5, src: 7, wgt: 3)) == 0x00C0_3805)
        #expect(hex(try codec.encode(uops: [MicroOp(dst: 5, src: 7, wgt: 3)])) == "05 38 c0 00")
        #expect(try codec.decode(uop: 0xFFFF_FFFF) == MicroOp(dst: 2047, src: 2047, wgt: 1023))
    }

    // MARK: Round trips

    @Test(arguments: ["alkali", "cloud"])
    func randomRoundTrips(target: String) throws {
        let config = try shippedTarget(target).config
        try roundTrip(config: config, seed: 0x5EED_0001)
    }

    @Test func randomRoundTripsOnSmallConfiguration() throws {
        let small = try HardwareConfig(
            logUopBufferSize: 12, logInputBufferSize: 12, logWeightBufferSize: 15,
            logAccumulatorBufferSize: 14)
        try roundTrip(config: small, seed: 0x5EED_0002)
    }

    func roundTrip(config: HardwareConfig, seed: UInt64) throws {
        let codec = InstructionCodec(config: config)
        var random = RandomInstructions(config: config, seed: seed)
        let stream = (0..<4000).map { _ in random.next() }
        let bytes = try codec.encode(stream: stream)
        #expect(bytes.count == stream.count * 16)
        #expect(try codec.decode(stream: bytes) == stream)
        // And the bytes survive decode + encode unchanged.
        #expect(try codec.encode(stream: codec.decode(stream: bytes)) == bytes)
        let uops = (0..<2000).map { _ in random.uop() }
        #expect(try codec.decode(uops: codec.encode(uops: uops)) == uops)
    }

    // MARK: Errors

    @Test func overflowIsAnErrorNamingInstructionAndField() {
        let load = Instruction.load(
            MemoryInstruction(
                memoryType: .input, sramBase: 65536, dramBase: 0, ySize: 1, xSize: 1, xStride: 1))
        #expect(throws: InstructionEncodingError.self) { try codec.encode(load) }
        do {
            _ = try codec.encode(stream: [.finish(FinishInstruction()), load])
            Issue.record("expected an error")
        } catch {
            #expect(
                error.description
                    == "LOAD INP at index 1: sram_base = 65536 does not fit its 16-bit field (0...65535)")
        }
        let gemm = Instruction.gemm(GemmInstruction(loop: UopLoop(uopBegin: 0, uopEnd: 1, iterOut: 1 << 14)))
        #expect(throws: InstructionEncodingError.self) { try codec.encode(gemm) }
        let negative = Instruction.gemm(GemmInstruction(loop: UopLoop(uopBegin: -1, uopEnd: 1)))
        #expect(throws: InstructionEncodingError.self) { try codec.encode(negative) }
        for immediate in [32768, -32769] {
            let alu = Instruction.alu(
                AluInstruction(
                    opcode: .add, loop: UopLoop(uopBegin: 0, uopEnd: 1), useImmediate: true,
                    immediate: immediate))
            #expect(throws: InstructionEncodingError.self) { try codec.encode(alu) }
        }
        #expect(throws: InstructionEncodingError.self) { try codec.encode(uop: MicroOp(dst: 2048)) }
        #expect(throws: InstructionEncodingError.self) { try codec.encode(uop: MicroOp(dst: 0, wgt: 1024)) }
    }

    @Test func decodingRejectsUnknownCodes() {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes[0] = 5  // opcode 5
        #expect(throws: InstructionDecodingError.unknownOpcode(value: 5, index: 0)) {
            try codec.decode(bytes)
        }
        // LOAD with memory type 6 (0b110 at bits 7-9: bit 7 clear, bits 8 and 9 set).
        bytes[0] = 0
        bytes[1] = 0x03
        #expect(throws: InstructionDecodingError.unknownMemoryType(value: 6, index: 0)) {
            try codec.decode(bytes)
        }
        // ALU with alu_opcode 5 at bits 108-110.
        var alu = InstructionWord()
        alu.setBits(4, offset: 0, width: 3)
        alu.setBits(5, offset: 108, width: 3)
        #expect(throws: InstructionDecodingError.unknownAluOpcode(value: 5, index: 3)) {
            try codec.decode(word: alu, index: 3)
        }
        // A bit in the LOAD gap (58-63).
        var gap = InstructionWord()
        gap.setBits(1, offset: 60, width: 1)
        #expect(throws: InstructionDecodingError.self) { try codec.decode(word: gap) }
        #expect(throws: InstructionDecodingError.truncated(byteCount: 17, wordBytes: 16)) {
            try codec.decode(stream: [UInt8](repeating: 0, count: 17))
        }
    }
}
