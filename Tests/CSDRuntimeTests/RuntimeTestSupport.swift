// Building small bundles in Swift (manifest + hand-assembled streams with relocations) and
// running them through the C runtime: its API directly, csd_host_run, or the csd-run tool.
import Bundle
import CSDHost
import CSDRuntime
import Foundation
import TestSupport
import VTATarget

// MARK: - Manifest pieces

/// The default VTA configuration (the Alkali board's), which the runtime's default options expect.
let defaultConfig = try! HardwareConfig()

func hardware(
    profile: Vtac_Bundle_IsaProfile = .stock, logBlock: Int32 = 4
) -> Vtac_Bundle_Hardware {
    var h = Vtac_Bundle_Hardware()
    h.targetName = "alkali"
    h.hwVer = "0.0.2"
    h.logInpWidth = 3
    h.logWgtWidth = 3
    h.logAccWidth = 5
    h.logBatch = 0
    h.logBlockIn = logBlock
    h.logBlockOut = logBlock
    h.logUopBuffSize = 15
    h.logInpBuffSize = 15
    h.logWgtBuffSize = 18
    h.logAccBuffSize = 17
    h.profile = profile
    h.clockMhz = 200
    h.busWidthBits = 64
    return h
}

func tensor(
    _ region: Vtac_Bundle_Region, _ offset: UInt64, _ shape: [Int32], _ type: Vtac_Bundle_DataType = .int8,
    packed: Bool = false, halo: UInt32 = 0
) -> Vtac_Bundle_TensorRef {
    var t = Vtac_Bundle_TensorRef()
    t.region = region
    t.offset = offset
    t.shape = shape
    t.type = type
    t.layout = packed ? .vtaPacked : .nhwc
    t.haloTop = halo
    t.haloBottom = halo
    t.haloLeft = halo
    t.haloRight = halo
    return t
}

func ioTensor(
    _ name: String, _ storage: Vtac_Bundle_TensorRef, recordOffset: UInt64 = 0
) -> Vtac_Bundle_IOTensor {
    var io = Vtac_Bundle_IOTensor()
    io.name = name
    io.shape = storage.shape
    io.type = storage.type
    io.recordOffset = recordOffset
    let elementSize: UInt64 = [.int32, .float32].contains(storage.type) ? 4 : storage.type == .int16 ? 2 : 1
    io.size = storage.shape.reduce(UInt64(1)) { $0 * UInt64($1) } * elementSize
    io.storage = storage
    return io
}

func relocation(
    _ instruction: UInt32, _ region: Vtac_Bundle_Region, _ elementOffset: UInt64, _ memoryType: UInt32
) -> Vtac_Bundle_Relocation {
    var r = Vtac_Bundle_Relocation()
    r.instruction = instruction
    r.region = region
    r.elementOffset = elementOffset
    r.memoryType = memoryType
    return r
}

func copyStep(_ from: Vtac_Bundle_TensorRef, _ to: Vtac_Bundle_TensorRef, _ name: String) -> Vtac_Bundle_Step
{
    var c = Vtac_Bundle_Copy()
    c.from = from
    c.to = to
    c.name = name
    var s = Vtac_Bundle_Step()
    s.kind = .copy(c)
    return s
}

func segmentStep(_ index: UInt32) -> Vtac_Bundle_Step {
    var r = Vtac_Bundle_RunSegment()
    r.segment = index
    var s = Vtac_Bundle_Step()
    s.kind = .runSegment(r)
    return s
}

func kernelStep(_ index: UInt32) -> Vtac_Bundle_Step {
    var r = Vtac_Bundle_RunKernel()
    r.kernel = index
    var s = Vtac_Bundle_Step()
    s.kind = .runKernel(r)
    return s
}

func fill(_ region: Vtac_Bundle_Region, _ offset: UInt64, _ size: UInt64, _ value: UInt32) -> Vtac_Bundle_Fill
{
    var f = Vtac_Bundle_Fill()
    f.region = region
    f.offset = offset
    f.size = size
    f.value = value
    return f
}

/// Encodes an assembly listing for the default configuration.
func assemble(_ text: String) throws -> [UInt8] {
    try defaultConfig.codec.encode(stream: AssemblyText.assemble(text, config: defaultConfig))
}

func assembleUops(_ text: String) throws -> [UInt8] {
    try defaultConfig.codec.encode(uops: AssemblyText.assembleUops(text, config: defaultConfig))
}

extension HardwareConfig {
    var codec: InstructionCodec { InstructionCodec(config: self) }
}

// MARK: - The GEMM layer fixture

/// One GEMM layer on the accelerator: a 1x2x2x16 int8 input (host, NHWC) is copied into a
/// packed activation with a one-pixel halo (filled with `inputHalo`), multiplied by a 16x16
/// weight tile from CONSTANTS at every pixel of the 4x4 padded grid, shifted right by 4 and
/// clamped, and the 2x2 interior stored into a packed output (halo filled with `outputHalo`),
/// which is copied back to the host as NHWC.
struct GemmLayer {
    static let inputHalo: UInt8 = 0x05
    static let outputHalo: UInt8 = 0x7F
    static let shift = 4
    /// Byte offsets in ACTIVATIONS.
    static let packedInput: UInt64 = 0
    static let packedOutput: UInt64 = 256

