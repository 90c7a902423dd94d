// The wrapper: the eBPF program the drive runs over its input region. It does no work itself;
// it calls the runtime's helpers (RuntimeHelpers.swift, HELPERS.md) and behaves exactly like
// the reference wrapper in C (Tests/Fixtures/runtime/wrapper.c): the same helper calls in the
// same order with the same arguments, the same output bytes, the same return value. On top of
// the C wrapper's loop bound (the count csd_record_count returns, which the runtime has checked
// against the input length), the loop is bounded by the input length itself and by a hard
// maximum, so the program stays within its buffers and finite even if a runtime got the count
// wrong; with the runtime in this repository neither bound ever triggers.
//
// Registers: r9 = the output buffer, r6 = the next input record, r7 = the next result,
// r8 = records done. Stack (r10 - n): 8 handle, 16 record count, 24 input record size,
// 32 output record size, 40 end of the input (input + r3).

/// What the generated wrapper looks like: the few choices there are.
public struct CSDWrapperDescription: Equatable, Sendable {
    /// The entry function's symbol name.
    public var entry: String
    /// The most records one run processes; past it the wrapper stops with CSDRT_ERR_LIMIT (3).
    /// The status header's counters are 32-bit, hence the default.
    public var maxRecords: UInt32

    public init(entry: String = "entry", maxRecords: UInt32 = .max) {
        self.entry = entry
        self.maxRecords = maxRecords
    }
}

/// Generates the wrapper.
public enum CSDWrapperProgram {
    /// Stack slots (offsets from r10).
    enum Slot {
        static let handle: Int16 = -8
        static let recordCount: Int16 = -16
        static let inputRecordSize: Int16 = -24
        static let outputRecordSize: Int16 = -32
        static let inputEnd: Int16 = -40
    }

    /// Registers that survive helper calls.
    enum Reg {
        static let output = EBPFRegister.r9
        static let record = EBPFRegister.r6
        static let result = EBPFRegister.r7
        static let done = EBPFRegister.r8
    }

    /// The wrapper's source: instructions and labels.
    public static func source(
        _ description: CSDWrapperDescription = CSDWrapperDescription()
    ) -> [EBPFAssemblyItem] {
        typealias I = EBPFInstruction
        typealias H = CSDOutputHeader
        var a = EBPFAssembler()
        let out = Reg.output, rec = Reg.record, res = Reg.result, done = Reg.done
        func header(_ field: Int16, _ value: EBPFRegister) -> I {
            .store(.word, base: out, offset: field, value)
        }
        func spill(_ slot: Int16, _ value: EBPFRegister) -> I {
            .store(.double, base: .r10, offset: slot, value)
        }
        func reload(_ dst: EBPFRegister, _ slot: Int16) -> I { .load(.double, dst, base: .r10, offset: slot) }

        // The status header starts all zero (in the C wrapper's order: a too-small output
        // buffer faults on the same store).
        a.emit([
            .mov(out, CSDEntryRegisters.output),
            .mov(rec, CSDEntryRegisters.input),
            .storeImmediate(.word, base: out, offset: H.outputRecordSize, 0),
            .storeImmediate(.word, base: out, offset: H.recordsTotal, 0),
            .storeImmediate(.word, base: out, offset: H.stopReason, 0),
            .storeImmediate(.word, base: out, offset: H.recordsDone, 0),
            .mov(.r2, CSDEntryRegisters.input),
            .add(.r2, CSDEntryRegisters.inputLength),
            spill(Slot.inputEnd, .r2),
        ])
        // h = csd_open(in, len) (r1 still holds the input); on failure: stop reason
        // csd_last_error(0), return 1.
        a.emit([
            .mov(.r2, CSDEntryRegisters.inputLength),
            .call(.open),
            .jump(if: .r0, .ne, 0, to: "opened"),
            .mov(.r1, 0),
            .call(.lastError),
            header(H.stopReason, .r0),
            .mov(.r0, 1),
            .exit,
        ])
        // n, the record sizes; an empty count's reason is csd_last_error(h).
        a.label("opened")
        a.emit([
            spill(Slot.handle, .r0),
            .mov(.r1, .r0),
            .call(.recordCount),
            spill(Slot.recordCount, .r0),
            reload(.r1, Slot.handle),
            .call(.inputRecordSize),
            spill(Slot.inputRecordSize, .r0),
            reload(.r1, Slot.handle),
            .call(.outputRecordSize),
            spill(Slot.outputRecordSize, .r0),
            reload(.r1, Slot.recordCount),
            header(H.recordsTotal, .r1),
            header(H.outputRecordSize, .r0),
            .jump(if: .r1, .ne, 0, to: "payload"),
            reload(.r1, Slot.handle),
            .call(.lastError),
            header(H.stopReason, .r0),
        ])
        // The first record and the first result.
        a.label("payload")
        a.emit([
            reload(.r1, Slot.handle),
            .call(.payloadSize),
            .add(rec, .r0),
            .mov(res, out),
            .add(res, Int32(H.size)),
            .mov(done, 0),
        ])
        // The loop: while done < n, bounded by the hard maximum and the input's end.
        a.label("loop")
        a.emit([
            reload(.r1, Slot.recordCount),
            .jump(if: done, .ge, .r1, to: "close"),
        ])
        if description.maxRecords <= UInt32(Int32.max) {
            a.emit(.mov(.r1, Int32(description.maxRecords)))
        } else {
            a.emit(.loadImmediate64(.r1, UInt64(description.maxRecords)))
        }
        a.emit([
            .jump(if: done, .ge, .r1, to: "too_many"),
            reload(.r1, Slot.inputEnd),
            .jump(if: rec, .gt, .r1, to: "short_input"),
            .sub(.r1, rec),
            reload(.r2, Slot.inputRecordSize),
            .jump(if: .r2, .gt, .r1, to: "short_input"),
            reload(.r1, Slot.handle),
            .mov(.r2, rec),
            .mov(.r3, res),
            .call(.infer),
            .jump(if: .r0, .ne, 0, to: "stop"),
            .add(done, 1),
            header(H.recordsDone, done),
            reload(.r1, Slot.inputRecordSize),
            .add(rec, .r1),
            reload(.r1, Slot.outputRecordSize),
            .add(res, .r1),
            .jump("loop"),
        ])
        a.label("too_many")
        a.emit([.mov(.r0, CSDRuntimeStatus.limit), .jump("stop")])
        a.label("short_input")
        a.emit(.mov(.r0, CSDRuntimeStatus.input))
        a.label("stop")
        a.emit(header(H.stopReason, .r0))
        // Close, return the stop reason.
        a.label("close")
        a.emit([
            reload(.r1, Slot.handle),
            .call(.close),
            .load(.word, .r0, base: out, offset: H.stopReason),
            .exit,
        ])
        return a.items
    }

    /// The assembled wrapper.
    public static func program(
        _ description: CSDWrapperDescription = CSDWrapperDescription()
    ) throws(EBPFAssemblyError) -> EBPFProgram {
        try EBPFAssembler.assemble(source(description))
    }

    /// The wrapper as the ELF object the drive loads (the bundle's BPF_ELF section).
    public static func object(
        _ description: CSDWrapperDescription = CSDWrapperDescription()
    ) throws -> [UInt8] {
        try EBPFELFWriter.object(program(description), entry: description.entry)
    }
}
