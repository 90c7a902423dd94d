/// A DRAM range the stream may touch, and with which memory types.
///
/// The verifier cannot know where the runtime puts buffers; the caller (the lowering, or a
/// test) says which byte ranges hold inputs, weights, outputs, micro-ops. A transfer whose rows
/// all fall inside regions allowing its memory type passes; anything else is reported.
public struct DRAMRegion: Sendable, Hashable, CustomStringConvertible {
    /// For messages: `weights`, `layer3.out`.
    public var name: String
    /// Physical byte addresses.
    public var bytes: Range<Int>
    /// Memory types LOAD/STORE may use on this range (STORE uses OUT).
    public var memoryTypes: Set<MemoryType>

    public init(name: String, bytes: Range<Int>, memoryTypes: Set<MemoryType>) {
        self.name = name
        self.bytes = bytes
        self.memoryTypes = memoryTypes
    }

    /// A region given in elements of one memory type (what `dram_base` counts).
    public init(name: String, elements: Range<Int>, of type: MemoryType, config: HardwareConfig) {
        let size = config.dramElementBytes(type)
        self.init(
            name: name, bytes: (elements.lowerBound * size)..<(elements.upperBound * size),
            memoryTypes: [type])
    }

    public var description: String {
        let types = memoryTypes.sorted { $0.rawValue < $1.rawValue }.map(\.mnemonic).joined(separator: ",")
        return
            "\(name) [0x\(String(bytes.lowerBound, radix: 16)), 0x\(String(bytes.upperBound, radix: 16))) \(types)"
    }
}

/// Micro-ops as they sit in DRAM, for LOAD UOP to read.
///
/// GEMM and ALU name micro-ops by their index in the micro-op SRAM, so proving their index
/// ranges needs the SRAM contents. The verifier replays every LOAD UOP against these images
/// (in the compute module's program order) to know which micro-op each slot holds.
public struct UopImage: Sendable, Hashable {
    public var name: String
    /// DRAM address of `uops[0]`, in micro-op elements (byte address / 4), as `dram_base` counts.
    public var dramBase: Int
    public var uops: [MicroOp]

    public init(name: String = "uops", dramBase: Int, uops: [MicroOp]) {
        self.name = name
        self.dramBase = dramBase
        self.uops = uops
    }

    /// The micro-op at a DRAM element address, if this image covers it.
    public func uop(atElement address: Int) -> MicroOp? {
        let offset = address - dramBase
        return offset >= 0 && offset < uops.count ? uops[offset] : nil
    }
}