    var weights: [[Int8]]  // [out][in]
    var aluShift = GemmLayer.shift

    init(seed: UInt64 = 1) {
        var rng = SplitMix64(seed)
        weights = (0..<16).map { _ in (0..<16).map { _ in Int8(truncatingIfNeeded: rng.next() % 15) &- 7 } }
    }

    /// The stream, one relocation per LOAD/STORE (see the listing's comments).
    var listing: String {
        """
        LOAD   UOP sram=0 dram=0 y=1 x=1 stride=1                                   # 0: uops
        LOAD   WGT sram=0 dram=0 y=1 x=1 stride=1                                   # 1: constants
        LOAD   INP sram=0 dram=0 y=1 x=16 stride=16 deps=push_next                 # 2: activations
        GEMM   reset=1 uop=0:1 iter=16,1 dst=1,0 src=1,0 wgt=0,0
        GEMM   reset=0 uop=0:1 iter=16,1 dst=1,0 src=1,0 wgt=0,0 deps=pop_prev
        ALU    SHR reset=0 uop=0:1 iter=16,1 dst=1,0 src=1,0 use_imm=1 imm=\(aluShift)
        ALU    MIN reset=0 uop=0:1 iter=16,1 dst=1,0 src=1,0 use_imm=1 imm=127
        ALU    MAX reset=0 uop=0:1 iter=16,1 dst=1,0 src=1,0 use_imm=1 imm=-128 deps=push_next
        STORE  OUT sram=5 dram=0 y=1 x=2 stride=4 deps=pop_prev                    # 8: row 1
        STORE  OUT sram=9 dram=0 y=1 x=2 stride=4 deps=push_prev                   # 9: row 2
        LOAD   UOP sram=0 dram=0 y=1 x=0 stride=0 deps=pop_next
        FINISH
        """
    }

    var relocations: [Vtac_Bundle_Relocation] {
        [
            relocation(0, .uops, 0, 0),
            relocation(1, .constants, 0, 1),
            relocation(2, .activations, GemmLayer.packedInput / 16, 2),
            // Output packed [1][1][4][4][1][16]: interior rows start at elements 5 and 9.
            relocation(8, .activations, GemmLayer.packedOutput / 16 + 5, 4),
            relocation(9, .activations, GemmLayer.packedOutput / 16 + 9, 4),
        ]
    }

    var hostInput: Vtac_Bundle_TensorRef { tensor(.host, 0, [1, 2, 2, 16]) }
    var hostOutput: Vtac_Bundle_TensorRef { tensor(.host, 64, [1, 2, 2, 16]) }
    var deviceInput: Vtac_Bundle_TensorRef {
        tensor(.activations, GemmLayer.packedInput, [1, 2, 2, 16], packed: true, halo: 1)
    }
    var deviceOutput: Vtac_Bundle_TensorRef {
        tensor(.activations, GemmLayer.packedOutput, [1, 2, 2, 16], packed: true, halo: 1)
    }

    func manifest() -> Vtac_Bundle_Manifest {
        var m = Vtac_Bundle_Manifest()
        m.producer = "CSDRuntimeTests"
        m.hardware = hardware()
        m.inputs = [ioTensor("input", hostInput)]
        m.outputs = [ioTensor("output", hostOutput)]
        m.inputRecordSize = 64
        m.outputRecordSize = 64
        var plan = Vtac_Bundle_MemoryPlan()
        plan.constantsSize = 256
        plan.activationsSize = 512
        plan.hostSize = 128
        plan.alignment = 4096
        m.memory = plan
        var segment = Vtac_Bundle_Segment()
        segment.index = 0
        segment.instructionOffset = 0
        segment.instructionCount = 12
        segment.relocations = relocations
        m.segments = [segment]
        m.steps = [
            copyStep(hostInput, deviceInput, "input_to_vta"), segmentStep(0),
            copyStep(deviceOutput, hostOutput, "output_to_cpu"),
        ]
        m.fills = [
            fill(.activations, GemmLayer.packedInput, 256, UInt32(GemmLayer.inputHalo)),
            fill(.activations, GemmLayer.packedOutput, 256, UInt32(GemmLayer.outputHalo)),
        ]
        var layer = Vtac_Bundle_Layer()
        layer.name = "gemm"
        layer.kind = "FULLY_CONNECTED"
        layer.device = .vta
        layer.segment = 0
        layer.instructionBegin = 0
        layer.instructionEnd = 12
        m.layers = [layer]
        return m
    }

    func bundle(manifest: Vtac_Bundle_Manifest? = nil, listing: String? = nil) throws -> CSDBundle {
        CSDBundle(
            manifest: manifest ?? self.manifest(), instructions: try assemble(listing ?? self.listing),
            uops: try assembleUops("UOP dst=0 src=0 wgt=0"),
            constants: weights.flatMap { $0.map { UInt8(bitPattern: $0) } })
    }

