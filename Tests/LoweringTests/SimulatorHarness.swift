import CVTASim
import Foundation
import Lowering
import Testing
import VTATarget

/// Runs a segment program on the reference simulator with its regions at fixed physical
/// addresses, the way the runtime will: place regions, relocate, encode, run, read back.
final class SimulatorHarness {
    /// Physical addresses are process-wide in the simulator and tests run in parallel: every
    /// harness gets its own 8 MiB window between the simulator tests' fixed addresses and the automatic allocations (0x1000_0000).
    nonisolated(unsafe) private static var counter = 0
    private static let lock = NSLock()
    let bases: [StreamRegion: Int]
    let target: Target
    let device: UnsafeMutableRawPointer
    private var buffers: [StreamRegion: UnsafeMutableRawPointer] = [:]
    private var extra: [UnsafeMutableRawPointer] = []
    /// The program the last `run` executed: `verify` of the same program checks the verifier's
    /// SRAM footprint against what the simulator addressed.
    private var lastRun: [Instruction]?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(target: Target, eager: Bool = false, poison: Bool = true) {
        self.target = target
        let id = Self.lock.withLock { () -> Int in
            Self.counter += 1
            return Self.counter % 28
        }
        let window = 0x0100_0000 + id * 0x0080_0000
        bases = [
            .constants: window, .activations: window + 0x0020_0000, .scratch: window + 0x0040_0000,
            .uops: window + 0x0060_0000,
        ]
        let c = target.config
        var config = VTASimConfig()
        config.LOG_INP_WIDTH = Int32(c.logInputWidth)
        config.LOG_WGT_WIDTH = Int32(c.logWeightWidth)
        config.LOG_ACC_WIDTH = Int32(c.logAccumulatorWidth)
        config.LOG_BATCH = Int32(c.logBatch)
        config.LOG_BLOCK_IN = Int32(c.logBlockIn)
        config.LOG_BLOCK_OUT = Int32(c.logBlockOut)
        config.LOG_UOP_BUFF_SIZE = Int32(c.logUopBufferSize)
        config.LOG_INP_BUFF_SIZE = Int32(c.logInputBufferSize)
        config.LOG_WGT_BUFF_SIZE = Int32(c.logWeightBufferSize)
        config.LOG_ACC_BUFF_SIZE = Int32(c.logAccumulatorBufferSize)
        config.profile = target.profile == .extended ? VTA_SIM_PROFILE_EXTENDED : VTA_SIM_PROFILE_STOCK
        device = VTASimDeviceAllocWithConfig(&config)!
        var options = VTASimOptions()
        VTASimDefaultOptions(&options)
        if eager { options.schedule = VTA_SIM_SCHED_EAGER }
        if poison { options.sram_init = VTA_SIM_SRAM_POISON }
        VTASimSetOptions(device, &options)
    }

    deinit {
        for b in buffers.values { VTAMemFree(b) }
        for b in extra { VTAMemFree(b) }
        VTADeviceFree(device)
    }

    /// Creates a region of `size` bytes holding `bytes` at its start.
    func region(_ region: StreamRegion, size: Int, bytes: [UInt8] = []) {
        let pointer = VTASimMemAllocAt(max(size, bytes.count, 1), UInt32(bases[region]!))!
        memset(pointer, 0, max(size, bytes.count, 1))
        if !bytes.isEmpty { bytes.withUnsafeBytes { _ = memcpy(pointer, $0.baseAddress!, bytes.count) } }
        buffers[region] = pointer
    }

    func read(_ region: StreamRegion, offset: Int, count: Int) -> [UInt8] {
        let pointer = buffers[region]! + offset
        return Array(UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: UInt8.self), count: count))
    }

    /// Places the micro-op image, relocates and runs the program.
    func run(_ program: SegmentProgram) throws {
        let codec = target.codec
        let uopBytes = try codec.encode(uops: program.uops)
        region(.uops, size: max(uopBytes.count, 4), bytes: uopBytes)
        let words = try codec.encode(stream: program.relocated(bases: bases, config: target.config))
        let stream = VTAMemAlloc(words.count, 0)!
        extra.append(stream)
        words.withUnsafeBytes { _ = memcpy(stream, $0.baseAddress!, words.count) }
        let status = VTADeviceRun(device, VTAMemGetPhyAddr(stream), UInt32(program.instructions.count), 0)
        if status != 0 { throw Failure(description: String(cString: VTASimLastError(device))) }
        lastRun = program.instructions
    }

    /// What the simulator counted over every run of this harness's device.
    func counters() -> VTASimCounters {
        var c = VTASimCounters()
        VTASimGetCounters(device, &c)
        return c
    }

    /// The static verifier's verdict on `program` with this harness's regions. When `program`
    /// is the one the simulator last ran, the verifier's SRAM high-water marks (its static
    /// analysis of every LOAD, STORE and micro-op loop) must equal what the simulator addressed.
    func verify(
        _ program: SegmentProgram, sizes: [StreamRegion: Int],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> VerificationReport {
        let report = program.verification(target: target, bases: bases, regionSizes: sizes)
        if lastRun == program.instructions, report.isSafe {
            var statically: [SRAMBuffer: Int] = [:]
            for tops in report.sramTops.values {
                statically.merge(tops) { max($0, $1) }
            }
            let c = counters()
            let simulated: [SRAMBuffer: Int] = [
                .uop: Int(c.sram_top_uop), .weight: Int(c.sram_top_wgt), .input: Int(c.sram_top_inp),
                .accumulator: Int(c.sram_top_acc),
            ].filter { $0.value > 0 }
            #expect(statically == simulated, "SRAM high-water marks", sourceLocation: sourceLocation)
        }
        return report
    }
}
