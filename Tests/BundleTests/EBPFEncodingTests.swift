// Every instruction form the assembler emits, encoded as clang encodes it: the program below
// is Tests/Fixtures/ebpf-wrapper/encodings.s line for line, and its bytes must equal the
// .text of clang's encodings.o.
import Bundle
import Testing

@Suite struct EBPFEncodingTests {
    /// encodings.s, in the same order.
    static var encodingsSource: [EBPFAssemblyItem] {
        var a = EBPFAssembler()
        let immediates: [(EBPFALUOperation, Int32)] = [
            (.add, -5), (.sub, 7), (.mul, 3), (.div, 3), (.or, 0x7000_0000), (.and, 255), (.lsh, 3),
            (.rsh, 3),
            (.mod, 10), (.xor, -1), (.mov, Int32.min), (.arsh, 31),
        ]
        for width in [EBPFWidth.bits64, .bits32] {
            for (op, imm) in immediates {
                a.emit(.alu(op, width, .r1, .register(.r2)))
                a.emit(.alu(op, width, .r1, .immediate(width == .bits32 && op == .mov ? 7 : imm)))
            }
            a.emit(.neg(width, .r3))
        }
        for order in [EBPFByteOrder.little, .big] {
            for bits: Int32 in [16, 32, 64] { a.emit(.byteSwap(order, bits: bits, .r4)) }
        }
        a.emit(.loadImmediate64(.r1, 0x1234_5678_9ABC_DEF0))
        a.emit(.loadImmediate64(.r2, .max))
        a.emit(.loadImmediate64(.r0, 0x8000_0000))
        a.emit(.load(.byte, .r5, base: .r6, offset: 1))
        a.emit(.load(.half, .r5, base: .r6, offset: -2))
        a.emit(.load(.word, .r5, base: .r6, offset: 4))
        a.emit(.load(.double, .r5, base: .r10, offset: -512))
        a.emit(.store(.byte, base: .r7, offset: 3, .r8))
        a.emit(.store(.half, base: .r7, offset: 2, .r8))
        a.emit(.store(.word, base: .r7, offset: -4, .r8))
        a.emit(.store(.double, base: .r10, offset: -8, .r8))
        a.emit(.storeImmediate(.byte, base: .r9, offset: 1, 7))
        a.emit(.storeImmediate(.half, base: .r9, offset: 2, -1))
        a.emit(.storeImmediate(.word, base: .r9, offset: 4, 100_000))
        a.emit(.storeImmediate(.double, base: .r10, offset: -16, 0))
        a.label("back")
        a.emit(.jump("fwd"))
        let conditions: [(EBPFJumpCondition, Int32)] = [
            (.eq, 5), (.gt, 5), (.ge, 5), (.set, 5), (.ne, 5), (.sgt, -5), (.sge, -5), (.lt, 5), (.le, 5),
            (.slt, -5), (.sle, -5),
        ]
        for (i, (condition, imm)) in conditions.enumerated() {
            let target: EBPFJumpTarget = i % 2 == 1 ? "back" : "fwd"
            a.emit(.jumpIf(condition, .r1, .register(.r2), target))
            a.emit(.jumpIf(condition, .r9, .immediate(imm), target))
        }
        a.label("fwd")
        a.emit([.call("helper_a"), .call("helper_b"), .call("helper_a"), .exit])
        return a.items
    }

