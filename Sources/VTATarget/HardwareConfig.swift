/// One VTA hardware configuration, and everything that follows from it.
///
/// Like TVM's `Environment`, this is the single place that knows how a configuration
/// (the `vta_config.json` keys) turns into element sizes, buffer depths and instruction field
/// widths and positions. Every other piece of vtac asks this type instead of assuming the
/// pynq numbers, so a BLOCK-32 "cloud" core is just another value.
///
/// The initializer validates: a configuration that cannot be encoded (a buffer too small for
/// one element, a depth whose index fields no longer fit the 128-bit instruction, data types
/// other than int8 x int8 -> int32) is refused with an error naming the key at fault.
public struct HardwareConfig: Sendable, Hashable {
    // MARK: ISA constants
    // Fixed by the instruction format itself (upstream `hw_spec_const.h`), not configurable.

    /// Width of the opcode field.
    public static let opcodeBits = 3
    /// Width of the LOAD/STORE memory-type field.
    public static let memoryTypeBits = 3
    /// Width of LOAD/STORE `sram_base`: also the deepest buffer a configuration may have.
    public static let sramAddressBits = 16
    /// Width of LOAD/STORE `dram_base` (in elements) and of a physical byte address.
    public static let dramAddressBits = 32
    /// Width of `y_size` and `x_size`.
    public static let transferSizeBits = 16
    /// Width of `x_stride`.
    public static let strideBits = 16
    /// Width of each of the four padding fields.
    public static let paddingBits = 4
    /// Width of `iter_out` and `iter_in`.
    public static let loopIterationBits = 14
    /// Width of the ALU opcode field.
    public static let aluOpcodeBits = 3
    /// Width of the signed ALU immediate.
    public static let immediateBits = 16
    /// Bit-fields are declared on `uint64_t`: a field never straddles a multiple of this.
    public static let layoutUnitBits = 64
    /// log2 of the instruction width.
    public static let logInstructionBits = 7
    /// Width of an instruction word.
    public static let instructionBits = 1 << logInstructionBits
    /// log2 of the micro-op width.
    public static let logUopBits = 5
    /// Width of a micro-op word.
    public static let uopBits = 1 << logUopBits
    /// Bytes per instruction in a stream.
    public static let instructionBytes = instructionBits / 8
    /// Bytes per micro-op.
    public static let uopBytes = uopBits / 8
    /// vtac lowers int8 tensors only: log2 of the input, weight and accumulator widths it accepts.
    public static let supportedLogWidths = (input: 3, weight: 3, accumulator: 5)

    // MARK: Configuration keys (TVM's vta_config.json)

    /// `TARGET`: a name only.
    public let target: String
    /// `HW_VER`.
    public let hardwareVersion: String
    /// `LOG_INP_WIDTH`: log2 of the input element width in bits.
    public let logInputWidth: Int
    /// `LOG_WGT_WIDTH`.
    public let logWeightWidth: Int
    /// `LOG_ACC_WIDTH`.
    public let logAccumulatorWidth: Int
    /// `LOG_BATCH`.
    public let logBatch: Int
    /// `LOG_BLOCK_IN` (`LOG_BLOCK` in current TVM sets both).
    public let logBlockIn: Int
    /// `LOG_BLOCK_OUT`.
    public let logBlockOut: Int
    /// `LOG_UOP_BUFF_SIZE`: log2 of the micro-op SRAM size in bytes.
    public let logUopBufferSize: Int
    /// `LOG_INP_BUFF_SIZE`.
    public let logInputBufferSize: Int
    /// `LOG_WGT_BUFF_SIZE`.
    public let logWeightBufferSize: Int
    /// `LOG_ACC_BUFF_SIZE`.
    public let logAccumulatorBufferSize: Int

    /// Field positions of every instruction kind and of the micro-op.
    public let layout: InstructionLayout

