// The ELF objects the writer produces: their structure read field by field, the conventions
// compared with clang's, and the verdict of our Alkali loader and of llvm-objdump.
import Bundle
import CEBPF
import Testing

@Suite struct EBPFObjectTests {
    func wrapper() throws -> [UInt8] { try EBPFFixture.generatedWrapper() }

    @Test func headerAndSections() throws {
        let bytes = try wrapper()
        let elf = RawELF(bytes)
        #expect(bytes[0..<8] == [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0])  // ELF64, LSB, v1, SysV
        #expect(bytes[8..<16].allSatisfy { $0 == 0 })
        let h = elf.header
        #expect(h.type == 1 && h.machine == 247 && h.version == 1 && h.shentsize == 64 && h.shnum == 6)
        #expect(elf.u(0x18, 8) == 0 && elf.u(0x20, 8) == 0 && elf.u(0x30, 4) == 0)  // entry, phoff, flags
        #expect(elf.u(0x34, 2) == 64 && elf.u(0x3E, 2) == 5)  // ehsize, shstrndx
        #expect(elf.sections.map(\.name) == ["", ".text", ".rel.text", ".symtab", ".strtab", ".shstrtab"])
        #expect(elf.sections.map(\.type) == [0, 1, 9, 2, 3, 3])
        let text = try #require(elf.section(".text"))
        #expect(text.flags == 0x6)  // SHF_ALLOC | SHF_EXECINSTR, exactly
        #expect(text.offset % 8 == 0 && text.alignment == 8)
        let rel = try #require(elf.section(".rel.text"))
        #expect(rel.info == 1 && rel.link == 3 && rel.entrySize == 16 && rel.flags == 0x40)  // SHF_INFO_LINK
        let symtab = try #require(elf.section(".symtab"))
        #expect(symtab.link == 4 && symtab.info == 2 && symtab.entrySize == 24)
        // No data section of any kind, no empty gaps past the end.
        #expect(!elf.sections.contains { $0.flags & 0x2 != 0 && $0.name != ".text" })
        #expect(Int(elf.u(0x28, 8)) + 6 * 64 == bytes.count)
        // Every section inside the file, none overlapping another.
        let spans = elf.sections.dropFirst().map { $0.offset..<$0.offset + $0.size }.sorted {
            $0.lowerBound < $1.lowerBound
        }
        for (a, b) in zip(spans, spans.dropFirst()) { #expect(a.upperBound <= b.lowerBound) }
        #expect(spans.allSatisfy { $0.upperBound <= Int(elf.u(0x28, 8)) })
    }

    @Test func symbolsAndRelocations() throws {
        let program = try CSDWrapperProgram.program()
        let elf = RawELF(try wrapper())
        let symbols = elf.symbols
        let text = try #require(elf.section(".text"))
        #expect(symbols[0] == RawELF.Symbol(name: "", info: 0, other: 0, section: 0, value: 0, size: 0))
        // A local STT_SECTION symbol for .text.
        #expect(symbols[1].type == 3 && symbols[1].bind == 0 && symbols[1].section == 1)
        #expect(
            symbols[2]
                == RawELF.Symbol(
                    name: "entry", info: 0x12, other: 0, section: 1, value: 0, size: UInt64(text.size)))
        let helpers = Array(symbols[3...])
        #expect(helpers.map(\.name) == program.helpers)
        #expect(helpers.allSatisfy { $0.info == 0x10 && $0.section == 0 && $0.value == 0 && $0.size == 0 })
        // Every runtime helper is called; each call has its relocation, in order.
        #expect(Set(program.helpers) == Set(CSDRuntimeHelper.allCases.map(\.name)))
        #expect(elf.rels.count == program.calls.count)
        for (rel, call) in zip(elf.rels, program.calls) {
            #expect(rel.type == 10)  // R_BPF_64_32
            #expect(rel.offset == UInt64(8 * call.slot))
            #expect(symbols[rel.symbol].name == call.helper)
            let slot = EBPFSlot(decoding: elf.contents(text)[8 * call.slot..<8 * call.slot + 8])
            #expect(slot.opcode == 0x85 && slot.src == 1 && slot.immediate == -1)
        }
        // The .text bytes are the program's.
        #expect(elf.contents(text) == program.bytes)
    }

