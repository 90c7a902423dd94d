// Shared by the EBPF*Tests: the reference objects, an independent ELF reader (so the writer is
// not checked against its own reader), runs through csd_host_run and through our VM with fake
// helpers, a small GEMM bundle (copied from Tests/CSDRuntimeTests), llvm-objdump.
import Bundle
import CEBPF
import CSDHost
import CSDRuntime
import Foundation
import TestSupport
import VTATarget

// MARK: - Fixtures

enum EBPFFixture {
    /// `Tests/Fixtures/ebpf-wrapper/<name>`.
    static func path(_ name: String) -> String { Fixtures.path("Tests/Fixtures/ebpf-wrapper/\(name)") }

    static func bytes(_ name: String) throws -> [UInt8] { try Fixtures.bytes(path(name)) }

    static func text(_ name: String) throws -> String { String(decoding: try bytes(name), as: UTF8.self) }

    /// The C reference wrapper (Tests/Fixtures/runtime/wrapper.o).
    static func referenceWrapper() throws -> [UInt8] {
        try Fixtures.bytes(Fixtures.path("Tests/Fixtures/runtime/wrapper.o"))
    }

    /// The generated wrapper with the default description.
    static func generatedWrapper(
        _ description: CSDWrapperDescription = CSDWrapperDescription()
    ) throws -> [UInt8] {
        try CSDWrapperProgram.object(description)
    }
}

// MARK: - Reading ELF without the module's reader

/// The raw fields of an ELF64 little-endian object, read directly.
struct RawELF {
    struct Section: Equatable {
        var name: String
        var type: UInt32
        var flags: UInt64
        var offset: Int
        var size: Int
        var link: UInt32
        var info: UInt32
        var alignment: UInt64
        var entrySize: UInt64
    }

    struct Symbol: Equatable {
        var name: String
        var info: UInt8
        var other: UInt8
        var section: UInt16
        var value: UInt64
        var size: UInt64
        var bind: UInt8 { info >> 4 }
        var type: UInt8 { info & 0xF }
    }

    struct Rel: Equatable {
        var offset: UInt64
        var type: UInt32
        var symbol: Int
    }

    let bytes: [UInt8]
    var sections: [Section] = []

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        let shoff = Int(u(0x28, 8)), shnum = Int(u(0x3C, 2)), shstrndx = Int(u(0x3E, 2))
        var raw: [(UInt32, Section)] = []
        for i in 0..<shnum {
            let p = shoff + 64 * i
            raw.append(
                (
                    UInt32(u(p, 4)),
                    Section(
                        name: "", type: UInt32(u(p + 4, 4)), flags: u(p + 8, 8), offset: Int(u(p + 24, 8)),
                        size: Int(u(p + 32, 8)), link: UInt32(u(p + 40, 4)), info: UInt32(u(p + 44, 4)),
                        alignment: u(p + 48, 8), entrySize: u(p + 56, 8))
                ))
        }
        let names = raw[shstrndx].1
        sections = raw.map { name, s in
            var s = s
            s.name = Self.cString(bytes, names.offset + Int(name))
            return s
        }
    }

    func u(_ at: Int, _ n: Int) -> UInt64 { (0..<n).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) } }

    static func cString(_ bytes: [UInt8], _ at: Int) -> String {
        String(decoding: bytes[at...].prefix { $0 != 0 }, as: UTF8.self)
    }

    func section(_ name: String) -> Section? { sections.first { $0.name == name } }

    func contents(_ s: Section) -> [UInt8] { Array(bytes[s.offset..<s.offset + s.size]) }

    var symbols: [Symbol] {
        guard let symtab = sections.first(where: { $0.type == 2 }) else { return [] }
        let strtab = sections[Int(symtab.link)]
        return (0..<symtab.size / 24).map { i in
            let p = symtab.offset + 24 * i
            return Symbol(
                name: Self.cString(bytes, strtab.offset + Int(u(p, 4))), info: bytes[p + 4],
                other: bytes[p + 5],
                section: UInt16(u(p + 6, 2)), value: u(p + 8, 8), size: u(p + 16, 8))
        }
    }

    var rels: [Rel] {
        guard let rel = sections.first(where: { $0.type == 9 }) else { return [] }
        return (0..<rel.size / 16).map { i in
            let p = rel.offset + 16 * i
            let info = u(p + 8, 8)
            return Rel(offset: u(p, 8), type: UInt32(info & 0xFFFF_FFFF), symbol: Int(info >> 32))
        }
    }

    var header: (type: UInt16, machine: UInt16, version: UInt32, shentsize: UInt16, shnum: UInt16) {
        (UInt16(u(16, 2)), UInt16(u(18, 2)), UInt32(u(20, 4)), UInt16(u(58, 2)), UInt16(u(60, 2)))
    }
}

