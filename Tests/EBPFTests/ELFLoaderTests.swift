import CEBPF
import Foundation
import TestSupport
import Testing

/// Little-endian field access on an ELF image, for patching test objects.
struct ELFImage {
    var bytes: [UInt8]

    func read(_ offset: Int, _ size: Int) -> UInt64 {
        (0..<size).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }

    mutating func write(_ offset: Int, _ size: Int, _ value: UInt64) {
        for i in 0..<size { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    var sectionCount: Int { Int(read(60, 2)) }

    func sectionHeader(_ index: Int) -> Int { Int(read(40, 8)) + index * Int(read(58, 2)) }

    func sectionName(_ index: Int) -> String {
        let strtab = sectionHeader(Int(read(62, 2)))
        var at = Int(read(strtab + 24, 8)) + Int(read(sectionHeader(index), 4))
        var name = ""
        while bytes[at] != 0 {
            name.append(Character(UnicodeScalar(bytes[at])))
            at += 1
        }
        return name
    }

    /// The file offset of the header of the section called `name`.
    func sectionHeader(named name: String) -> Int {
        let index = (0..<sectionCount).first { sectionName($0) == name }!
        return sectionHeader(index)
    }
}

@Suite struct ELFLoaderTests {
    func load(_ bytes: [UInt8], helpers: Bool = true) -> Outcome {
        let vm = TestVM()
        if helpers { vm.registerTestHelpers() }
        return vm.loadELF(bytes)
    }

    @Test func runsAProgramThatCallsAHelperByName() throws {
        let vm = TestVM()
        vm.registerTestHelpers()
        let load = vm.loadELF(try EBPFFixtures.object("sum_helper"))
        #expect(load.ok, "\(load.message)")
        #expect(vm.disassemble(32) == "call 7 ; report")

        var rng = SplitMix64(seed: 7)
        var input = (0..<300).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var output = [UInt8](repeating: 0, count: 8)
        let result = vm.run(input: &input, output: &output)
        let sum = input.reduce(UInt64(0)) { $0 + UInt64($1) }
        #expect(result.ok, "\(result.message)")
        #expect(result.r0 == sum)
        #expect(output == (0..<8).map { UInt8(truncatingIfNeeded: sum >> (8 * UInt64($0))) })
        #expect(vm.helperCalls.map { $0[0] } == [sum])
        #expect(ebpf_vm_executed(vm.raw) > 300)
    }

    @Test func everyStringResolvesToTheStartOfTheStringSection() throws {
        let vm = TestVM()
        vm.registerTestHelpers()
        let load = vm.loadELF(try EBPFFixtures.object("strings"))
        #expect(load.ok, "\(load.message)")
        var size = 0
        let rodata = ebpf_vm_rodata(vm.raw, &size)!
        #expect(Array(UnsafeBufferPointer(start: rodata, count: size)) == Array("first\0second\0".utf8))
        let result = vm.run()
        #expect(result.ok, "\(result.message)")
        // "second" is at offset 6, but like the device the loader ignores the addend.
        #expect(vm.printed == ["first", "first"])
        let address = UInt(bitPattern: rodata)
        #expect(vm.disassemble(0) == "lddw r1, 0x\(String(address, radix: 16))")
        #expect(vm.disassemble(3) == vm.disassemble(0))
    }

    @Test func acceptsMachineNone() throws {
        var image = ELFImage(bytes: try EBPFFixtures.object("sum_helper"))
        image.write(18, 2, 0)
        #expect(load(image.bytes).ok)
    }

    @Test(arguments: [
        (4, 1, 1, EBPF_ERR_ELF_CLASS, "ELFCLASS64"),
        (5, 1, 2, EBPF_ERR_ELF_ENDIAN, "little-endian"),
        (6, 1, 2, EBPF_ERR_ELF_IDENT, "version 2"),
        (7, 1, 3, EBPF_ERR_ELF_IDENT, "OS ABI 3"),
        (16, 2, 2, EBPF_ERR_ELF_TYPE, "ET_REL"),
        (16, 2, 3, EBPF_ERR_ELF_TYPE, "ET_DYN"),
        (18, 2, 62, EBPF_ERR_ELF_MACHINE, "x86-64"),
        (18, 2, 183, EBPF_ERR_ELF_MACHINE, "EM_BPF (247)"),
        (60, 2, 33, EBPF_ERR_ELF_SECTIONS, "33 sections"),
        (0, 1, 0x7e, EBPF_ERR_NOT_ELF, "not an ELF object"),
    ])
    func refusesAPatchedHeader(
        offset: Int, size: Int, value: UInt64, status: ebpf_status, words: String
    ) throws {
        var image = ELFImage(bytes: try EBPFFixtures.object("sum_helper"))
        image.write(offset, size, value)
        let result = load(image.bytes)
        #expect(result.status == status, "\(result.message)")
        #expect(result.message.contains(words), "\(result.message)")
    }

    @Test func refusesMoreThan32Sections() throws {
        let result = load(try EBPFFixtures.object("many_sections"))
        #expect(result.status == EBPF_ERR_ELF_SECTIONS)
        #expect(result.message.contains("39 sections") && result.message.contains("at most 32"))
    }

    @Test func refusesRawBytecode() {
        let result = load(
            Asm.bytes([
                Asm.mov(0, 0), Asm.exit(), Asm.exit(), Asm.exit(), Asm.exit(), Asm.exit(), Asm.exit(),
                Asm.exit(),
            ]))
        #expect(result.status == EBPF_ERR_NOT_ELF)
        #expect(result.message.contains("raw bytecode"))
    }

    /// Every proper prefix of a valid object is refused as truncated, without crashing.
    @Test func refusesEveryTruncation() throws {
        let bytes = try EBPFFixtures.object("sum_helper")
        for length in 0..<bytes.count {
            let result = load(Array(bytes[0..<length]))
            #expect(result.status == EBPF_ERR_ELF_TRUNCATED, "length \(length): \(result.message)")
        }
        #expect(load([]).message.contains("shorter than the 64-byte ELF header"))
        #expect(load(Array(bytes[0..<200])).message.contains("section header 0"))
    }

    @Test func refusesASectionOutsideTheFile() throws {
        var image = ELFImage(bytes: try EBPFFixtures.object("sum_helper"))
        image.write(image.sectionHeader(named: ".text") + 24, 8, UInt64.max - 4)
        let result = load(image.bytes)
        #expect(result.status == EBPF_ERR_ELF_TRUNCATED)
        #expect(result.message.contains(".text") && result.message.contains("past the end"))
    }

    /// The device checks every section's extent against the file, NOBITS included, so even
    /// an unused large global makes it refuse the object.
    @Test func refusesALargeBssEvenUnused() throws {
        let result = load(try EBPFFixtures.object("big_bss"))
        #expect(result.status == EBPF_ERR_ELF_TRUNCATED)
        #expect(result.message.contains(".bss (offset") && result.message.contains("NOBITS"))
    }

    @Test func refusesAnObjectWithoutCode() throws {
        var image = ELFImage(bytes: try EBPFFixtures.object("sum_helper"))
        image.write(image.sectionHeader(named: ".text") + 8, 8, 0x2 | 0x4 | 0x1)  // + SHF_WRITE
        let result = load(image.bytes)
        #expect(result.status == EBPF_ERR_NO_CODE)
        #expect(result.message.contains("alloc+exec"))
    }

    @Test func refusesJMP32() throws {
        let result = load(try EBPFFixtures.object("jmp32"))
        #expect(result.status == EBPF_ERR_JMP32)
        #expect(result.message.contains("JMP32") && result.message.contains("-mcpu=v2"))
        #expect(result.message.contains("pc 1 (jlt32 r3, 10, +1)"))
    }

    @Test func refusesAStaticBPFToBPFCall() throws {
        let result = load(try EBPFFixtures.object("bpf_call_static"))
        #expect(result.status == EBPF_ERR_BPF_CALL)
        #expect(result.message.contains("BPF-to-BPF call"))
    }

    @Test func refusesACallToAFunctionDefinedInText() throws {
        let result = load(try EBPFFixtures.object("bpf_call_global"))
        #expect(result.status == EBPF_ERR_BPF_CALL)
        #expect(result.message.contains("'triple'") && result.message.contains("BPF-to-BPF"))
    }

    @Test(arguments: [("data", ".data"), ("bss", ".bss"), ("rodata", ".rodata")])
    func refusesDataSections(fixture: String, section: String) throws {
        let result = load(try EBPFFixtures.object(fixture))
        #expect(result.status == EBPF_ERR_DATA_SECTION)
        #expect(result.message.contains("section \(section):"), "\(result.message)")
    }

    @Test func refusesAnUnknownHelper() throws {
        let result = load(try EBPFFixtures.object("unknown_helper"))
        #expect(result.status == EBPF_ERR_UNKNOWN_HELPER)
        #expect(result.message.contains("'mystery'") && result.message.contains("print, report"))
    }

    @Test func resolvesHelpersOnlyIfRegisteredBeforeLoading() throws {
        let result = load(try EBPFFixtures.object("sum_helper"), helpers: false)
        #expect(result.status == EBPF_ERR_UNKNOWN_HELPER)
        #expect(result.message.contains("'report'") && result.message.contains("registered: none"))
    }

    @Test func refusesOtherRelocationTypes() throws {
        var image = ELFImage(bytes: try EBPFFixtures.object("sum_helper"))
        let rel = Int(image.read(image.sectionHeader(named: ".rel.text") + 24, 8))
        image.write(rel + 8, 4, 2)  // the type half of r_info
        let result = load(image.bytes)
        #expect(result.status == EBPF_ERR_RELOCATION)
        #expect(result.message.contains("type 2 (R_BPF_64_ABS64)"))
    }

    @Test func refusesARelocationThatIsNotOnACall() throws {
        var image = ELFImage(bytes: try EBPFFixtures.object("sum_helper"))
        let rel = Int(image.read(image.sectionHeader(named: ".rel.text") + 24, 8))
        image.write(rel, 8, 8)  // r_offset: pc 1, a jeq
        let result = load(image.bytes)
        #expect(result.status == EBPF_ERR_RELOCATION)
        #expect(result.message.contains("not a call"))
    }

    @Test func refusesASecondLoad() throws {
        let vm = TestVM()
        vm.registerTestHelpers()
        #expect(vm.loadELF(try EBPFFixtures.object("sum_helper")).ok)
        let again = vm.loadELF(try EBPFFixtures.object("sum_helper"))
        #expect(again.status == EBPF_ERR_STATE)
        #expect(again.message.contains("already loaded"))
        ebpf_vm_unload(vm.raw)
        #expect(vm.loadELF(try EBPFFixtures.object("sum_helper")).ok)
        #expect(ebpf_vm_instruction_count(vm.raw) == 35)
    }

    @Test func checksHelperRegistration() {
        let vm = TestVM()
        #expect(vm.register(64, "late", Helpers.record) == EBPF_ERR_HELPER)
        #expect(String(cString: ebpf_vm_last_error(vm.raw)).contains("out of range"))
        #expect(vm.register(3, "", Helpers.record) == EBPF_ERR_HELPER)
        #expect(vm.register(3, "report", Helpers.record) == EBPF_OK)
        #expect(vm.register(4, "report", Helpers.record) == EBPF_ERR_HELPER)
        #expect(String(cString: ebpf_vm_last_error(vm.raw)).contains("already registered at index 3"))
        #expect(vm.register(3, "report2", Helpers.record) == EBPF_OK)
        #expect(String(cString: ebpf_vm_helper_name(vm.raw, 3)) == "report2")
        #expect(ebpf_vm_helper_name(vm.raw, 4) == nil)
    }
}
