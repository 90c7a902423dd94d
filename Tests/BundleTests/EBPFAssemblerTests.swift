// Labels, and every rule the assembler enforces so that what it emits always loads on the drive.
import Bundle
import Testing

@Suite struct EBPFAssemblerTests {
    func assemble(_ items: [EBPFAssemblyItem]) throws(EBPFAssemblyError) -> EBPFProgram {
        try EBPFAssembler.assemble(items)
    }

    func expectError(
        _ expected: EBPFAssemblyError, _ items: [EBPFAssemblyItem], mentioning fragment: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try assemble(items)
            Issue.record("assembled, expected \(expected)", sourceLocation: sourceLocation)
        } catch {
            #expect(error == expected, sourceLocation: sourceLocation)
            #expect(
                error.description.contains(fragment), "'\(error.description)' lacks '\(fragment)'",
                sourceLocation: sourceLocation)
        }
    }

    @Test func labelsResolveForwardAndBackward() throws {
        var a = EBPFAssembler()
        a.emit(.mov(.r0, 0))
        a.label("top")
        a.emit(.add(.r0, 1))
        a.emit(.jump(if: .r0, .eq, 3, to: "out"))  // slot 2 → slot 6: +3
        a.emit(.loadImmediate64(.r1, 1 << 40))  // slots 3-4
        a.emit(.jump("top"))  // slot 5 → slot 1: -5
        a.label("out")
        a.label("also_out")  // two labels on one instruction
        a.emit(.exit)
        let program = try a.assemble()
        #expect(program.labels == ["top": 1, "out": 6, "also_out": 6])
        #expect(program.slots.count == 7)
        #expect(program.slots[2].offset == 3)
        #expect(program.slots[5].offset == -5)
        #expect(program.stackSize == 0)
        // Raw offsets are kept as given.
        let raw = try assemble([.instruction(.jump(.offset(1))), .instruction(.exit), .instruction(.exit)])
        #expect(raw.slots[0].offset == 1)
    }

    @Test func longestJumps() throws {
        // 32,767 forward and 32,768 backward are the 16-bit field's limits.
        let filler = [EBPFAssemblyItem](repeating: .instruction(.mov(.r0, 0)), count: 32_767)
        let forward = try assemble(
            [.instruction(.jump("end"))] + filler + [.label("end"), .instruction(.exit)])
        #expect(forward.slots[0].offset == 32_767)
        let backward = try assemble(
            [.label("top")] + filler.dropLast() + [.instruction(.mov(.r0, 0)), .instruction(.jump("top"))])
        #expect(backward.slots.last!.offset == -32_768)
    }

    @Test func outOfRangeJumpsAreRefused() {
        let filler = [EBPFAssemblyItem](repeating: .instruction(.mov(.r0, 0)), count: 32_768)
        expectError(
            .jumpOutOfRange(instruction: 0, target: "label 'end'", offset: 32_768),
            [.instruction(.jump("end"))] + filler + [.label("end"), .instruction(.exit)],
            mentioning: "16 bits")
        expectError(
            .jumpOutOfRange(instruction: 32_769, target: "label 'top'", offset: -32_771),
            [.label("top")] + filler + [
                .instruction(.loadImmediate64(.r0, 0)), .instruction(.jumpIf(.eq, .r0, .immediate(0), "top")),
            ],
            mentioning: "32767")
    }

    @Test func labelErrors() {
        expectError(
            .undefinedLabel("nowhere", instruction: 1),
            [.instruction(.mov(.r0, 0)), .instruction(.jump("nowhere"))],
            mentioning: "never defined")
        expectError(
            .duplicateLabel("x"), [.label("x"), .instruction(.exit), .label("x"), .instruction(.exit)],
            mentioning: "twice")
        expectError(.emptyLabel, [.label(""), .instruction(.exit)], mentioning: "empty")
        // A label after the last instruction has nothing to land on.
        expectError(
            .jumpOutsideProgram(instruction: 0, targetSlot: 2, slots: 2),
            [.instruction(.jump("end")), .instruction(.exit), .label("end")],
            mentioning: "outside the program")
        expectError(
            .jumpOutsideProgram(instruction: 0, targetSlot: -4, slots: 2),
            [.instruction(.jump(.offset(-5))), .instruction(.exit)], mentioning: "slot -4")
        expectError(
            .jumpToItself(instruction: 1),
            [.instruction(.mov(.r0, 0)), .label("self"), .instruction(.jump("self"))],
            mentioning: "infinite loop")
        expectError(
            .jumpIntoLoadImmediate(instruction: 0, targetSlot: 2),
            [.instruction(.jump(.offset(1))), .instruction(.loadImmediate64(.r0, 1)), .instruction(.exit)],
            mentioning: "64-bit immediate")
    }

    @Test func programShape() {
        expectError(.emptyProgram, [], mentioning: "no instruction")
        expectError(.emptyProgram, [.label("only")], mentioning: "no instruction")
        expectError(.missingExit, [.instruction(.mov(.r0, 0))], mentioning: "past the end")
        expectError(.missingExit, [.instruction(.exit), .instruction(.call("h"))], mentioning: "exit")
    }

    @Test func instructionCountLimit() throws {
        // 65,535 slots load; 65,536 do not (a lddw counts twice).
        let most = [EBPFAssemblyItem](repeating: .instruction(.mov(.r0, 0)), count: 65_532)
        let fits = try assemble(most + [.instruction(.loadImmediate64(.r0, 1)), .instruction(.exit)])
        #expect(fits.slots.count == 65_535)
        expectError(
            .tooManyInstructions(slots: 65_536),
            most + [.instruction(.mov(.r0, 0)), .instruction(.loadImmediate64(.r0, 1)), .instruction(.exit)],
            mentioning: "65535")
    }

    @Test func stackIsTrackedAndBounded() throws {
        let program = try assemble([
            .instruction(.store(.double, base: .r10, offset: -8, .r1)),
            .instruction(.storeImmediate(.word, base: .r10, offset: -300, 0)),
            .instruction(.load(.byte, .r0, base: .r10, offset: -1)),
            .instruction(.load(.double, .r0, base: .r1, offset: -1000)),  // not the stack
            .instruction(.exit),
        ])
        #expect(program.stackSize == 300)
        let deepest = try assemble([
            .instruction(.load(.double, .r0, base: .r10, offset: -512)), .instruction(.exit),
        ])
        #expect(deepest.stackSize == 512)
        expectError(
            .stackOutOfRange(instruction: 0, offset: -520, size: 8),
            [.instruction(.store(.double, base: .r10, offset: -520, .r1)), .instruction(.exit)],
            mentioning: "512-byte")
        // Above the frame pointer, or straddling it.
        expectError(
            .stackOutOfRange(instruction: 0, offset: 0, size: 1),
            [.instruction(.storeImmediate(.byte, base: .r10, offset: 0, 1)), .instruction(.exit)],
            mentioning: "r10+0")
        expectError(
            .stackOutOfRange(instruction: 1, offset: -4, size: 8),
            [
                .instruction(.mov(.r0, 0)), .instruction(.load(.double, .r0, base: .r10, offset: -4)),
                .instruction(.exit),
            ],
            mentioning: "r10-4")
    }

    @Test func whatTheLoaderRefusesIsRefusedHere() {
        expectError(
            .framePointerAsDestination(instruction: 0), [.instruction(.mov(.r10, .r1)), .instruction(.exit)],
            mentioning: "read-only")
        expectError(
            .framePointerAsDestination(instruction: 0),
            [.instruction(.load(.word, .r10, base: .r1, offset: 0)), .instruction(.exit)],
            mentioning: "r10")
        expectError(
            .framePointerAsDestination(instruction: 0),
            [.instruction(.jumpIf(.eq, .r10, .register(.r1), .offset(0))), .instruction(.exit)],
            mentioning: "r10")
        expectError(
            .divisionByZero(instruction: 0),
            [.instruction(.alu(.mod, .bits32, .r1, .immediate(0))), .instruction(.exit)],
            mentioning: "immediate 0")
        expectError(
            .shiftOutOfRange(instruction: 0, amount: 32, width: 32),
            [.instruction(.alu(.lsh, .bits32, .r1, .immediate(32))), .instruction(.exit)],
            mentioning: "0..<32")
        expectError(
            .shiftOutOfRange(instruction: 0, amount: -1, width: 64),
            [.instruction(.alu(.arsh, .bits64, .r1, .immediate(-1))), .instruction(.exit)],
            mentioning: "disagree")
        expectError(
            .ambiguousUnsignedComparison(instruction: 0, immediate: -1),
            [.instruction(.jumpIf(.gt, .r1, .immediate(-1), .offset(0))), .instruction(.exit)],
            mentioning: "zero-extends")
        expectError(
            .invalidByteSwapWidth(instruction: 0, bits: 8),
            [.instruction(.byteSwap(.big, bits: 8, .r1)), .instruction(.exit)],
            mentioning: "16, 32 and 64")
        expectError(
            .invalidHelperName(instruction: 0, name: ""), [.instruction(.call("")), .instruction(.exit)],
            mentioning: "helper")
        let long = String(repeating: "h", count: 64)
        expectError(
            .invalidHelperName(instruction: 0, name: long), [.instruction(.call(long)), .instruction(.exit)],
            mentioning: "63")
    }

    @Test func signedComparisonsAndStoresThroughR10AreFine() throws {
        // Negative immediates are unambiguous for signed and equality comparisons; r10 may be
        // read and be a store's base.
        let program = try assemble([
            .instruction(.jumpIf(.slt, .r1, .immediate(-1), .offset(0))),
            .instruction(.jumpIf(.ne, .r1, .immediate(-1), .offset(0))),
            .instruction(.mov(.r1, .r10)),
            .instruction(.add(.r1, -8)),
            .instruction(.store(.double, base: .r1, offset: 0, .r10)),
            .instruction(.exit),
        ])
        #expect(program.slots.count == 6)
    }

    @Test func callsAreCollectedInOrder() throws {
        let program = try assemble([
            .instruction(.call(.open)), .instruction(.call("print")), .instruction(.call(.open)),
            .instruction(.exit),
        ])
        #expect(
            program.calls == [
                .init(slot: 0, helper: "csd_open"), .init(slot: 1, helper: "print"),
                .init(slot: 2, helper: "csd_open"),
            ])
        #expect(program.helpers == ["csd_open", "print"])
        // clang's placeholder until the loader resolves the call.
        #expect(program.slots[0] == EBPFSlot(decoding: [0x85, 0x10, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]))
    }
}