// MARK: - Our VM

/// Loads an object into a fresh Alkali-flavored VM with the runtime's helper names registered
/// (as no-ops): the loader's verdict and message.
func ebpfLoad(
    _ elf: [UInt8], helpers: [(UInt32, String)]? = nil
) -> (status: ebpf_status, message: String, slots: Int) {
    let vm = ebpf_vm_create()!
    defer { ebpf_vm_destroy(vm) }
    let noop: ebpf_helper_fn = { _, _, _, _, _ in 0 }
    for (index, name) in helpers ?? CSDRuntimeHelper.allCases.map({ (UInt32($0.index), $0.name) }) {
        _ = ebpf_vm_register_helper(vm, index, name, noop)
    }
    var err = [CChar](repeating: 0, count: 512)
    let status = ebpf_vm_load_elf(vm, elf, elf.count, &err, err.count)
    return (status, ebpfText(err), ebpf_vm_instruction_count(vm))
}

func ebpfText(_ buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

// MARK: - A fake runtime

/// Helpers that answer from a script and record every call with its pointers made relative
/// to the program's buffers, so two wrappers can be compared call by call.
final class FakeRuntime {
    struct Script: Sendable {
        var openFails = false
        var openError: UInt64 = 5
        var handle: UInt64 = 7
        var count: UInt64 = 3
        var countError: UInt64 = 21
        var inputRecordSize: UInt64 = 64
        var outputRecordSize: UInt64 = 32
        var payload: UInt64 = 48
        /// csd_infer fails at this record (0-based) with `inferError`.
        var failAt: Int? = nil
        var inferError: UInt64 = 19
    }

    var script: Script
    var calls: [String] = []
    var infers = 0
    var input: UInt64 = 0, inputLength: UInt64 = 0, output: UInt64 = 0, outputLength: UInt64 = 0

    init(_ script: Script) { self.script = script }

    static var current: FakeRuntime {
        Unmanaged<FakeRuntime>.fromOpaque(ebpf_vm_user(ebpf_current_vm())!).takeUnretainedValue()
    }

    /// A pointer as "in+N", "out+N", or a plain number.
    func describe(_ v: UInt64) -> String {
        if v >= input && v <= input &+ inputLength { return "in+\(v - input)" }
        if v >= output && v <= output &+ outputLength { return "out+\(v - output)" }
        return "\(v)"
    }

    func call(_ helper: CSDRuntimeHelper, _ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        let args = [a, b, c].prefix(helper.argumentCount).map(describe).joined(separator: ", ")
        calls.append("\(helper.name)(\(args))")
        let s = script
        switch helper {
        case .open: return s.openFails ? 0 : s.handle
        case .payloadSize: return s.payload
        case .recordCount: return s.count
        case .inputRecordSize: return s.inputRecordSize
        case .outputRecordSize: return s.outputRecordSize
        case .infer:
            defer { infers += 1 }
            if infers == s.failAt { return s.inferError }
            // Writes a recognizable result: the record's index in every byte.
            if let p = UnsafeMutablePointer<UInt8>(bitPattern: UInt(c)) {
                p.update(repeating: UInt8(truncatingIfNeeded: infers + 1), count: Int(s.outputRecordSize))
            }
            return 0
        case .lastError: return s.openFails ? s.openError : s.countError
        case .close: return 0
        }
    }

    static func function(_ helper: CSDRuntimeHelper) -> ebpf_helper_fn {
        switch helper {
        case .open: { a, b, c, _, _ in FakeRuntime.current.call(.open, a, b, c) }
        case .payloadSize: { a, b, c, _, _ in FakeRuntime.current.call(.payloadSize, a, b, c) }
        case .recordCount: { a, b, c, _, _ in FakeRuntime.current.call(.recordCount, a, b, c) }
        case .inputRecordSize: { a, b, c, _, _ in FakeRuntime.current.call(.inputRecordSize, a, b, c) }
        case .outputRecordSize: { a, b, c, _, _ in FakeRuntime.current.call(.outputRecordSize, a, b, c) }
        case .infer: { a, b, c, _, _ in FakeRuntime.current.call(.infer, a, b, c) }
        case .lastError: { a, b, c, _, _ in FakeRuntime.current.call(.lastError, a, b, c) }
        case .close: { a, b, c, _, _ in FakeRuntime.current.call(.close, a, b, c) }
        }
    }

    struct Run: Equatable {
        var status: ebpf_status
        var message: String
        var r0: UInt64
        var output: [UInt8]
        var calls: [String]
    }

    /// Runs `elf` over `inputLength` zero bytes with an output of `outputLength` bytes.
    static func run(
        _ elf: [UInt8], _ script: Script, inputLength: Int = 4096, outputLength: Int = 4096
    ) -> Run {
        let fake = FakeRuntime(script)
        let vm = ebpf_vm_create()!
        defer { ebpf_vm_destroy(vm) }
        ebpf_vm_set_user(vm, Unmanaged.passUnretained(fake).toOpaque())
        for helper in CSDRuntimeHelper.allCases {
            _ = ebpf_vm_register_helper(vm, UInt32(helper.index), helper.name, function(helper))
        }
        var err = [CChar](repeating: 0, count: 512)
        let loaded = ebpf_vm_load_elf(vm, elf, elf.count, &err, err.count)
        guard loaded == EBPF_OK else {
            return Run(status: loaded, message: ebpfText(err), r0: 0, output: [], calls: [])
        }
        var input = [UInt8](repeating: 0, count: inputLength)
        var output = [UInt8](repeating: 0, count: outputLength)
        var r0: UInt64 = 0
        let status = input.withUnsafeMutableBytes { i in
            output.withUnsafeMutableBytes { o in
                fake.input = UInt64(UInt(bitPattern: i.baseAddress))
                fake.inputLength = UInt64(i.count)
                fake.output = UInt64(UInt(bitPattern: o.baseAddress))
                fake.outputLength = UInt64(o.count)
                return ebpf_vm_run(
                    vm, i.baseAddress, i.count, o.baseAddress, o.count, 1_000_000, &r0, &err, err.count)
            }
        }
        return Run(status: status, message: ebpfText(err), r0: r0, output: output, calls: fake.calls)
    }
}

// MARK: - csd_host_run

struct EBPFHostRun {
    var result: Int32
    var output: [UInt8]
    var message: String
    var report: csd_host_report
}

/// csd_host_run_with in memory (the output buffer starts as 0xEE bytes; the host zeroes it).
func ebpfHostRun(
    elf: [UInt8], input: [UInt8], outputSize: Int, budget: UInt64 = 10_000_000,
    configure: (inout csd_host_options) -> Void = { _ in }
) -> EBPFHostRun {
    var input = input
    var output = [UInt8](repeating: 0xEE, count: outputSize)
    var err = [CChar](repeating: 0, count: 1024)
    var options = csd_host_options()
    csd_host_default_options(&options)
    options.budget = budget
    configure(&options)
    var report = csd_host_report()
    let result = elf.withUnsafeBytes { e in
        input.withUnsafeMutableBytes { i in
            output.withUnsafeMutableBytes { o in
                csd_host_run_with(
                    &options, e.baseAddress, e.count, i.baseAddress, i.count, o.baseAddress, o.count, &report,
                    &err,
                    err.count)
            }
        }
    }
    return EBPFHostRun(result: result, output: output, message: ebpfText(err), report: report)
}

/// The status header (HELPERS.md).
struct EBPFOutputHeader: Equatable, CustomStringConvertible {
    var done, stop, total, recordSize: UInt32

    init(_ bytes: [UInt8]) {
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        (done, stop, total, recordSize) = (u32(0), u32(4), u32(8), u32(12))
    }

    init(done: UInt32, stop: UInt32, total: UInt32, recordSize: UInt32) {
        (self.done, self.stop, self.total, self.recordSize) = (done, stop, total, recordSize)
    }

    var description: String { "done \(done), stop \(stop), total \(total), record size \(recordSize)" }
}

/// bundle | zero padding to 16 | records header (count, reserved) | records | trailing zeros.
func ebpfDriveInput(
    bundle: [UInt8], records: [[UInt8]], announced: UInt64? = nil, trailing: Int = 0
) -> [UInt8] {
    var bytes = bundle
    while bytes.count % 16 != 0 { bytes.append(0) }
    let count = announced ?? UInt64(records.count)
    bytes += (0..<8).map { UInt8(truncatingIfNeeded: count >> (8 * $0)) } + [UInt8](repeating: 0, count: 8)
    for r in records { bytes += r }
    bytes += [UInt8](repeating: 0, count: trailing)
    return bytes
}

// MARK: - A GEMM bundle (from Tests/CSDRuntimeTests/RuntimeTestSupport.swift)

/// One GEMM layer on the accelerator: a 1x2x2x16 int8 record in, 64 bytes out.
struct EBPFGemmBundle {
    static let config = try! HardwareConfig()
    var weights: [[Int8]]

    init(seed: UInt64 = 1) {
        var rng = SplitMix64(seed)
        weights = (0..<16).map { _ in (0..<16).map { _ in Int8(truncatingIfNeeded: rng.next() % 15) &- 7 } }
    }

    static func hardware(profile: Vtac_Bundle_IsaProfile = .stock) -> Vtac_Bundle_Hardware {
        var h = Vtac_Bundle_Hardware()
        h.targetName = "alkali"
        h.hwVer = "0.0.2"
        h.logInpWidth = 3
        h.logWgtWidth = 3
        h.logAccWidth = 5
        h.logBatch = 0
        h.logBlockIn = 4
        h.logBlockOut = 4
        h.logUopBuffSize = 15
        h.logInpBuffSize = 15
        h.logWgtBuffSize = 18
        h.logAccBuffSize = 17
        h.profile = profile
        h.clockMhz = 200
        h.busWidthBits = 64
        return h
    }

    static func tensor(
        _ region: Vtac_Bundle_Region, _ offset: UInt64, packed: Bool = false, halo: UInt32 = 0
    ) -> Vtac_Bundle_TensorRef {
        var t = Vtac_Bundle_TensorRef()
        t.region = region
        t.offset = offset
        t.shape = [1, 2, 2, 16]
        t.type = .int8
        t.layout = packed ? .vtaPacked : .nhwc
        (t.haloTop, t.haloBottom, t.haloLeft, t.haloRight) = (halo, halo, halo, halo)
        return t
    }

    static func io(_ name: String, _ storage: Vtac_Bundle_TensorRef) -> Vtac_Bundle_IOTensor {
        var io = Vtac_Bundle_IOTensor()
        io.name = name
        io.shape = storage.shape
        io.type = storage.type
        io.size = 64
        io.storage = storage
        return io
    }

    static func relocation(
        _ instruction: UInt32, _ region: Vtac_Bundle_Region, _ elementOffset: UInt64, _ memoryType: UInt32
    ) -> Vtac_Bundle_Relocation {
        var r = Vtac_Bundle_Relocation()
        r.instruction = instruction
        r.region = region
        r.elementOffset = elementOffset
        r.memoryType = memoryType
        return r
    }

    static func copy(
        _ from: Vtac_Bundle_TensorRef, _ to: Vtac_Bundle_TensorRef, _ name: String
    ) -> Vtac_Bundle_Step {
        var c = Vtac_Bundle_Copy()
        c.from = from
        c.to = to
        c.name = name
        var s = Vtac_Bundle_Step()
        s.kind = .copy(c)
        return s
    }

    static func fill(_ offset: UInt64, _ value: UInt32) -> Vtac_Bundle_Fill {
        var f = Vtac_Bundle_Fill()
        f.region = .activations
        f.offset = offset
        f.size = 256
        f.value = value
        return f
    }

    static let listing = """
        LOAD   UOP sram=0 dram=0 y=1 x=1 stride=1
        LOAD   WGT sram=0 dram=0 y=1 x=1 stride=1
        LOAD   INP sram=0 dram=0 y=1 x=16 stride=16 deps=push_next
        GEMM   reset=1 uop=0:1 iter=16,1 dst=1,0 src=1,0 wgt=0,0
        GEMM   reset=0 uop=0:1 iter=16,1 dst=1,0 src=1,0 wgt=0,0 deps=pop_prev
        ALU    SHR reset=0 uop=0:1 iter=16,1 dst=1,0 src=1,0 use_imm=1 imm=4
        ALU    MIN reset=0 uop=0:1 iter=16,1 dst=1,0 src=1,0 use_imm=1 imm=127
        ALU    MAX reset=0 uop=0:1 iter=16,1 dst=1,0 src=1,0 use_imm=1 imm=-128 deps=push_next
        STORE  OUT sram=5 dram=0 y=1 x=2 stride=4 deps=pop_prev
        STORE  OUT sram=9 dram=0 y=1 x=2 stride=4 deps=push_prev
        LOAD   UOP sram=0 dram=0 y=1 x=0 stride=0 deps=pop_next
        FINISH
        """

    func manifest(profile: Vtac_Bundle_IsaProfile = .stock) -> Vtac_Bundle_Manifest {
        typealias B = EBPFGemmBundle
        let hostInput = B.tensor(.host, 0), hostOutput = B.tensor(.host, 64)
        let deviceInput = B.tensor(.activations, 0, packed: true, halo: 1)
        let deviceOutput = B.tensor(.activations, 256, packed: true, halo: 1)
        var m = Vtac_Bundle_Manifest()
        m.producer = "BundleTests"
        m.hardware = B.hardware(profile: profile)
        m.inputs = [B.io("input", hostInput)]
        m.outputs = [B.io("output", hostOutput)]
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
        segment.relocations = [
            B.relocation(0, .uops, 0, 0), B.relocation(1, .constants, 0, 1),
            B.relocation(2, .activations, 0, 2),
            B.relocation(8, .activations, 16 + 5, 4), B.relocation(9, .activations, 16 + 9, 4),
        ]
        m.segments = [segment]
        var run = Vtac_Bundle_RunSegment()
        run.segment = 0
        var runStep = Vtac_Bundle_Step()
        runStep.kind = .runSegment(run)
        m.steps = [
            B.copy(hostInput, deviceInput, "input_to_vta"), runStep,
            B.copy(deviceOutput, hostOutput, "output_to_cpu"),
        ]
        m.fills = [B.fill(0, 0x05), B.fill(256, 0x7F)]
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

    func encoded(profile: Vtac_Bundle_IsaProfile = .stock) throws -> [UInt8] {
        let config = EBPFGemmBundle.config
        let codec = InstructionCodec(config: config)
        return try CSDBundle(
            manifest: manifest(profile: profile),
            instructions: try codec.encode(
                stream: AssemblyText.assemble(EBPFGemmBundle.listing, config: config)),
            uops: try codec.encode(uops: AssemblyText.assembleUops("UOP dst=0 src=0 wgt=0", config: config)),
            constants: weights.flatMap { $0.map { UInt8(bitPattern: $0) } }
        ).encode()
    }

    /// What the layer computes: NHWC [1, 2, 2, 16], (x · w) >> 4 clamped to int8.
    func expected(_ input: [Int8]) -> [Int8] {
        var out: [Int8] = []
        for pixel in 0..<4 {
            for o in 0..<16 {
                var acc: Int32 = 0
                for k in 0..<16 { acc &+= Int32(input[pixel * 16 + k]) &* Int32(weights[o][k]) }
                out.append(Int8(Swift.max(-128, Swift.min(127, acc >> 4))))
            }
        }
        return out
    }
}

/// The suite's deterministic generator, seeded positionally as this target calls it.
extension SplitMix64 {
    init(_ seed: UInt64) { self.init(seed: seed) }
}

// MARK: - llvm-objdump

enum LLVMObjdump {
    /// The toolchain's llvm-objdump (LLVM 21 with Swift 6.3), else one on PATH.
    static let executable: String? = {
        var candidates = ["/opt/swift/usr/bin/llvm-objdump"]
        if let path = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":") {
            candidates += path.map { "\($0)/llvm-objdump" }
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Whether it is LLVM 21 or later, whose syntax (hex immediates) the disassembler follows.
    static let isLLVM21OrLater: Bool = {
        guard let executable, let run = try? run(executable, ["--version"]) else { return false }
        guard let range = run.stdout.range(of: "LLVM version ") else { return false }
        let major = Int(run.stdout[range.upperBound...].prefix { $0.isNumber }) ?? 0
        return major >= 21
    }()

    static func run(
        _ tool: String, _ arguments: [String]
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self)
        )
    }

    /// `llvm-objdump <arguments> <a temporary file holding elf>`.
    static func disassemble(
        _ elf: [UInt8], _ arguments: [String] = ["-dr", "--mcpu=v2"]
    ) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let path = try Fixtures.temporaryFile(elf, name: "wrapper.o")
        defer {
            try? FileManager.default.removeItem(
                atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        }
        return try run(executable!, arguments + [path])
    }
}
