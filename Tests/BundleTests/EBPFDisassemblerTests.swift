// The disassembler against llvm-objdump: the committed listings (build.sh, LLVM 21's
// `llvm-objdump -dr --mcpu=v2`) of clang's objects, and, when that llvm-objdump is here, the
// listing of the generated wrapper.
import Bundle
import Testing

@Suite struct EBPFDisassemblerTests {
    @Test(arguments: ["encodings", "calls", "runtime-wrapper"])
    func listingsMatchLLVMObjdump(_ name: String) throws {
        let object =
            name == "runtime-wrapper"
            ? try EBPFFixture.referenceWrapper() : try EBPFFixture.bytes("\(name).o")
        let ours = try EBPFDisassembler.listing(elf: object)
        let theirs = try EBPFFixture.text("\(name).lst")
        let a = ours.split(separator: "\n", omittingEmptySubsequences: false)
        let b = theirs.split(separator: "\n", omittingEmptySubsequences: false)
        for (x, y) in zip(a, b) where x != y { Issue.record("ours: '\(x)'\nllvm: '\(y)'") }
        #expect(a.count == b.count)
    }

    @Test(.enabled(if: LLVMObjdump.executable != nil && LLVMObjdump.isLLVM21OrLater))
    func generatedWrapperListingMatchesLLVMObjdump() throws {
        let elf = try EBPFFixture.generatedWrapper()
        let run = try LLVMObjdump.disassemble(elf)
        #expect(run.status == 0, "\(run.stderr)")
        let theirs = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(3)
            .joined(separator: "\n")
        #expect(try EBPFDisassembler.listing(elf: elf) == theirs)
        // The program's own listing is the object's.
        let body = theirs.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2)
        #expect(EBPFDisassembler.listing(try CSDWrapperProgram.program()) == body.joined(separator: "\n"))
    }

    @Test func instructionTexts() {
        func text(_ bytes: [UInt8], next: [UInt8]? = nil) -> String {
            EBPFDisassembler.text(EBPFSlot(decoding: bytes), next: next.map { EBPFSlot(decoding: $0) })
        }
        #expect(text([0xBF, 0x29, 0, 0, 0, 0, 0, 0]) == "r9 = r2")
        #expect(text([0x07, 0x01, 0, 0, 0xFB, 0xFF, 0xFF, 0xFF]) == "r1 += -0x5")
        #expect(text([0x84, 0x03, 0, 0, 0, 0, 0, 0]) == "w3 = -w3")
        #expect(text([0x79, 0xA1, 0xE8, 0xFF, 0, 0, 0, 0]) == "r1 = *(u64 *)(r10 - 0x18)")
        #expect(text([0x62, 0x09, 0x04, 0, 0, 0, 0, 0]) == "*(u32 *)(r9 + 0x4) = 0x0")
        #expect(
            text([0x18, 0x01, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF], next: [0, 0, 0, 0, 0, 0, 0, 0])
                == "r1 = 0xffffffff ll")
        #expect(text([0x85, 0x00, 0, 0, 0x25, 0, 0, 0]) == "call 0x25")
        #expect(text([0xAD, 0x17, 0x04, 0, 0, 0, 0, 0]) == "if r7 < r1 goto +0x4")
        // JMP32 (eBPF v3) prints, so a refused object can be shown; nonsense is <unknown>.
        #expect(text([0x1E, 0x21, 0x05, 0, 0, 0, 0, 0]) == "if w1 == w2 goto +0x5")
        #expect(text([0x06, 0x00, 0, 0, 0x03, 0, 0, 0]) == "gotol +0x3")
        #expect(text([0xFF, 0, 0, 0, 0, 0, 0, 0]) == "<unknown>")
        #expect(text([0xD7, 0x01, 0, 0, 0x10, 0, 0, 0]) == "<unknown>")  // bswap (v4)
        #expect(text([0x18, 0x01, 0, 0, 1, 0, 0, 0]) == "<unknown>")  // lddw cut short
        #expect(text([0xDB, 0x21, 0, 0, 0, 0, 0, 0]) == "<unknown>")  // atomic
    }

    @Test func listingAnnotatesJumpsAndRelocations() throws {
        var a = EBPFAssembler()
        a.label("top")
        a.emit(.call(.open))
        a.emit(.jump(if: .r0, .eq, 0, to: "top"))
        a.emit(.loadImmediate64(.r1, 5))
        a.emit(.exit)
        let listing = EBPFDisassembler.listing(try a.assemble(), entry: "main")
        #expect(
            listing == """
                0000000000000000 <main>:
                       0:\t85 10 00 00 ff ff ff ff\tcall -0x1
                \t\t0000000000000000:  R_BPF_64_32\tcsd_open
                       1:\t15 00 fe ff 00 00 00 00\tif r0 == 0x0 goto -0x2 <main>
                       2:\t18 01 00 00 05 00 00 00 00 00 00 00 00 00 00 00\tr1 = 0x5 ll
                       4:\t95 00 00 00 00 00 00 00\texit

                """)
    }
}