    /// What the layer computes, in Swift: NHWC [1, 2, 2, 16].
    func expected(_ input: [Int8]) -> [Int8] {
        var out: [Int8] = []
        for pixel in 0..<4 {
            for o in 0..<16 {
                var acc: Int32 = 0
                for k in 0..<16 { acc &+= Int32(input[pixel * 16 + k]) &* Int32(weights[o][k]) }
                out.append(Int8(Swift.max(-128, Swift.min(127, acc >> Int32(aluShift)))))
            }
        }
        return out
    }
}

/// The suite's deterministic generator, seeded positionally as this target calls it.
extension SplitMix64 {
    init(_ seed: UInt64) { self.init(seed: seed) }
}

// MARK: - Running through the API

/// A bundle opened through the C API; closed on deinit.
final class OpenBundle {
    let handle: OpaquePointer
    init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { csdrt_bundle_close(handle) }

    func infer(
        _ input: [UInt8], outputSize: Int? = nil
    ) -> (status: csdrt_status, output: [UInt8], message: String) {
        var output = [UInt8](repeating: 0, count: outputSize ?? Int(csdrt_bundle_output_record_size(handle)))
        var err = [CChar](repeating: 0, count: 512)
        let status = input.withUnsafeBytes { inp in
            output.withUnsafeMutableBytes { out in
                csdrt_bundle_infer(
                    handle, inp.baseAddress, inp.count, out.baseAddress, out.count, &err, err.count)
            }
        }
        return (status, output, text(err))
    }

    func region(_ region: Vtac_Bundle_Region) -> [UInt8] {
        var size: UInt64 = 0
        guard let p = csdrt_bundle_region(handle, UInt32(region.rawValue), &size) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: p, count: Int(size)))
    }
}

func defaultOptions() -> csdrt_options {
    var o = csdrt_options()
    csdrt_default_options(&o)
    return o
}

/// Opens bundle bytes; on failure returns the status and the message.
func openBundle(
    _ bytes: [UInt8], options: csdrt_options = defaultOptions()
) -> (bundle: OpenBundle?, status: csdrt_status, message: String) {
    var opts = options
    var handle: OpaquePointer?
    var err = [CChar](repeating: 0, count: 512)
    let status = bytes.withUnsafeBytes {
        csdrt_bundle_open($0.baseAddress, $0.count, &opts, &handle, &err, err.count)
    }
    return (handle.map(OpenBundle.init), status, text(err))
}

func statusName(_ s: csdrt_status) -> String { String(cString: csdrt_status_name(s)) }

// MARK: - The drive's input and output buffers

/// bundle | zero padding to 16 | records header (count, reserved) | records.
func driveInput(bundle: [UInt8], records: [[UInt8]], announced: UInt64? = nil, trailing: Int = 0) -> [UInt8] {
    var bytes = bundle
    while bytes.count % 16 != 0 { bytes.append(0) }
    let count = announced ?? UInt64(records.count)
    bytes += (0..<8).map { UInt8(truncatingIfNeeded: count >> (8 * $0)) } + [UInt8](repeating: 0, count: 8)
    for r in records { bytes += r }
    bytes += [UInt8](repeating: 0, count: trailing)
    return bytes
}

/// The output header the wrapper writes (HELPERS.md).
struct OutputHeader: Equatable {
    var done, stop, total, recordSize: UInt32
    init(_ bytes: [UInt8]) {
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        done = u32(0)
        stop = u32(4)
        total = u32(8)
        recordSize = u32(12)
    }
    init(done: UInt32, stop: UInt32, total: UInt32, recordSize: UInt32) {
        self.done = done
        self.stop = stop
        self.total = total
        self.recordSize = recordSize
    }
}

enum RuntimeFixtures {
    static func wrapper(_ name: String = "wrapper") throws -> [UInt8] {
        try Fixtures.bytes(Fixtures.path("Tests/Fixtures/runtime/\(name).o"))
    }
}

/// csd_host_run in memory.
func hostRun(
    elf: [UInt8], input: [UInt8], outputSize: Int, budget: UInt64 = 10_000_000
) -> (result: Int32, output: [UInt8], message: String) {
    var input = input
    var output = [UInt8](repeating: 0xEE, count: outputSize)
    var err = [CChar](repeating: 0, count: 1024)
    let result = elf.withUnsafeBytes { e in
        input.withUnsafeMutableBytes { i in
            output.withUnsafeMutableBytes { o in
                csd_host_run(
                    e.baseAddress, e.count, i.baseAddress, i.count, o.baseAddress, o.count, budget, &err,
                    err.count)
            }
        }
    }
    return (result, output, text(err))
}

func bytes(_ values: [Int8]) -> [UInt8] { values.map { UInt8(bitPattern: $0) } }
func int8s(_ values: ArraySlice<UInt8>) -> [Int8] { values.map { Int8(bitPattern: $0) } }

/// A NUL-terminated C buffer as a String.
func text(_ buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}