    /// Builds and validates a configuration. Defaults are upstream TVM's `vta_config.json`.
    public init(
        target: String = "sim", hardwareVersion: String = "0.0.2",
        logInputWidth: Int = 3, logWeightWidth: Int = 3, logAccumulatorWidth: Int = 5,
        logBatch: Int = 0, logBlockIn: Int = 4, logBlockOut: Int = 4,
        logUopBufferSize: Int = 15, logInputBufferSize: Int = 15,
        logWeightBufferSize: Int = 18, logAccumulatorBufferSize: Int = 17
    ) throws(HardwareConfigError) {
        // Bound every exponent first so the derivations below cannot overflow.
        let exponents: [(String, Int, ClosedRange<Int>)] = [
            ("LOG_INP_WIDTH", logInputWidth, 0...6), ("LOG_WGT_WIDTH", logWeightWidth, 0...6),
            ("LOG_ACC_WIDTH", logAccumulatorWidth, 0...6), ("LOG_BATCH", logBatch, 0...8),
            ("LOG_BLOCK_IN", logBlockIn, 0...10), ("LOG_BLOCK_OUT", logBlockOut, 0...10),
            ("LOG_UOP_BUFF_SIZE", logUopBufferSize, 0...40),
            ("LOG_INP_BUFF_SIZE", logInputBufferSize, 0...40),
            ("LOG_WGT_BUFF_SIZE", logWeightBufferSize, 0...40),
            ("LOG_ACC_BUFF_SIZE", logAccumulatorBufferSize, 0...40),
        ]
        for (key, value, range) in exponents where !range.contains(value) {
            throw .outOfRange(key: key, value: value, allowed: range)
        }
        let widths = Self.supportedLogWidths
        for (key, value, required) in [
            ("LOG_INP_WIDTH", logInputWidth, widths.input), ("LOG_WGT_WIDTH", logWeightWidth, widths.weight),
            ("LOG_ACC_WIDTH", logAccumulatorWidth, widths.accumulator),
        ] where value != required {
            throw .unsupportedDataWidth(key: key, value: value, required: required)
        }
        self.target = target
        self.hardwareVersion = hardwareVersion
        self.logInputWidth = logInputWidth
        self.logWeightWidth = logWeightWidth
        self.logAccumulatorWidth = logAccumulatorWidth
        self.logBatch = logBatch
        self.logBlockIn = logBlockIn
        self.logBlockOut = logBlockOut
        self.logUopBufferSize = logUopBufferSize
        self.logInputBufferSize = logInputBufferSize
        self.logWeightBufferSize = logWeightBufferSize
        self.logAccumulatorBufferSize = logAccumulatorBufferSize
        // Depths: at least one element, and addressable by the 16-bit sram_base.
        var logDepths: [SRAMBuffer: Int] = [:]
        for buffer in SRAMBuffer.allCases {
            let logBytes = Self.logBufferBytes(
                buffer, logUop: logUopBufferSize, logInp: logInputBufferSize,
                logWgt: logWeightBufferSize, logAcc: logAccumulatorBufferSize)
            let logDepth =
                logBytes
                - Self.logSRAMElementBytes(
                    buffer, logBatch: logBatch,
                    logBlockIn: logBlockIn, logBlockOut: logBlockOut, logInp: logInputWidth,
                    logWgt: logWeightWidth, logAcc: logAccumulatorWidth)
            if logDepth < 0 {
                throw .bufferTooSmall(
                    key: buffer.sizeKey, buffer: buffer, bufferBytes: 1 << logBytes,
                    elementBytes: 1 << (logBytes - logDepth))
            }
            if logDepth > Self.sramAddressBits {
                throw .bufferTooDeep(
                    key: buffer.sizeKey, buffer: buffer, depth: 1 << logDepth,
                    maxDepth: 1 << Self.sramAddressBits)
            }
            logDepths[buffer] = logDepth
        }
        layout = InstructionLayout(LayoutInputs(logDepths: logDepths))
        // Every instruction kind must fit its 128-bit word, the micro-op its 32 bits.
        let kinds: [(String, FieldLayout)] = [
            ("LOAD/STORE", layout.memory), ("GEMM", layout.gemm), ("ALU", layout.alu),
            ("micro-op", layout.uop),
        ]
        for (kind, fields) in kinds {
            if let overflow = fields.fields.first(where: {
                $0.end > fields.wordBits || $0.width > Self.layoutUnitBits
            }) {
                throw .fieldsDoNotFit(
                    key: Self.blamedKey(kind: kind, layout: fields, logDepths: logDepths), kind: kind,
                    field: overflow.field, neededBits: fields.usedBits, wordBits: fields.wordBits)
            }
        }
    }

    // MARK: Derived quantities

    /// Input element width in bits (8).
    public var inputWidth: Int { 1 << logInputWidth }
    /// Weight element width in bits (8).
    public var weightWidth: Int { 1 << logWeightWidth }
    /// Accumulator width in bits (32).
    public var accumulatorWidth: Int { 1 << logAccumulatorWidth }
    /// Output width in bits: TVM ties it to the input width.
    public var outputWidth: Int { inputWidth }
    /// Rows of the GEMM input tile (TVM's BATCH).
    public var batch: Int { 1 << logBatch }
    /// Reduction width of the GEMM core (BLOCK_IN).
    public var blockIn: Int { 1 << logBlockIn }
    /// Output channels of the GEMM core (BLOCK_OUT).
    public var blockOut: Int { 1 << logBlockOut }

    /// log2 of a buffer's size in bytes.
    public func logBufferBytes(_ buffer: SRAMBuffer) -> Int {
        Self.logBufferBytes(
            buffer, logUop: logUopBufferSize, logInp: logInputBufferSize,
            logWgt: logWeightBufferSize, logAcc: logAccumulatorBufferSize)
    }

    /// A buffer's size in bytes.
    public func bufferBytes(_ buffer: SRAMBuffer) -> Int { 1 << logBufferBytes(buffer) }

    /// log2 of the bytes of one element of a buffer (one SRAM row).
    public func logElementBytes(_ buffer: SRAMBuffer) -> Int {
        Self.logSRAMElementBytes(
            buffer, logBatch: logBatch, logBlockIn: logBlockIn,
            logBlockOut: logBlockOut, logInp: logInputWidth, logWgt: logWeightWidth,
            logAcc: logAccumulatorWidth)
    }