    @Test func everyFormMatchesClang() throws {
        let program = try EBPFAssembler.assemble(Self.encodingsSource)
        let clang = RawELF(try EBPFFixture.bytes("encodings.o"))
        let text = clang.contents(try #require(clang.section(".text")))
        #expect(program.bytes.count == text.count)
        // Slot by slot, so a mismatch names the instruction.
        for slot in 0..<min(program.slots.count, text.count / 8) {
            let ours = program.slots[slot].bytes, theirs = Array(text[8 * slot..<8 * slot + 8])
            #expect(
                ours == theirs,
                "slot \(slot): \(EBPFDisassembler.text(program.slots[slot])) encodes as \(ours), clang: \(theirs)"
            )
        }
        // The calls: one relocation each, at the same offsets, against the same names.
        let symbols = clang.symbols
        #expect(
            clang.rels.map { ($0.offset, symbols[$0.symbol].name) }.elementsEqual(
                program.calls.map { (UInt64(8 * $0.slot), $0.helper) }, by: ==))
        #expect(clang.rels.allSatisfy { $0.type == 10 })
    }

    @Test func knownBytes() throws {
        // A few forms spelled out by hand from the eBPF encoding.
        let cases: [(EBPFInstruction, [UInt8])] = [
            (.mov(.r9, .r2), [0xBF, 0x29, 0, 0, 0, 0, 0, 0]),
            (.mov(.r0, 1), [0xB7, 0x00, 0, 0, 1, 0, 0, 0]),
            (.add(.r7, -1), [0x07, 0x07, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]),
            (.alu(.mov, .bits32, .r1, .immediate(-2)), [0xB4, 0x01, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF]),
            (.store(.word, base: .r9, offset: 12, .r1), [0x63, 0x19, 0x0C, 0, 0, 0, 0, 0]),
            (.load(.double, .r1, base: .r10, offset: -32), [0x79, 0xA1, 0xE0, 0xFF, 0, 0, 0, 0]),
            (.storeImmediate(.word, base: .r9, offset: 4, 0), [0x62, 0x09, 0x04, 0, 0, 0, 0, 0]),
            (.jumpIf(.lt, .r7, .register(.r1), .offset(4)), [0xAD, 0x17, 0x04, 0, 0, 0, 0, 0]),
            (.jumpIf(.ne, .r6, .immediate(0), .offset(5)), [0x55, 0x06, 0x05, 0, 0, 0, 0, 0]),
            (.jump(.offset(-40)), [0x05, 0x00, 0xD8, 0xFF, 0, 0, 0, 0]),
            (.call("csd_open"), [0x85, 0x10, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]),
            (.exit, [0x95, 0, 0, 0, 0, 0, 0, 0]),
        ]
        for (instruction, bytes) in cases {
            // At slot 40 between exits, so every jump lands on an instruction.
            let exits = [EBPFAssemblyItem](repeating: .instruction(.exit), count: 40)
            let program = try EBPFAssembler.assemble(exits + [.instruction(instruction)] + exits)
            #expect(program.slots[40].bytes == bytes, "\(instruction)")
        }
        // lddw: two slots, the second with opcode 0 and the high half.
        let lddw = try EBPFAssembler.assemble([
            .instruction(.loadImmediate64(.r1, 0xFFFF_FFFF)), .instruction(.exit),
        ])
        #expect(lddw.bytes.prefix(16) == [0x18, 0x01, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func slotsRoundTrip() throws {
        let program = try EBPFAssembler.assemble(Self.encodingsSource)
        for slot in program.slots { #expect(EBPFSlot(decoding: slot.bytes) == slot) }
    }

    /// Every form the types can spell (all operations, widths, sources, sizes, conditions,
    /// registers in every field): none is of the JMP32 class, and every opcode is one the
    /// Alkali loader knows.
    @Test func jmp32CannotBeEmitted() throws {
        var all: [EBPFInstruction] = []
        let registers = EBPFRegister.allCases.filter { $0 != .r10 }
        for op in EBPFALUOperation.allCases {
            for width in EBPFWidth.allCases {
                for r in registers {
                    all.append(.alu(op, width, r, .register(.r10)))
                    all.append(.alu(op, width, r, .immediate(1)))
                }
            }
        }
        for width in EBPFWidth.allCases { all += registers.map { .neg(width, $0) } }
        for order in EBPFByteOrder.allCases { all += [16, 32, 64].map { .byteSwap(order, bits: $0, .r1) } }
        for size in EBPFMemorySize.allCases {
            all.append(.load(size, .r1, base: .r10, offset: -8))
            all.append(.store(size, base: .r10, offset: -8, .r1))
            all.append(.storeImmediate(size, base: .r10, offset: -8, 1))
        }
        for condition in EBPFJumpCondition.allCases {
            all.append(.jumpIf(condition, .r1, .register(.r2), "end"))
            all.append(.jumpIf(condition, .r1, .immediate(1), "end"))
        }
        all += [.jump("end"), .call("h"), .loadImmediate64(.r1, 1)]
        var a = EBPFAssembler()
        a.emit(all)
        a.label("end")
        a.emit(.exit)
        let program = try a.assemble()
        let lddwHigh = Set(program.slots.indices.filter { $0 > 0 && program.slots[$0 - 1].opcode == 0x18 })
        let known: Set<UInt8> = knownOpcodes
        for (i, slot) in program.slots.enumerated() where !lddwHigh.contains(i) {
            #expect(slot.instructionClass != 0x06, "slot \(i): \(slot)")
            #expect(known.contains(slot.opcode), "slot \(i): opcode \(slot.opcode)")
        }
        // The program loads: the loader refuses JMP32 and unknown opcodes.
        let elf = try EBPFELFWriter.object(program)
        let loaded = ebpfLoad(elf, helpers: [(5, "h")])
        #expect(loaded.status.rawValue == 0, "\(loaded.message)")
    }

    /// eBPF v1/v2 opcodes (the Alkali fork's validate() list, without JMP32).
    var knownOpcodes: Set<UInt8> {
        var set: Set<UInt8> = [0x18, 0xD4, 0xDC, 0x05, 0x85, 0x95]
        for cls: UInt8 in [0x04, 0x07] {
            for op: UInt8 in [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xA0, 0xB0, 0xC0] {
                set.insert(op | cls)
                set.insert(op | cls | 0x08)
            }
            set.insert(0x80 | cls)
        }
        for size: UInt8 in [0x00, 0x08, 0x10, 0x18] {
            set.formUnion([0x61 | size, 0x62 | size, 0x63 | size])
        }
        for op: UInt8 in [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xA0, 0xB0, 0xC0, 0xD0] {
            set.formUnion([op | 0x05, op | 0x0D])
        }
        return set
    }
}
