// A thin Swift wrapper over the simulator's C API for the tests: one device, its DRAM buffers
// (freed with it), and element geometry computed here from the configuration, independently of C.
import CVTASim

extension VTASimConfig {
    /// The pynq / Alkali default, stock profile.
    static var pynq: VTASimConfig {
        var c = VTASimConfig()
        VTASimDefaultConfig(&c)
        return c
    }

    /// A 1x32 "cloud" core with larger buffers. (The brief's example, INP 2^17 / WGT 2^20 /
    /// ACC 2^19 / UOP 2^17, does not fit the 32-bit micro-op and the 128-bit GEMM word: see
    /// LayoutTests.) ACC depth 2^10, INP depth 2^12, WGT depth 2^10: the uop is exactly
    /// 10 + 12 + 10 = 32 bits and GEMM's second word exactly 64.
    static var cloud: VTASimConfig {
        var c = VTASimConfig.pynq
        c.LOG_BLOCK_IN = 5
        c.LOG_BLOCK_OUT = 5
        c.LOG_UOP_BUFF_SIZE = 15
        c.LOG_INP_BUFF_SIZE = 17
        c.LOG_WGT_BUFF_SIZE = 20
        c.LOG_ACC_BUFF_SIZE = 17
        return c
    }

    var extended: VTASimConfig {
        var c = self
        c.profile = VTA_SIM_PROFILE_EXTENDED
        return c
    }
}

/// Sizes the tests need, derived from a configuration (spec §1).
struct Geometry {
    let batch, blockIn, blockOut: Int
    let inpBytes, wgtBytes, accBytes, outBytes: Int
    let uopDepth, inpDepth, wgtDepth, accDepth: Int

    init(_ c: VTASimConfig) {
        batch = 1 << Int(c.LOG_BATCH)
        blockIn = 1 << Int(c.LOG_BLOCK_IN)
        blockOut = 1 << Int(c.LOG_BLOCK_OUT)
        inpBytes = batch * blockIn
        wgtBytes = blockOut * blockIn
        accBytes = batch * blockOut * 4
        outBytes = batch * blockOut
        uopDepth = (1 << Int(c.LOG_UOP_BUFF_SIZE)) / 4
        inpDepth = (1 << Int(c.LOG_INP_BUFF_SIZE)) / inpBytes
        wgtDepth = (1 << Int(c.LOG_WGT_BUFF_SIZE)) / wgtBytes
        accDepth = (1 << Int(c.LOG_ACC_BUFF_SIZE)) / accBytes
    }
}

/// A buffer in simulated DRAM.
struct DRAM {
    let ptr: UnsafeMutableRawPointer
    let phy: UInt32
    let size: Int

    /// dram_base of this buffer for elements of `elemBytes` bytes.
    func base(_ elemBytes: Int) -> Int {
        precondition(Int(phy) % elemBytes == 0, "buffer not aligned to its element size")
        return Int(phy) / elemBytes
    }

    func write<T>(_ values: [T], atByte offset: Int = 0) {
        precondition(offset + values.count * MemoryLayout<T>.stride <= size)
        values.withUnsafeBytes { VTAMemCopyFromHost(ptr + offset, $0.baseAddress, $0.count) }
    }

    func read<T: FixedWidthInteger>(_: T.Type, count: Int, atByte offset: Int = 0) -> [T] {
        precondition(offset + count * MemoryLayout<T>.stride <= size)
        var out = [T](repeating: 0, count: count)
        out.withUnsafeMutableBytes { VTAMemCopyToHost($0.baseAddress, ptr + offset, $0.count) }
        return out
    }
}

struct SimError: Error, CustomStringConvertible {
    let description: String
}

final class Sim {
    let dev: VTADeviceHandle
    let config: VTASimConfig
    let enc: Encoder
    let geo: Geometry
    private var buffers: [UnsafeMutableRawPointer] = []

