// Instruction builders and a small DRAM layout shared by the tests; instructions are encoded with
// VTATarget's InstructionCodec (bit-exact, independently of the C decoder under test).
import Testing
import VTATarget

/// Short constructors for typed instructions.
enum I {
    static func load(
        _ type: MemoryType, sram: Int = 0, dram: Int, y: Int = 1, x: Int, stride: Int? = nil,
        pad: (Int, Int, Int, Int) = (0, 0, 0, 0), deps: DependencyFlags = []
    ) -> Instruction {
        .load(
            MemoryInstruction(
                memoryType: type, sramBase: sram, dramBase: dram, ySize: y, xSize: x, xStride: stride ?? x,
                yPad0: pad.0, yPad1: pad.1, xPad0: pad.2, xPad1: pad.3, deps: deps))
    }

    static func store(
        _ type: MemoryType = .output, sram: Int = 0, dram: Int, y: Int = 1, x: Int, stride: Int? = nil,
        pad: (Int, Int, Int, Int) = (0, 0, 0, 0), deps: DependencyFlags = []
    ) -> Instruction {
        .store(
            MemoryInstruction(
                memoryType: type, sramBase: sram, dramBase: dram, ySize: y, xSize: x, xStride: stride ?? x,
                yPad0: pad.0, yPad1: pad.1, xPad0: pad.2, xPad1: pad.3, deps: deps))
    }

    static func loop(
        _ uops: Range<Int>, iter: (Int, Int), dst: (Int, Int), src: (Int, Int)
    ) -> UopLoop {
        UopLoop(
            uopBegin: uops.lowerBound, uopEnd: uops.upperBound, iterOut: iter.0, iterIn: iter.1,
            dstFactorOut: dst.0, dstFactorIn: dst.1, srcFactorOut: src.0, srcFactorIn: src.1)
    }

    static func gemm(
        _ uops: Range<Int>, iter: (Int, Int) = (1, 1), dst: (Int, Int) = (0, 0), src: (Int, Int) = (0, 0),
        wgt: (Int, Int) = (0, 0), reset: Bool = false, deps: DependencyFlags = []
    ) -> Instruction {
        .gemm(
            GemmInstruction(
                reset: reset, loop: loop(uops, iter: iter, dst: dst, src: src), wgtFactorOut: wgt.0,
                wgtFactorIn: wgt.1, deps: deps))
    }

    static func alu(
        _ op: AluOpcode, _ uops: Range<Int>, iter: (Int, Int) = (1, 1), dst: (Int, Int) = (0, 0),
        src: (Int, Int) = (0, 0), imm: Int? = nil, deps: DependencyFlags = []
    ) -> Instruction {
        .alu(
            AluInstruction(
                opcode: op, loop: loop(uops, iter: iter, dst: dst, src: src), useImmediate: imm != nil,
                immediate: imm ?? 0, deps: deps))
    }

    static func finish(deps: DependencyFlags = []) -> Instruction { .finish(FinishInstruction(deps: deps)) }

    /// A compute-module no-op that only moves tokens (upstream's idiom: LOAD UOP with x = 0).
    static func computeNoop(deps: DependencyFlags) -> Instruction { load(.uop, dram: 0, x: 0, deps: deps) }
}

/// A DRAM layout for one target: a micro-op image and one region per memory type, at element
/// addresses that are aligned for every shipped configuration.
struct Fixture {
    let target: Target
    var uops: [MicroOp]

    var config: HardwareConfig { target.config }
    var codec: InstructionCodec { target.codec }

    /// Element addresses (each region starts at a byte address that is a multiple of 64 KiB).
    var uopBase: Int { 0x10000 / 4 }
    var inpBase: Int { 0x20000 / config.dramElementBytes(.input) }
    var wgtBase: Int { 0x40000 / config.dramElementBytes(.weight) }
    var accBase: Int { 0x80000 / config.dramElementBytes(.accumulator) }
    var acc8Base: Int { 0xA0000 / config.dramElementBytes(.acc8Bit) }
    var outBase: Int { 0xC0000 / config.dramElementBytes(.output) }
    /// Elements per data region.
    static let elements = 256

    init(_ target: Target, uops: [MicroOp] = (0..<16).map { MicroOp(dst: $0, src: $0, wgt: $0) }) {
        self.target = target
        self.uops = uops
    }

    var regions: [Region] {
        get throws {
            let n = Self.elements
            return [
                try Region.uops("uops", at: uopBase, uops, codec: codec),
                Region.elements("inp", .input, at: inpBase, count: n, config: config),
                Region.elements("wgt", .weight, at: wgtBase, count: n, config: config),
                Region.elements("acc", .accumulator, at: accBase, count: n, config: config),
                Region.elements("acc8", .acc8Bit, at: acc8Base, count: n, config: config),
                Region.elements("out", .output, at: outBase, count: n, config: config),
            ]
        }
    }

    /// LOAD UOP of the whole image into slots 0..<count.
    var loadUops: Instruction { I.load(.uop, dram: uopBase, x: uops.count) }

    func encode(_ stream: [Instruction]) throws -> [UInt8] { try codec.encode(stream: stream) }

