import CVTAISA
import Foundation
// Runs the C stream verifier (CVTAISA) and the Swift one (VTATarget.StreamVerifier) on the same
// encoded stream and DRAM regions, and puts their findings side by side.
import TestSupport
import VTATarget

/// The repository's Schedules folder, found from this file (Tests/VTAVerifyTests/Support/).
let schedulesRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
        "Schedules", isDirectory: true)

/// A shipped target (alkali, pynq, fsim, cloud), loaded from the repository.
func shippedTarget(_ name: String) throws -> Target {
    try Target.load(name: name, schedulesRoots: [schedulesRoot])
}

extension VTAISAConfig {
    /// The C configuration of a target: same keys, same profile.
    init(_ target: Target) {
        self.init()
        let c = target.config
        LOG_INP_WIDTH = Int32(c.logInputWidth)
        LOG_WGT_WIDTH = Int32(c.logWeightWidth)
        LOG_ACC_WIDTH = Int32(c.logAccumulatorWidth)
        LOG_BATCH = Int32(c.logBatch)
        LOG_BLOCK_IN = Int32(c.logBlockIn)
        LOG_BLOCK_OUT = Int32(c.logBlockOut)
        LOG_UOP_BUFF_SIZE = Int32(c.logUopBufferSize)
        LOG_INP_BUFF_SIZE = Int32(c.logInputBufferSize)
        LOG_WGT_BUFF_SIZE = Int32(c.logWeightBufferSize)
        LOG_ACC_BUFF_SIZE = Int32(c.logAccumulatorBufferSize)
        profile = target.profile == .extended ? VTA_ISA_PROFILE_EXTENDED : VTA_ISA_PROFILE_STOCK
    }
}

/// A DRAM region both verifiers are told about. With `host`, it is also a micro-op image
/// (when it allows UOP): the C verifier reads micro-ops through the host view, the Swift one
/// gets the same words as a `UopImage`.
struct Region {
    var name: String
    /// Physical byte address.
    var base: Int
    var size: Int
    var types: Set<MemoryType>
    var host: [UInt8]? = nil

    /// A region of `count` elements of `type` starting at element `element`.
    static func elements(
        _ name: String, _ type: MemoryType, at element: Int, count: Int, config: HardwareConfig,
        also: Set<MemoryType> = []
    ) -> Region {
        let size = config.dramElementBytes(type)
        return Region(name: name, base: element * size, size: count * size, types: Set([type]).union(also))
    }

    /// A micro-op image at micro-op element `element` holding `uops`.
    static func uops(
        _ name: String, at element: Int, _ uops: [MicroOp], codec: InstructionCodec
    ) throws -> Region {
        Region(
            name: name, base: element * 4, size: uops.count * 4, types: [.uop],
            host: try codec.encode(uops: uops))
    }
}

/// One finding, as both verifiers can report it.
struct Finding: Hashable, CustomStringConvertible {
    /// nil: about the stream as a whole.
    var index: Int?
    var rule: String
    var message: String = ""

    static func == (a: Finding, b: Finding) -> Bool { a.index == b.index && a.rule == b.rule }
    func hash(into h: inout Hasher) {
        h.combine(index)
        h.combine(rule)
    }

    var description: String { "\(index.map { "#\($0)" } ?? "stream") [\(rule)] \(message)" }
}

/// Findings ordered the way the Swift verifier orders them: by index, stream-level last, stable.
func sorted(_ findings: [Finding]) -> [Finding] {
    findings.enumerated().sorted { a, b in
        let (ia, ib) = (a.element.index ?? Int.max, b.element.index ?? Int.max)
        return ia != ib ? ia < ib : a.offset < b.offset
    }.map(\.element)
}

/// What the C verifier said about a stream.
struct CReport: CustomStringConvertible {
    /// vta_verify_stream's return value: the number of errors.
    var result: Int32
    /// Every finding, in the order the verifier found them.
    var findings: [Finding]
    /// The `first` finding vta_verify_stream returned.
    var first: Finding?

    var isSafe: Bool { result == 0 }
    var rules: Set<String> { Set(findings.map(\.rule)) }
    func has(_ rule: String) -> Bool { findings.contains { $0.rule == rule } }

    var description: String {
        result == 0
            ? "safe" : "\(result) error(s):\n" + sorted(findings).map(\.description).joined(separator: "\n")
    }
}

private final class FindingSink {
    var findings: [Finding] = []
}

private func string<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
}

private func convert(_ f: VTAVerifyFinding) -> Finding {
    Finding(
        index: f.instruction == UInt32.max ? nil : Int(f.instruction), rule: string(f.rule),
        message: string(f.message))
}

