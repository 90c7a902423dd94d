import Bundle
import CEBPF
import CSDHost
import CSDRuntime
import CVTASim
// The generated wrapper against the C reference wrapper (Tests/Fixtures/runtime/wrapper.o):
// through csd_host_run with the real runtime and the simulator, the same output bytes, return
// value and helper status on the same inputs; through our VM with scripted helpers, the same
// helper calls with the same arguments in the same order.
import TestSupport
import Testing

@Suite struct EBPFWrapperTests {
    let layer = EBPFGemmBundle(seed: 31)

    func records(_ n: Int, seed: UInt64 = 5) -> [[UInt8]] {
        var rng = SplitMix64(seed)
        return (0..<n).map { _ in rng.bytes(64) }
    }

    /// Runs both wrappers; expects the same result, output, return value and helper status,
    /// and returns the generated wrapper's run.
    @discardableResult
    func both(
        _ input: [UInt8], outputSize: Int, sameMessage: Bool = true,
        configure: (inout csd_host_options) -> Void = { _ in },
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> EBPFHostRun {
        let reference = ebpfHostRun(
            elf: try EBPFFixture.referenceWrapper(), input: input, outputSize: outputSize,
            configure: configure)
        let generated = ebpfHostRun(
            elf: try EBPFFixture.generatedWrapper(), input: input, outputSize: outputSize,
            configure: configure)
        #expect(generated.result == reference.result, "\(generated.message)", sourceLocation: sourceLocation)
        let difference = zip(generated.output, reference.output).enumerated().first {
            $0.element.0 != $0.element.1
        }
        #expect(
            generated.output.count == reference.output.count && difference == nil,
            "outputs differ first at byte \(difference?.offset ?? -1): \(EBPFOutputHeader(generated.output)) vs \(EBPFOutputHeader(reference.output))",
            sourceLocation: sourceLocation)
        #expect(generated.report.r0 == reference.report.r0, sourceLocation: sourceLocation)
        #expect(
            generated.report.helper_status == reference.report.helper_status, sourceLocation: sourceLocation)
        if sameMessage {
            #expect(generated.message == reference.message, sourceLocation: sourceLocation)
        }
        return generated
    }

    @Test func helperConstantsMatchTheRuntimesTable() {
        var count = 0
        let table = csd_helper_table(&count)!
        let runtime = (0..<count).map { (Int32(table[$0].index), String(cString: table[$0].name)) }
        #expect(runtime.map(\.0) == CSDRuntimeHelper.allCases.map(\.index))
        #expect(runtime.map(\.1) == CSDRuntimeHelper.allCases.map(\.name))
        #expect(
            CSDRuntimeStatus.limit == Int32(CSDRT_ERR_LIMIT)
                && CSDRuntimeStatus.input == Int32(CSDRT_ERR_INPUT))
        #expect(Int(CSDOutputHeader.size) == Int(CSDRT_OUTPUT_HEADER_SIZE))
        #expect(CSDRuntimeHelper(name: "csd_infer") == .infer && CSDRuntimeHelper(name: "print") == nil)
    }

    @Test func everyRecord() throws {
        let inputs = records(5)
        let input = ebpfDriveInput(bundle: try layer.encoded(), records: inputs, trailing: 4000)
        let run = try both(input, outputSize: 16 + 5 * 64)
        #expect(run.result == CSD_HOST_OK, "\(run.message)")
        #expect(EBPFOutputHeader(run.output) == EBPFOutputHeader(done: 5, stop: 0, total: 5, recordSize: 64))
        for (i, record) in inputs.enumerated() {
            let result = run.output[16 + 64 * i..<16 + 64 * (i + 1)].map { Int8(bitPattern: $0) }
            #expect(result == layer.expected(record.map { Int8(bitPattern: $0) }))
        }
        #expect(run.report.r0 == 0)
    }

    @Test func manyRecords() throws {
        let inputs = records(100, seed: 9)
        let input = ebpfDriveInput(bundle: try layer.encoded(), records: inputs, trailing: 100)
        // An output region of whole 4 KiB pages, as on the drive: the rest stays zero.
        let run = try both(input, outputSize: 8192)
        #expect(
            EBPFOutputHeader(run.output) == EBPFOutputHeader(done: 100, stop: 0, total: 100, recordSize: 64))
        #expect(run.output[(16 + 100 * 64)...].allSatisfy { $0 == 0 })
        let last = run.output[16 + 99 * 64..<16 + 100 * 64].map { Int8(bitPattern: $0) }
        #expect(last == layer.expected(inputs[99].map { Int8(bitPattern: $0) }))
    }

    @Test func zeroRecords() throws {
        // The records header announces none: csd_record_count's status stops the run.
        let input = ebpfDriveInput(bundle: try layer.encoded(), records: [], trailing: 64)
        let run = try both(input, outputSize: 4096)
        #expect(run.result == CSD_HOST_ERR_HELPER)
        #expect(run.message.contains("csd_record_count"), "\(run.message)")
        #expect(
            EBPFOutputHeader(run.output)
                == EBPFOutputHeader(done: 0, stop: UInt32(CSDRT_ERR_INPUT), total: 0, recordSize: 64))
        #expect(run.report.r0 == UInt64(CSDRT_ERR_INPUT))
        // No records header at all.
        let bare = try both(try layer.encoded(), outputSize: 64)
        #expect(EBPFOutputHeader(bare.output).stop == UInt32(CSDRT_ERR_INPUT))
        // Fewer bytes than announced.
        var short = ebpfDriveInput(bundle: try layer.encoded(), records: records(2))
        short.removeLast(32)
        let cut = try both(short, outputSize: 4096)
        #expect(EBPFOutputHeader(cut.output) == EBPFOutputHeader(done: 0, stop: 21, total: 0, recordSize: 64))
    }

    @Test func refusedBundle() throws {
        var bundle = try layer.encoded()
        bundle[bundle.count - 1] ^= 1
        let run = try both(ebpfDriveInput(bundle: bundle, records: records(1)), outputSize: 4096)
        #expect(run.result == CSD_HOST_ERR_HELPER)
        #expect(
            EBPFOutputHeader(run.output)
                == EBPFOutputHeader(done: 0, stop: UInt32(CSDRT_ERR_CHECKSUM), total: 0, recordSize: 0))
        #expect(run.report.r0 == 1)
        let extended = ebpfDriveInput(bundle: try layer.encoded(profile: .extended), records: records(1))
        let other = try both(extended, outputSize: 4096)
        #expect(EBPFOutputHeader(other.output).stop == UInt32(CSDRT_ERR_HARDWARE))
        // Not a bundle at all.
        let garbage = try both([UInt8](repeating: 0x42, count: 300), outputSize: 16)
        #expect(EBPFOutputHeader(garbage.output).stop == UInt32(CSDRT_ERR_MAGIC))
    }

    @Test func failingRecordStopsTheRun() throws {
        // A device whose work budget is smaller than one record's: csd_infer fails on the first.
        var config = VTASimConfig()
        VTASimDefaultConfig(&config)
        let device = try #require(VTASimDeviceAllocWithConfig(&config))
        defer { VTADeviceFree(device) }
        var simOptions = VTASimOptions()
        VTASimDefaultOptions(&simOptions)
        simOptions.max_uop_iters = 20
        #expect(VTASimSetOptions(device, &simOptions) == 0)
        let input = ebpfDriveInput(bundle: try layer.encoded(), records: records(3))
        let run = try both(input, outputSize: 4096) { $0.runtime.device = device }
        #expect(run.result == CSD_HOST_ERR_HELPER)
        #expect(run.message.contains("csd_infer") && run.message.contains("VTADeviceRun"), "\(run.message)")
        #expect(
            EBPFOutputHeader(run.output)
                == EBPFOutputHeader(done: 0, stop: UInt32(CSDRT_ERR_DEVICE), total: 3, recordSize: 64))
        #expect(run.output[16...].allSatisfy { $0 == 0 })
    }

    @Test func outputTooSmall() throws {
        // Room for two results of five: the host stops both at the third csd_infer (the
        // message names the pc, which differs), with the same output.
        let input = ebpfDriveInput(bundle: try layer.encoded(), records: records(5))
        let run = try both(input, outputSize: 16 + 2 * 64, sameMessage: false)
        #expect(run.result == CSD_HOST_ERR_RUN)
        #expect(run.message.contains("csd_infer") && run.message.contains("output record"), "\(run.message)")
        #expect(EBPFOutputHeader(run.output) == EBPFOutputHeader(done: 2, stop: 0, total: 5, recordSize: 64))
        // Not even room for the status header: the first store faults, nothing is written.
        let tiny = try both(input, outputSize: 8, sameMessage: false)
        #expect(tiny.result == CSD_HOST_ERR_RUN)
        #expect(tiny.message.contains("out-of-bounds"), "\(tiny.message)")
        #expect(tiny.output == [UInt8](repeating: 0, count: 8))
    }

    @Test func hardMaximum() throws {
        // A wrapper generated for at most 2 records stops after them with LIMIT.
        let input = ebpfDriveInput(bundle: try layer.encoded(), records: records(5))
        let elf = try CSDWrapperProgram.object(CSDWrapperDescription(maxRecords: 2))
        let run = ebpfHostRun(elf: elf, input: input, outputSize: 4096)
        #expect(run.result == CSD_HOST_OK)
        #expect(
            EBPFOutputHeader(run.output)
                == EBPFOutputHeader(done: 2, stop: UInt32(CSDRT_ERR_LIMIT), total: 5, recordSize: 64))
        #expect(run.report.r0 == UInt64(CSDRT_ERR_LIMIT))
        #expect(run.output[(16 + 2 * 64)...].allSatisfy { $0 == 0 })
    }

    // MARK: Scripted helpers

    @Test(arguments: [
        ("open fails", FakeRuntime.Script(openFails: true)),
        ("no record", FakeRuntime.Script(count: 0)),
        ("four records", FakeRuntime.Script(count: 4)),
        ("fails at record 2 of 6", FakeRuntime.Script(count: 6, failAt: 2, inferError: 20)),
        ("fails at the first", FakeRuntime.Script(count: 6, failAt: 0)),
        ("empty records", FakeRuntime.Script(count: 3, inputRecordSize: 0, outputRecordSize: 0)),
        (
            "large records",
            FakeRuntime.Script(count: 2, inputRecordSize: 2000, outputRecordSize: 1000, payload: 16)
        ),
    ])
    func sameCallsAsTheReference(_ name: String, _ script: FakeRuntime.Script) throws {
        let reference = FakeRuntime.run(try EBPFFixture.referenceWrapper(), script)
        let generated = FakeRuntime.run(try EBPFFixture.generatedWrapper(), script)
        #expect(reference.status == EBPF_OK, "\(reference.message)")
        #expect(generated == reference)
        #expect(generated.calls.first == "csd_open(in+0, 4096)")
    }

    @Test func scriptedTraceOfARun() {
        let run = FakeRuntime.run(
            try! EBPFFixture.generatedWrapper(), FakeRuntime.Script(count: 3, failAt: 1))
        #expect(
            run.calls == [
                "csd_open(in+0, 4096)", "csd_record_count(7)", "csd_input_record_size(7)",
                "csd_output_record_size(7)", "csd_payload_size(7)", "csd_infer(7, in+48, out+16)",
                "csd_infer(7, in+112, out+48)", "csd_close(7)",
            ])
        #expect(EBPFOutputHeader(run.output) == EBPFOutputHeader(done: 1, stop: 19, total: 3, recordSize: 32))
        #expect(run.r0 == 19)
        #expect(run.output[16..<48].allSatisfy { $0 == 1 })
    }

    @Test func boundedByTheInputLength() throws {
        // A runtime announcing more records than the input holds: the wrapper stops at the
        // first record that would end past r3, with INPUT (the C wrapper would read on).
        let elf = try EBPFFixture.generatedWrapper()
        let run = FakeRuntime.run(elf, FakeRuntime.Script(count: 1000, inputRecordSize: 64, payload: 48))
        #expect(run.status == EBPF_OK, "\(run.message)")
        let fit = (4096 - 48) / 64
        #expect(
            EBPFOutputHeader(run.output)
                == EBPFOutputHeader(done: UInt32(fit), stop: 21, total: 1000, recordSize: 32))
        #expect(run.calls.filter { $0.hasPrefix("csd_infer") }.count == fit)
        #expect(run.calls.last == "csd_close(7)")
        // A payload offset past the input: no record at all.
        let past = FakeRuntime.run(elf, FakeRuntime.Script(count: 1, payload: 5000))
        #expect(
            EBPFOutputHeader(past.output) == EBPFOutputHeader(done: 0, stop: 21, total: 1, recordSize: 32))
        #expect(!past.calls.contains { $0.hasPrefix("csd_infer") })
    }

    @Test func boundedByTheHardMaximum() throws {
        let elf = try CSDWrapperProgram.object(CSDWrapperDescription(maxRecords: 3))
        let run = FakeRuntime.run(elf, FakeRuntime.Script(count: 5, inputRecordSize: 8))
        #expect(EBPFOutputHeader(run.output) == EBPFOutputHeader(done: 3, stop: 3, total: 5, recordSize: 32))
        #expect(run.calls.filter { $0.hasPrefix("csd_infer") }.count == 3)
        // The default maximum (2^32 - 1, loaded with lddw) lets a large count through.
        let many = FakeRuntime.run(
            try EBPFFixture.generatedWrapper(),
            FakeRuntime.Script(count: 100, inputRecordSize: 8, outputRecordSize: 8))
        #expect(
            EBPFOutputHeader(many.output) == EBPFOutputHeader(done: 100, stop: 0, total: 100, recordSize: 8))
    }
}
