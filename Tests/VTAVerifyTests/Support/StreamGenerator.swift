// Random instruction streams for the differential tests: mostly plausible (fields near the
// buffer and region edges, dependency tokens that usually balance), with injected mistakes.
import VTATarget

struct StreamGenerator {
    var r: Rand
    let fixture: Fixture
    /// Tokens available in each queue in program order (l2g, g2l, g2s, s2g).
    private var tokens = [0, 0, 0, 0]
    /// Random dependency bits instead of balanced ones.
    private var wild = false
    /// Only plausible fields: in range, no injected mistakes (most such streams are safe).
    private var clean = false

    init(seed: UInt64, fixture: Fixture) {
        r = Rand(seed)
        self.fixture = fixture
    }

    private var config: HardwareConfig { fixture.config }

    private mutating func sram(_ buffer: SRAMBuffer) -> Int {
        let depth = config.depth(buffer)
        if clean { return r.below(min(32, depth / 2)) }
        switch r.below(10) {
        case 0..<7: return r.below(min(64, depth))
        case 7..<9: return max(0, depth - 1 - r.below(8))
        default: return r.below(min(depth, 1 << 16))
        }
    }

    private mutating func dram(_ type: MemoryType) -> Int {
        let f = fixture
        let base: Int
        switch type {
        case .uop: base = f.uopBase
        case .input: base = f.inpBase
        case .weight: base = f.wgtBase
        case .accumulator: base = f.accBase
        case .acc8Bit: base = f.acc8Base
        case .output: base = f.outBase
        }
        if clean { return base + r.below(Fixture.elements / 2) }
        switch r.below(20) {
        case 0..<16:
            let n = type == .uop ? f.uops.count : Fixture.elements
            return max(0, base + r.below(n + 4) - 2)
        case 16..<18:
            return r.pick([f.inpBase, f.wgtBase, f.accBase, f.outBase, f.uopBase]) + r.below(4)
        default:
            let top = (1 << 32) / config.dramElementBytes(type)
            return r.chance(50) ? top - 1 - r.below(4) : Int(r.next() % UInt64(top))
        }
    }

    private mutating func deps(_ module: ExecutionModule) -> DependencyFlags {
        var d: DependencyFlags = []
        if wild {
            for flag in [DependencyFlags.popPrev, .popNext, .pushPrev, .pushNext] where r.chance(15) {
                d.insert(flag)
            }
            return d
        }
        func pop(_ q: Int, _ flag: DependencyFlags, _ p: Int) -> DependencyFlags {
            if tokens[q] > 0, r.chance(p) {
                tokens[q] -= 1
                return flag
            }
            return []
        }
        switch module {
        case .load:
            d.formUnion(pop(1, .popNext, 50))
            if r.chance(40) {
                d.insert(.pushNext)
                tokens[0] += 1
            }
        case .compute:
            d.formUnion(pop(0, .popPrev, 50))
            d.formUnion(pop(3, .popNext, 50))
            if r.chance(25) {
                d.insert(.pushPrev)
                tokens[1] += 1
            }
            if r.chance(25) {
                d.insert(.pushNext)
                tokens[2] += 1
            }
        case .store:
            d.formUnion(pop(2, .popPrev, 60))
            if r.chance(40) {
                d.insert(.pushPrev)
                tokens[3] += 1
            }
        }
        if !clean, r.chance(3) {
            d.formSymmetricDifference(r.pick([.popPrev, .popNext, .pushPrev, .pushNext]))
        }
        return d
    }

    private mutating func pads(_ percent: Int) -> (Int, Int, Int, Int) {
        r.chance(percent) ? (r.below(3), r.below(3), r.below(3), r.below(3)) : (0, 0, 0, 0)
    }

    private mutating func transfer(_ type: MemoryType, store: Bool) -> Instruction {
        let y = type == .uop && (clean || r.chance(90)) ? 1 : r.below(4)
        let x = r.chance(8) ? 0 : 1 + r.below(clean && type == .uop ? fixture.uops.count : 8)
        let stride = r.chance(10) ? 0 : x + r.below(3)
        let buffer = type.buffer
        let module: ExecutionModule =
            store ? .store : (type == .input || type == .weight ? .load : .compute)
        let m = MemoryInstruction(
            memoryType: type, sramBase: sram(buffer), dramBase: dram(type), ySize: y, xSize: x,
            xStride: stride,
            yPad0: 0, yPad1: 0, xPad0: 0, xPad1: 0, deps: deps(module))
        var padded = m
        let mayPad = !(type == .uop || type == .weight || store)
        (padded.yPad0, padded.yPad1, padded.xPad0, padded.xPad1) = pads(mayPad ? 20 : clean ? 0 : 4)
        if clean, type == .uop { padded.dramBase = fixture.uopBase + r.below(fixture.uops.count - x + 1) }
        return store ? .store(padded) : .load(padded)
    }

