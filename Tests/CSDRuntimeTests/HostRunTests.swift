import Bundle
import CSDHost
import CSDRuntime
// The drive's part in memory: csd_host_run loads the test wrapper (Tests/Fixtures/runtime),
// which loops over the records calling the runtime's helpers.
import TestSupport
import Testing

@Suite struct HostRunTests {
    let layer = GemmLayer(seed: 31)

    func records(_ n: Int, seed: UInt64 = 5) -> [[Int8]] {
        var rng = SplitMix64(seed)
        return (0..<n).map { _ in rng.int8s(64) }
    }

    @Test func wrapperRunsEveryRecord() throws {
        let inputs = records(5)
        let input = driveInput(
            bundle: try layer.bundle().encode(), records: inputs.map(bytes), trailing: 4000)
        #expect(csdrt_peek_output_size(input, input.count) == 16 + 5 * 64)
        let run = hostRun(elf: try RuntimeFixtures.wrapper(), input: input, outputSize: 16 + 5 * 64)
        #expect(run.result == CSD_HOST_OK, "\(run.message)")
        #expect(OutputHeader(run.output) == OutputHeader(done: 5, stop: 0, total: 5, recordSize: 64))
        for (i, record) in inputs.enumerated() {
            #expect(int8s(run.output[16 + 64 * i..<16 + 64 * (i + 1)]) == layer.expected(record))
        }
    }

    @Test func helperTableIsClearOfTheFirmwaresHelpers() {
        var count = 0
        let table = csd_helper_table(&count)!
        let helpers = (0..<count).map { (table[$0].index, String(cString: table[$0].name)) }
        #expect(
            helpers.map(\.1) == [
                "csd_open", "csd_payload_size", "csd_record_count", "csd_input_record_size",
                "csd_output_record_size", "csd_infer", "csd_last_error", "csd_close",
            ])
        #expect(helpers.allSatisfy { $0.0 > 3 && $0.0 < 64 })
        #expect(Set(helpers.map(\.0)).count == count)
    }

    @Test func badBundleStopsWithItsStatus() throws {
        var bundle = try layer.bundle().encode()
        bundle[bundle.count - 1] ^= 1
        let input = driveInput(bundle: bundle, records: [bytes(records(1)[0])])
        let run = hostRun(elf: try RuntimeFixtures.wrapper(), input: input, outputSize: 4096)
        #expect(run.result == CSD_HOST_ERR_HELPER)
        #expect(run.message.contains("csd_open") && run.message.contains("checksum"), "\(run.message)")
        #expect(
            OutputHeader(run.output)
                == OutputHeader(done: 0, stop: UInt32(CSDRT_ERR_CHECKSUM), total: 0, recordSize: 0))
    }

    @Test func wrongHardwareStopsWithItsStatus() throws {
        var m = layer.manifest()
        m.hardware = hardware(profile: .extended)
        let input = driveInput(
            bundle: try layer.bundle(manifest: m).encode(), records: [bytes(records(1)[0])])
        let run = hostRun(elf: try RuntimeFixtures.wrapper(), input: input, outputSize: 4096)
        #expect(run.result == CSD_HOST_ERR_HELPER)
        #expect(
            run.message.contains("extended profile") && run.message.contains("stock profile"),
            "\(run.message)")
        #expect(OutputHeader(run.output).stop == UInt32(CSDRT_ERR_HARDWARE))
    }

    @Test func inputShorterThanOneRecord() throws {
        // The header announces two records; the input holds one and a half.
        let recs = records(2).map(bytes)
        var input = driveInput(bundle: try layer.bundle().encode(), records: recs)
        input.removeLast(32)
        let run = hostRun(elf: try RuntimeFixtures.wrapper(), input: input, outputSize: 4096)
        #expect(run.result == CSD_HOST_ERR_HELPER)
        #expect(run.message.contains("csd_record_count"), "\(run.message)")
        #expect(
            OutputHeader(run.output)
                == OutputHeader(done: 0, stop: UInt32(CSDRT_ERR_INPUT), total: 0, recordSize: 64))
        // No records header at all.
        let bare = hostRun(
            elf: try RuntimeFixtures.wrapper(), input: try layer.bundle().encode(), outputSize: 64)
        #expect(OutputHeader(bare.output).stop == UInt32(CSDRT_ERR_INPUT))
    }

    @Test func recordPointerOutsideTheBuffersStopsTheVM() throws {
        let input = driveInput(bundle: try layer.bundle().encode(), records: [bytes(records(1)[0])])
        let run = hostRun(
            elf: try RuntimeFixtures.wrapper("bad_record_pointer"), input: input, outputSize: 4096)
        #expect(run.result == CSD_HOST_ERR_RUN)
        #expect(run.message.contains("csd_infer") && run.message.contains("output record"), "\(run.message)")
    }

    @Test func outOfBoundsAccess() throws {
        let run = hostRun(
            elf: try RuntimeFixtures.wrapper("out_of_bounds"), input: [1, 2, 3], outputSize: 16)
        #expect(run.result == CSD_HOST_ERR_RUN)
        #expect(run.message.contains("out-of-bounds"), "\(run.message)")
    }

    @Test func runawayLoopHitsTheBudget() throws {
        let run = hostRun(
            elf: try RuntimeFixtures.wrapper("runaway"), input: [0], outputSize: 16, budget: 100_000)
        #expect(run.result == CSD_HOST_ERR_RUN)
        #expect(run.message.contains("budget"), "\(run.message)")
    }

    @Test func malformedELF() throws {
        var elf = try RuntimeFixtures.wrapper()
        elf[1] = 0x00  // breaks the ELF magic
        let run = hostRun(elf: elf, input: [0], outputSize: 16)
        #expect(run.result == CSD_HOST_ERR_LOAD)
        #expect(run.message.hasPrefix("loading the program:"), "\(run.message)")
        let truncated = hostRun(
            elf: Array(try RuntimeFixtures.wrapper().prefix(100)), input: [0], outputSize: 16)
        #expect(truncated.result == CSD_HOST_ERR_LOAD)
    }

    @Test func illegalInstruction() throws {
        var elf = try RuntimeFixtures.wrapper()
        let text = try #require(textSection(elf))
        elf[text] = 0xFF  // the first instruction's opcode: not an eBPF instruction
        let run = hostRun(elf: elf, input: [0], outputSize: 16)
        #expect(run.result == CSD_HOST_ERR_LOAD)
        #expect(run.message.contains("opcode") || run.message.contains("OPCODE"), "\(run.message)")
    }
}

/// File offset of the first alloc+exec section (.text) of a 64-bit little-endian ELF.
func textSection(_ elf: [UInt8]) -> Int? {
    func u(_ at: Int, _ n: Int) -> Int { (0..<n).reduce(0) { $0 | Int(elf[at + $1]) << (8 * $1) } }
    let shoff = u(0x28, 8), shentsize = u(0x3A, 2), shnum = u(0x3C, 2)
    for i in 0..<shnum {
        let sh = shoff + i * shentsize
        if u(sh + 4, 4) == 1 && u(sh + 8, 8) == 6 { return u(sh + 0x18, 8) }
    }
    return nil
}