    /// What clang does for the same kind of program (calls.c, the runtime's wrapper.c): the
    /// same section flags, relocation type, call placeholder, symbol kinds and bindings.
    @Test func conventionsMatchClangs() throws {
        for clangObject in [try EBPFFixture.bytes("calls.o"), try EBPFFixture.referenceWrapper()] {
            let clang = RawELF(clangObject), ours = RawELF(try wrapper())
            let ct = try #require(clang.section(".text")), ot = try #require(ours.section(".text"))
            #expect(ct.flags == ot.flags && ct.type == ot.type)
            let crel = try #require(clang.section(".rel.text")),
                orel = try #require(ours.section(".rel.text"))
            #expect(crel.flags == orel.flags && crel.entrySize == orel.entrySize && crel.type == orel.type)
            #expect(
                clang.sections[Int(crel.info)].name == ".text" && clang.sections[Int(crel.link)].type == 2)
            #expect(Set(clang.rels.map(\.type)) == Set(ours.rels.map(\.type)))
            let cs = clang.symbols, os = ours.symbols
            let centry = try #require(cs.first { $0.name == "entry" }),
                oentry = try #require(os.first { $0.name == "entry" })
            #expect(
                centry.info == oentry.info && centry.size == UInt64(ct.size) && oentry.size == UInt64(ot.size)
            )
            for rel in clang.rels {
                #expect(cs[rel.symbol].info == 0x10 && cs[rel.symbol].section == 0)  // GLOBAL NOTYPE UND
                let slot = EBPFSlot(decoding: clang.contents(ct)[Int(rel.offset)..<Int(rel.offset) + 8])
                #expect(slot.opcode == 0x85 && slot.src == 1 && slot.immediate == -1)
            }
            // No data sections in either.
            #expect(
                !clang.sections.contains {
                    $0.name.hasPrefix(".data") || $0.name.hasPrefix(".rodata") || $0.name == ".bss"
                })
        }
    }

    @Test func deterministic() throws {
        let first = try wrapper(), second = try wrapper()
        #expect(first == second)
        let a = try CSDWrapperProgram.object(CSDWrapperDescription(entry: "run", maxRecords: 100))
        let b = try CSDWrapperProgram.object(CSDWrapperDescription(entry: "run", maxRecords: 100))
        #expect(a == b && a != first)
        #expect(RawELF(a).symbols[2].name == "run")
    }

    @Test func loadsInTheAlkaliLoader() throws {
        let program = try CSDWrapperProgram.program()
        let loaded = ebpfLoad(try wrapper())
        #expect(loaded.status == EBPF_OK, "\(loaded.message)")
        #expect(loaded.slots == program.slots.count)
        #expect(program.stackSize == 40)
        // A helper the firmware has not registered: the load names it.
        let missing = ebpfLoad(try wrapper(), helpers: [(32, "csd_open")])
        #expect(missing.status == EBPF_ERR_UNKNOWN_HELPER)
        #expect(
            missing.message.contains("csd_") && missing.message.contains("not registered"),
            "\(missing.message)")
        // The hard maximum beyond Int32 uses a lddw; a smaller one a mov. Both load.
        for max: UInt32 in [1, 0x7FFF_FFFF, 0x8000_0000] {
            let elf = try CSDWrapperProgram.object(CSDWrapperDescription(maxRecords: max))
            #expect(ebpfLoad(elf).status == EBPF_OK)
        }
    }

    @Test func programWithoutCalls() throws {
        // A lone `exit`: an empty .rel.text, only the entry symbol; it loads and runs.
        let program = try EBPFAssembler.assemble([.instruction(.mov(.r0, 7)), .instruction(.exit)])
        let elf = RawELF(try EBPFELFWriter.object(program))
        #expect(elf.section(".rel.text")?.size == 0)
        #expect(elf.symbols.count == 3)
        #expect(ebpfLoad(elf.bytes).status == EBPF_OK)
    }

    @Test func objectErrors() throws {
        let program = try EBPFAssembler.assemble([.instruction(.call(.open)), .instruction(.exit)])
        #expect(throws: EBPFObjectError.entryNameIsAHelper("csd_open")) {
            try EBPFELFWriter.object(program, entry: "csd_open")
        }
        #expect(throws: EBPFObjectError.invalidEntryName("")) { try EBPFELFWriter.object(program, entry: "") }
    }

    @Test func readerReadsBothKinds() throws {
        let ours = try EBPFObject(parsing: try wrapper())
        let program = try CSDWrapperProgram.program()
        #expect(ours.code == program.bytes)
        #expect(ours.symbols == [EBPFCodeSymbol(name: "entry", offset: 0)])
        #expect(ours.relocations.map(\.symbol) == program.calls.map(\.helper))
        let clang = try EBPFObject(parsing: try EBPFFixture.referenceWrapper())
        #expect(clang.relocations.count == 10 && clang.relocations.allSatisfy { $0.type == 10 })
        #expect(throws: EBPFObjectReadError.notELF) { try EBPFObject(parsing: [1, 2, 3, 4]) }
        var cut = try wrapper()
        cut.removeLast(100)
        #expect(throws: EBPFObjectReadError.self) { try EBPFObject(parsing: cut) }
    }

    @Test(.enabled(if: LLVMObjdump.executable != nil))
    func llvmObjdumpReadsIt() throws {
        let elf = try wrapper()
        let run = try LLVMObjdump.disassemble(elf)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty, "\(run.stderr)")
        #expect(run.stdout.contains("file format elf64-bpf"))
        #expect(run.stdout.contains("<entry>:") && run.stdout.contains("R_BPF_64_32"))
        #expect(!run.stdout.contains("<unknown>"))
        let headers = try LLVMObjdump.disassemble(elf, ["-h", "-t", "-r"])
        #expect(headers.status == 0 && headers.stderr.isEmpty, "\(headers.stderr)")
    }
}