    private mutating func loop(alu: Bool) -> (UopLoop, (Int, Int)) {
        let n = fixture.uops.count
        var bgn = r.below(n + 2)
        var end = bgn + r.below(4)
        if clean {
            bgn = r.below(n)
            end = min(n, bgn + 1 + r.below(3))
        }
        if !clean, r.chance(3) { (bgn, end) = (end + 1, bgn) }
        if !clean, r.chance(2) { end = config.depth(.uop) + r.below(2) }
        var iter = (1 + r.below(4), 1 + r.below(4))
        var huge = false
        if !clean, r.chance(5) { iter = (r.below(2), r.below(3)) }
        if r.chance(4) {
            iter = ((1 << 14) - 1 - r.below(2), (1 << 14) - 1 - r.below(2))
            huge = true
        }
        func factor(_ buffer: SRAMBuffer) -> Int {
            if huge { return 0 }
            let depth = config.depth(buffer)
            return !clean && r.chance(10) ? r.below(depth) : r.below(4)
        }
        let src: SRAMBuffer = alu ? .accumulator : .input
        let l = UopLoop(
            uopBegin: bgn, uopEnd: end, iterOut: iter.0, iterIn: iter.1, dstFactorOut: factor(.accumulator),
            dstFactorIn: factor(.accumulator), srcFactorOut: factor(src), srcFactorIn: factor(src))
        return (l, (factor(.weight), factor(.weight)))
    }

    mutating func instruction() -> Instruction {
        switch r.below(100) {
        case 0..<12: return transfer(.input, store: false)
        case 12..<19: return transfer(.weight, store: false)
        case 19..<27: return transfer(.uop, store: false)
        case 27..<33: return transfer(.accumulator, store: false)
        case 33..<35: return transfer(.acc8Bit, store: false)
        case 35..<36 where !clean: return transfer(.output, store: false)
        case 35..<48: return transfer(clean || r.chance(92) ? .output : r.pick([.uop, .input]), store: true)
        case 48..<70:
            let (l, w) = loop(alu: false)
            return .gemm(
                GemmInstruction(
                    reset: r.chance(30), loop: l, wgtFactorOut: w.0, wgtFactorIn: w.1, deps: deps(.compute)))
        case 70..<92:
            let (l, _) = loop(alu: true)
            let op = r.pick(AluOpcode.allCases)
            let useImm = r.chance(60)
            let imm = op == .shr ? (clean ? r.below(32) - 16 : r.below(41) - 20) : r.below(65536) - 32768
            return .alu(
                AluInstruction(
                    opcode: op, loop: l, useImmediate: useImm, immediate: useImm || r.chance(50) ? imm : 0,
                    reset: r.chance(3), deps: deps(.compute)))
        case 92..<94 where !clean: return .finish(FinishInstruction(deps: deps(.compute)))
        case 94..<97: return I.load(.input, dram: 0, x: 0, deps: deps(.load))
        default: return I.computeNoop(deps: deps(.compute))
        }
    }

    /// A stream of 1..<maxLength instructions, usually with an epilogue that drains every queue
    /// and orders FINISH after the last load and store.
    mutating func stream(maxLength: Int = 24) -> [Instruction] {
        tokens = [0, 0, 0, 0]
        clean = r.chance(50)
        wild = !clean && r.chance(25)
        var s: [Instruction] = clean ? [fixture.loadUops] : []
        for _ in 0..<(1 + r.below(maxLength)) { s.append(instruction()) }
        if wild || (!clean && r.chance(10)) {
            if r.chance(85) { s.append(I.finish()) }
            return s
        }
        // Epilogue: drain g2l on the load module, g2s on the store module, then one compute no-op
        // per remaining l2g / s2g token; the last load and store signal compute.
        while tokens[1] > 0 {
            tokens[1] -= 1
            s.append(I.load(.input, dram: 0, x: 0, deps: [.popNext]))
        }
        if s.contains(where: { $0.module == .load }) {
            s.append(I.load(.input, dram: 0, x: 0, deps: [.pushNext]))
            tokens[0] += 1
        }
        while tokens[2] > 0 {
            tokens[2] -= 1
            s.append(I.store(.uop, dram: 0, x: 0, deps: [.popPrev]))
        }
        if s.contains(where: { $0.module == .store }) {
            s.append(I.store(.uop, dram: 0, x: 0, deps: [.pushPrev]))
            tokens[3] += 1
        }
        while tokens[0] > 0 || tokens[3] > 0 {
            var d: DependencyFlags = []
            if tokens[0] > 0 {
                tokens[0] -= 1
                d.insert(.popPrev)
            }
            if tokens[3] > 0 {
                tokens[3] -= 1
                d.insert(.popNext)
            }
            s.append(I.computeNoop(deps: d))
        }
        s.append(I.finish())
        return s
    }

    /// The fixture's regions, sometimes with an extra opaque UOP region, a region shared by
    /// several types, or one region missing.
    /// (Call after `stream()`: clean streams keep every region.)
    mutating func regions() throws -> [Region] {
        var regions = try fixture.regions
        if !clean, r.chance(20) { regions.remove(at: r.below(regions.count)) }
        if r.chance(20) {
            regions.append(
                Region(
                    name: "opaque", base: fixture.uopBase * 4 + 4 * fixture.uops.count, size: 64,
                    types: [.uop]))
        }
        if r.chance(20) {
            regions.append(
                Region(
                    name: "shared", base: 0x20000, size: 0xC0000,
                    types: [.input, .weight, .output, .accumulator]))
        }
        return regions
    }

    /// A random micro-op image: small indices, some near the ends of the buffers.
    static func uops(_ r: inout Rand, config: HardwareConfig) -> [MicroOp] {
        (0..<(8 + r.below(40))).map { _ in
            func index(_ b: SRAMBuffer) -> Int {
                r.chance(97) ? r.below(32) : config.depth(b) - 1 - r.below(4)
            }
            return MicroOp(
                dst: index(.accumulator), src: min(index(.input), config.depth(.accumulator) - 1),
                wgt: index(.weight))
        }
    }
}
