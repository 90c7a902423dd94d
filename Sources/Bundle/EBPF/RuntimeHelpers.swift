// The contract between the eBPF wrapper vtac writes and the on-storage runtime, restated
// from Sources/CSDRuntime/HELPERS.md. This file is the only place the wrapper generator
// takes helper names, indices, status codes and buffer layouts from; the tests check it
// against the C runtime's own table (csd_helper_table).

/// The CSD runtime's eBPF helpers: the raw value is the index the firmware registers the
/// helper under (32...39, clear of the firmware's own 1 `print`, 2 `tflite_apu`,
/// 3 `tflite_vta`, and within uBPF's 64). A wrapper calls them by name: the loader resolves
/// each call's immediate from an R_BPF_64_32 relocation against an undefined symbol.
public enum CSDRuntimeHelper: Int32, CaseIterable, Sendable {
    /// `csd_open(input, input_len)`: a handle (never 0), or 0 if the bundle was refused.
    case open = 32
    /// `csd_payload_size(h)`: offset of the first input record from the start of the input.
    case payloadSize = 33
    /// `csd_record_count(h)`: the records the records header announces, 0 on error.
    case recordCount = 34
    /// `csd_input_record_size(h)`: bytes of one input record.
    case inputRecordSize = 35
    /// `csd_output_record_size(h)`: bytes of one output record.
    case outputRecordSize = 36
    /// `csd_infer(h, in_record, out_record)`: 0, or a status code.
    case infer = 37
    /// `csd_last_error(h)`: the status of the handle's last failure (h 0: the last `csd_open`).
    case lastError = 38
    /// `csd_close(h)`: 0, or 23 (HANDLE) if `h` is not open.
    case close = 39

    /// The index the firmware registers the helper under.
    public var index: Int32 { rawValue }

    /// The symbol name a call refers to (what an `extern` declaration in C would be).
    public var name: String {
        switch self {
        case .open: "csd_open"
        case .payloadSize: "csd_payload_size"
        case .recordCount: "csd_record_count"
        case .inputRecordSize: "csd_input_record_size"
        case .outputRecordSize: "csd_output_record_size"
        case .infer: "csd_infer"
        case .lastError: "csd_last_error"
        case .close: "csd_close"
        }
    }

    /// How many of r1...r5 the helper reads.
    public var argumentCount: Int {
        switch self {
        case .open: 2
        case .infer: 3
        default: 1
        }
    }

    /// The helper called `name`, if any.
    public init?(name: String) {
        guard let helper = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = helper
    }
}

/// The runtime's status codes the wrapper writes itself (`csd_runtime.h`, never renumbered);
/// every other stop reason is a value a helper returned.
public enum CSDRuntimeStatus {
    public static let ok: Int32 = 0
    /// CSDRT_ERR_LIMIT: more records than the wrapper's hard maximum.
    public static let limit: Int32 = 3
    /// CSDRT_ERR_INPUT: the next record would end past the input buffer (r3).
    public static let input: Int32 = 21
}

/// The output buffer the wrapper fills: a 16-byte status header of four little-endian
/// uint32, then record i's result at `size + i * output_record_size`.
public enum CSDOutputHeader {
    public static let size: Int16 = 16
    /// Records whose results follow.
    public static let recordsDone: Int16 = 0
    /// 0 when every record was processed, else the status that stopped the wrapper.
    public static let stopReason: Int16 = 4
    /// Records announced by the input (0 if `csd_open` failed).
    public static let recordsTotal: Int16 = 8
    /// Bytes of one output record.
    public static let outputRecordSize: Int16 = 12
}

/// The drive's calling convention for the program (the Alkali fork of uBPF).
public enum CSDEntryRegisters {
    /// r1: the input buffer (bundle, padding, records header, records).
    public static let input = EBPFRegister.r1
    /// r2: the output buffer.
    public static let output = EBPFRegister.r2
    /// r3: the input buffer's length in bytes (whole 4 KiB pages on the drive).
    public static let inputLength = EBPFRegister.r3
}