/// Runs the C verifier through both entry points and checks they agree.
func verifyC(
    _ config: VTAISAConfig, _ bytes: [UInt8], regions: [Region], fifoDepth: Int = 1024
) -> CReport {
    // Stable C copies of the names and host views for the duration of the call.
    let names = regions.map { strdup($0.name)! }
    let hosts: [UnsafeMutableRawPointer?] = regions.map { r in
        guard let host = r.host else { return nil }
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(1, host.count), alignment: 16)
        host.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: host.count) }
        return p
    }
    defer {
        names.forEach { free($0) }
        hosts.forEach { $0?.deallocate() }
    }
    let cRegions = regions.indices.map { i in
        VTAVerifyRegion(
            name: UnsafePointer(names[i]), phys_base: UInt32(regions[i].base), size: UInt64(regions[i].size),
            memory_types: regions[i].types.reduce(0) { $0 | (UInt32(1) << UInt32($1.rawValue)) },
            host: UnsafeRawPointer(hosts[i]))
    }
    var cfg = config
    let sink = FindingSink()
    var first = VTAVerifyFinding()
    var first2 = VTAVerifyFinding()
    let count = UInt32(bytes.count / 16)
    let (result, plain): (Int32, Int32) = bytes.withUnsafeBufferPointer { words in
        cRegions.withUnsafeBufferPointer { regionBuffer in
            var options = VTAVerifyOptions()
            options.fifo_depth = UInt32(fifoDepth)
            options.context = Unmanaged.passUnretained(sink).toOpaque()
            options.on_finding = { context, reported in
                let sink = Unmanaged<FindingSink>.fromOpaque(context!).takeUnretainedValue()
                sink.findings.append(convert(reported!.pointee))
            }
            let r = vta_verify_stream_ex(
                &cfg, words.baseAddress, count, regionBuffer.baseAddress, UInt32(regionBuffer.count),
                &options,
                &first)
            let p = vta_verify_stream(
                &cfg, words.baseAddress, count, regionBuffer.baseAddress, UInt32(regionBuffer.count),
                UInt32(fifoDepth), &first2)
            return (r, p)
        }
    }
    precondition(result == plain, "vta_verify_stream and vta_verify_stream_ex disagree")
    precondition(convert(first) == convert(first2))
    return CReport(result: result, findings: sink.findings, first: result == 0 ? nil : convert(first))
}

/// The Swift verifier's errors for the same inputs. Regions with a host view allowing UOP become
/// micro-op images (their words decoded with the target's codec).
func verifySwift(
    _ target: Target, _ bytes: [UInt8], regions: [Region], fifoDepth: Int = 1024
) throws
    -> VerificationReport
{
    var target = target
    target.fifoDepth = fifoDepth
    let images = try regions.filter { $0.host != nil && $0.types.contains(.uop) }.map { r in
        precondition(r.base % 4 == 0, "micro-op images must be 4-byte aligned")
        return UopImage(
            name: r.name, dramBase: r.base / 4,
            uops: try target.codec.decode(uops: Array(r.host!.prefix(r.size / 4 * 4))))
    }
    let dram = regions.map {
        DRAMRegion(name: $0.name, bytes: $0.base..<($0.base + $0.size), memoryTypes: $0.types)
    }
    return StreamVerifier(target: target, uopImages: images, dramRegions: dram).verify(encoded: bytes)
}

/// Rules of the Swift verifier the C one does not check (none: only warnings differ).
let swiftOnlyRules: Set<String> = []
/// Rules of the C verifier the Swift one does not have.
let cOnlyRules: Set<String> = ["load.uop-rows"]

/// Swift's errors as comparable findings (warnings are not compared).
func comparable(_ report: VerificationReport) -> [Finding] {
    report.errors.filter { !swiftOnlyRules.contains($0.rule.rawValue) }.map {
        Finding(index: $0.index, rule: $0.rule.rawValue, message: $0.message)
    }
}

/// Both verifiers on one stream: the C findings (sorted, C-only rules removed) must equal the
/// Swift errors (race rules removed), index for index and rule for rule. Returns a description
/// of the difference, or nil.
func differential(
    _ target: Target, _ bytes: [UInt8], regions: [Region], fifoDepth: Int = 1024
) throws -> (c: CReport, swift: VerificationReport, difference: String?) {
    let c = verifyC(VTAISAConfig(target), bytes, regions: regions, fifoDepth: fifoDepth)
    let s = try verifySwift(target, bytes, regions: regions, fifoDepth: fifoDepth)
    let cList = sorted(c.findings.filter { !cOnlyRules.contains($0.rule) })
    let sList = comparable(s)
    var difference: String?
    if cList != sList {
        difference =
            "C:\n" + cList.map(\.description).joined(separator: "\n") + "\nSwift:\n"
            + sList.map(\.description).joined(separator: "\n")
    } else if c.result != Int32(c.findings.count) {
        difference = "C returned \(c.result) but reported \(c.findings.count) findings"
    } else if let first = c.first, first != sorted(c.findings).first {
        difference = "C's first finding \(first) is not the lowest-indexed one \(sorted(c.findings).first!)"
    }
    return (c, s, difference)
}

/// Deterministic pseudo-random numbers (SplitMix64).
struct Rand {
    var source: SplitMix64
    init(_ seed: UInt64) { source = SplitMix64(seed: seed) }
    mutating func next() -> UInt64 { source.next() }
    /// 0..<n
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    /// true with probability p percent.
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