    /// Bytes of one element of a buffer: UOP 4, INP BATCH·BLOCK_IN, WGT BLOCK_OUT·BLOCK_IN, ACC BATCH·BLOCK_OUT·4.
    public func elementBytes(_ buffer: SRAMBuffer) -> Int { 1 << logElementBytes(buffer) }

    /// log2 of a buffer's depth in elements; this is also the width of the index fields.
    public func logDepth(_ buffer: SRAMBuffer) -> Int { logBufferBytes(buffer) - logElementBytes(buffer) }

    /// A buffer's depth in elements.
    public func depth(_ buffer: SRAMBuffer) -> Int { 1 << logDepth(buffer) }

    /// Bytes of one DRAM element of a memory type: the unit of `dram_base` and `x_stride`.
    /// OUT is the accumulator narrowed to the output width; ACC_8BIT is the accumulator tile
    /// stored with input-width values (what the simulator's 8-bit ACC load reads).
    public func dramElementBytes(_ type: MemoryType) -> Int {
        switch type {
        case .uop: elementBytes(.uop)
        case .weight: elementBytes(.weight)
        case .input: elementBytes(.input)
        case .accumulator: elementBytes(.accumulator)
        case .output: batch * blockOut * outputWidth / 8
        case .acc8Bit: batch * blockOut * inputWidth / 8
        }
    }

    /// Width of the micro-op source index: it indexes INP for GEMM and ACC for ALU, so it is
    /// wide enough for both.
    public var uopSourceIndexBits: Int { max(logDepth(.accumulator), logDepth(.input)) }

    /// The shift amounts every ALU implementation agrees on: the HLS design reads only the low
    /// LOG_ACC_WIDTH bits of the amount as a signed number (-16...15 for int32 accumulators).
    public var portableShiftRange: ClosedRange<Int> {
        -(1 << (logAccumulatorWidth - 1))...((1 << (logAccumulatorWidth - 1)) - 1)
    }

    /// The TVM bitstream name, e.g. `1x16_i8w8a32_15_15_18_17`.
    public var bitstreamName: String {
        "\(batch)x\(blockIn)_i\(inputWidth)w\(weightWidth)a\(accumulatorWidth)_"
            + "\(logUopBufferSize)_\(logInputBufferSize)_\(logWeightBufferSize)_\(logAccumulatorBufferSize)"
    }

    /// Upstream TVM's default configuration (the one the pynq and Alkali bitstreams implement).
    public static let tvmDefault: HardwareConfig = try! HardwareConfig()

    // MARK: Helpers usable before `self` exists

    /// Widths are in bits, sizes in bytes.
    private static let logBitsPerByte = 3

    private static func logBufferBytes(
        _ buffer: SRAMBuffer, logUop: Int, logInp: Int, logWgt: Int, logAcc: Int
    ) -> Int {
        switch buffer {
        case .uop: logUop
        case .input: logInp
        case .weight: logWgt
        case .accumulator: logAcc
        }
    }

    private static func logSRAMElementBytes(
        _ buffer: SRAMBuffer, logBatch: Int, logBlockIn: Int, logBlockOut: Int,
        logInp: Int, logWgt: Int, logAcc: Int
    ) -> Int {
        switch buffer {
        case .uop: logUopBits - logBitsPerByte
        case .input: logBatch + logBlockIn + logInp - logBitsPerByte
        case .weight: logBlockOut + logBlockIn + logWgt - logBitsPerByte
        case .accumulator: logBatch + logBlockOut + logAcc - logBitsPerByte
        }
    }

    /// The configuration key to blame when a word overflows. If the micro-op range fields
    /// push the loop counts past bit 64, the micro-op buffer is too deep; otherwise the deepest
    /// of the buffers whose indices fill the word is.
    private static func blamedKey(kind: String, layout: FieldLayout, logDepths: [SRAMBuffer: Int]) -> String {
        if layout.contains(.iterIn), layout[.iterIn].offset >= layoutUnitBits {
            let before = layout.fields.filter { $0.offset < layoutUnitBits }.map(\.width).reduce(0, +)
            if before + layout[.iterIn].width > layoutUnitBits { return SRAMBuffer.uop.sizeKey }
        }
        let candidates: [SRAMBuffer] =
            switch kind {
            case "ALU": [.accumulator]
            default: [.accumulator, .input, .weight]
            }
        let deepest = candidates.max { logDepths[$0]! < logDepths[$1]! }!
        return deepest.sizeKey
    }
}

/// What the layout derivation needs: the log2 depth of each buffer.
struct LayoutInputs {
    let logDepths: [SRAMBuffer: Int]

    func logDepth(_ buffer: SRAMBuffer) -> Int { logDepths[buffer]! }

    var uopSourceIndexBits: Int { max(logDepth(.accumulator), logDepth(.input)) }
}