    init(_ config: VTASimConfig = .pynq, options: (inout VTASimOptions) -> Void = { _ in }) throws {
        var cfg = config
        guard let dev = VTASimDeviceAllocWithConfig(&cfg) else {
            throw SimError(description: "device allocation failed")
        }
        guard let layout = Layout.derive(config) else {
            VTADeviceFree(dev)
            throw SimError(description: "layout does not fit")
        }
        self.dev = dev
        self.config = config
        self.enc = Encoder(layout: layout)
        self.geo = Geometry(config)
        var opts = VTASimOptions()
        VTASimDefaultOptions(&opts)
        options(&opts)
        guard VTASimSetOptions(dev, &opts) == 0 else {
            VTADeviceFree(dev)
            throw SimError(description: "bad options")
        }
    }

    deinit {
        for b in buffers { VTAMemFree(b) }
        VTADeviceFree(dev)
    }

    func alloc(_ bytes: Int) -> DRAM {
        let p = VTAMemAlloc(bytes, Int32(VTA_CACHED))!
        buffers.append(p)
        return DRAM(ptr: p, phy: VTAMemGetPhyAddr(p), size: bytes)
    }

    func buffer<T>(_ values: [T]) -> DRAM {
        let b = alloc(max(1, values.count * MemoryLayout<T>.stride))
        b.write(values)
        return b
    }

    /// Places the stream in DRAM and runs it. Returns VTADeviceRun's status.
    @discardableResult
    func run(_ insns: [Insn]) -> Int32 {
        let words = buffer(insns.flatMap(\.bytes))
        return VTADeviceRun(dev, words.phy, UInt32(insns.count), 1_000_000)
    }

    /// Runs a stream that must succeed.
    func runOK(_ insns: [Insn]) throws {
        let rc = run(insns)
        if rc != 0 { throw SimError(description: "run failed (\(rc)): \(error)") }
    }

    var error: String { String(cString: VTASimLastError(dev)) }
    var errorCode: Int32 { VTASimLastErrorCode(dev) }

    var counters: VTASimCounters {
        var c = VTASimCounters()
        VTASimGetCounters(dev, &c)
        return c
    }

    func setOptions(_ change: (inout VTASimOptions) -> Void) {
        var o = VTASimOptions()
        VTASimGetOptions(dev, &o)
        change(&o)
        precondition(VTASimSetOptions(dev, &o) == 0)
    }

    /// Raw SRAM contents (lanes of `count` elements from `index`).
    func sram<T: FixedWidthInteger>(_ mem: Int32, _ index: Int, count: Int, as: T.Type) -> [T]? {
        let lanes: Int
        switch mem {
        case VTA_SIM_MEM_UOP: lanes = 1
        case VTA_SIM_MEM_WGT: lanes = geo.wgtBytes
        case VTA_SIM_MEM_INP: lanes = geo.inpBytes
        case VTA_SIM_MEM_ACC: lanes = geo.accBytes / 4
        default: lanes = geo.outBytes
        }
        var out = [T](repeating: 0, count: lanes * count)
        let rc = out.withUnsafeMutableBytes {
            VTASimReadSRAM(dev, mem, UInt32(index), UInt32(count), $0.baseAddress)
        }
        return rc == 0 ? out : nil
    }

    func acc(_ index: Int, count: Int = 1) -> [Int32] {
        sram(VTA_SIM_MEM_ACC, index, count: count, as: Int32.self)!
    }
    func inp(_ index: Int, count: Int = 1) -> [Int8] {
        sram(VTA_SIM_MEM_INP, index, count: count, as: Int8.self)!
    }

    /// Loads micro-ops into UOP SRAM [0, uops.count) (a LOAD UOP instruction for a stream).
    func uopLoad(_ uops: [UInt32], at sram: Int = 0, deps: Deps = []) -> Insn {
        let b = buffer(uops)
        return enc.load(.uop, sram: sram, dram: b.base(4), x: uops.count, deps: deps)
    }
}

/// Deterministic pseudo-random numbers (tests must be reproducible).
struct Rand {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
    mutating func int8() -> Int8 { Int8(truncatingIfNeeded: next()) }
    mutating func int32(_ range: ClosedRange<Int32>) -> Int32 {
        let span = UInt64(Int64(range.upperBound) - Int64(range.lowerBound) + 1)
        return Int32(Int64(range.lowerBound) + Int64(next() % span))
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