    /// Both verifiers; the test fails if they disagree.
    func check(
        _ stream: [Instruction], regions: [Region]? = nil, fifoDepth: Int = 1024,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CReport {
        try check(
            bytes: encode(stream), regions: regions, fifoDepth: fifoDepth, sourceLocation: sourceLocation)
    }

    func check(
        bytes: [UInt8], regions: [Region]? = nil, fifoDepth: Int = 1024,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CReport {
        let result = try differential(target, bytes, regions: regions ?? self.regions, fifoDepth: fifoDepth)
        #expect(result.difference == nil, "\(result.difference ?? "")", sourceLocation: sourceLocation)
        return result.c
    }

    /// The stream is rejected, and `rule` is among the findings (at `index` if given; nil for a
    /// stream-level finding when `streamLevel`).
    @discardableResult
    func expectRule(
        _ rule: String, at index: Int?, _ stream: [Instruction], regions: [Region]? = nil,
        fifoDepth: Int = 1024,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CReport {
        let report = try check(stream, regions: regions, fifoDepth: fifoDepth, sourceLocation: sourceLocation)
        #expect(!report.isSafe, "expected \(rule)", sourceLocation: sourceLocation)
        #expect(
            report.findings.contains { $0.rule == rule && $0.index == index },
            "expected \(rule) at \(index.map(String.init) ?? "stream"): \(report)",
            sourceLocation: sourceLocation)
        return report
    }

    /// The stream is safe for both verifiers (no errors at all for Swift, races included).
    func expectSafe(
        _ stream: [Instruction], regions: [Region]? = nil, fifoDepth: Int = 1024,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let bytes = try encode(stream)
        let report = try check(
            bytes: bytes, regions: regions, fifoDepth: fifoDepth, sourceLocation: sourceLocation)
        #expect(report.isSafe, "\(report)", sourceLocation: sourceLocation)
        let swift = try verifySwift(target, bytes, regions: regions ?? self.regions, fifoDepth: fifoDepth)
        #expect(swift.isSafe, "\(swift)", sourceLocation: sourceLocation)
    }
}

/// A TVM-style double-buffered stream using all four queues: `tiles` input tiles alternate
/// between two INP and two ACC buffers, one weight tile is loaded once; loads wait for compute
/// to release a buffer (g2l), compute waits for loads (l2g) and for stores to drain an
/// accumulator buffer (s2g), stores wait for compute (g2s). Upstream's epilogue orders FINISH
/// after the last load and store and leaves every queue empty.
struct DoubleBuffered {
    let fixture: Fixture
    let tiles: Int
    /// Elements per tile (one uop, iter_in = block).
    let block = 16

    var stream: [Instruction] {
        let f = fixture
        var s: [Instruction] = [
            I.load(.uop, dram: f.uopBase, x: 2),
            I.load(.weight, sram: 0, dram: f.wgtBase, x: 1),
        ]
        for t in 0..<tiles {
            let b = t % 2
            s.append(
                I.load(
                    .input, sram: block * b, dram: f.inpBase + block * t, x: block,
                    deps: t >= 2 ? [.popNext, .pushNext] : [.pushNext]))
            // Reset waits until the store of tile t-2 has drained this accumulator buffer.
            s.append(
                I.gemm(
                    b..<(b + 1), iter: (1, block), dst: (0, 1), reset: true, deps: t >= 2 ? [.popNext] : []))
            s.append(
                I.gemm(b..<(b + 1), iter: (1, block), dst: (0, 1), src: (0, 1), deps: [.popPrev, .pushPrev]))
            s.append(I.alu(.max, b..<(b + 1), iter: (1, block), dst: (0, 1), src: (0, 1), imm: -128))
            s.append(
                I.alu(
                    .min, b..<(b + 1), iter: (1, block), dst: (0, 1), src: (0, 1), imm: 127, deps: [.pushNext]
                ))
            s.append(
                I.store(sram: block * b, dram: f.outBase + block * t, x: block, deps: [.popPrev, .pushPrev]))
        }
        // Drain: the loads of the last two tiles left g2l tokens, the last two stores s2g tokens.
        let drains = min(2, tiles)
        for k in 0..<drains {
            s.append(
                I.load(.input, dram: 0, x: 0, deps: k == drains - 1 ? [.popNext, .pushNext] : [.popNext]))
        }
        if drains == 0 { s.append(I.load(.input, dram: 0, x: 0, deps: [.pushNext])) }
        for k in 0..<drains {
            s.append(I.computeNoop(deps: k == drains - 1 ? [.popNext, .popPrev] : [.popNext]))
        }
        if drains == 0 { s.append(I.computeNoop(deps: [.popPrev])) }
        s.append(I.finish())
        return s
    }

    /// Regions covering exactly what the stream touches.
    var regions: [Region] {
        get throws {
            let f = fixture
            let c = f.config
            return [
                try Region.uops(
                    "kernel", at: f.uopBase, [MicroOp(dst: 0, src: 0), MicroOp(dst: block, src: block)],
                    codec: f.codec),
                Region.elements("input", .input, at: f.inpBase, count: block * tiles, config: c),
                Region.elements("weights", .weight, at: f.wgtBase, count: 1, config: c),
                Region.elements("output", .output, at: f.outBase, count: block * tiles, config: c),
            ]
        }
    }
}
