// The verifier's own work is bounded by the stream's size, not by what the stream asks the
// accelerator to do: loop counts cost nothing, rows and regions cost closed forms.
import CVTAISA
import Testing
import VTATarget

@Suite("C verifier work bounds")
struct BoundsTests {
    /// Time of one C verification.
    func timed(_ f: Fixture, _ stream: [Instruction], regions: [Region]? = nil) throws -> (CReport, Duration)
    {
        let bytes = try f.encode(stream)
        let regions = try regions ?? f.regions
        var report: CReport?
        let elapsed = ContinuousClock().measure {
            report = verifyC(VTAISAConfig(f.target), bytes, regions: regions)
        }
        return (report!, elapsed)
    }

    @Test(arguments: ["alkali", "cloud"])
    func hugeLoopsCostTheirMicroOps(targetName: String) throws {
        // 2^14-1 x 2^14-1 iterations of 8192 micro-ops, for GEMM and ALU: 2.2e12 executions each.
        let t = try shippedTarget(targetName)
        let c = t.config
        let n = c.depth(.uop)
        let uops = (0..<n).map {
            MicroOp(dst: $0 % c.depth(.accumulator), src: $0 % c.depth(.input), wgt: $0 % c.depth(.weight))
        }
        let f = Fixture(t, uops: uops)
        let huge = (1 << 14) - 1
        let stream = [
            f.loadUops, I.gemm(0..<n, iter: (huge, huge)), I.alu(.add, 0..<n, iter: (huge, huge), imm: 1),
            I.gemm(0..<n, iter: (huge, huge), reset: true), I.finish(),
        ]
        let (report, elapsed) = try timed(f, stream)
        #expect(report.isSafe, "\(report)")
        #expect(elapsed < .seconds(2), "\(elapsed)")
        _ = try f.check(stream)  // and the Swift verifier agrees
        // One factor more and the last iteration leaves ACC: found just as fast.
        let (bad, elapsed2) = try timed(
            f, [f.loadUops, I.gemm(0..<n, iter: (huge, huge), dst: (0, 1)), I.finish()])
        #expect(bad.has("sram.out-of-range") && elapsed2 < .seconds(2))
    }

    @Test func racesOverLargeIndexSetsAreCheap() throws {
        // A GEMM sweeping all of INP and ACC (2048 x 2 iterations, factors 1 and 1024), racing
        // with a LOAD INP that no token orders with it.
        let t = try shippedTarget("alkali")
        let f = Fixture(t, uops: [MicroOp(dst: 0, src: 0, wgt: 0)])
        let stream = [
            f.loadUops,
            I.load(.input, sram: 100, dram: f.inpBase, x: 8, deps: [.pushNext]),
            I.gemm(0..<1, iter: (1024, 2), dst: (1, 1024), src: (1, 1024)),
            I.computeNoop(deps: [.popPrev]), I.finish(),
        ]
        let (report, elapsed) = try timed(f, stream)
        #expect(report.findings.map(\.rule) == ["race.sram"], "\(report)")
        #expect(report.findings[0].message.contains("8 element(s), first INP[100]"), "\(report)")
        #expect(elapsed < .seconds(1))
        _ = try f.check(stream)
        // Ordered through the token, it is safe.
        var ordered = stream
        ordered[2].deps = [.popPrev]
        ordered[3].deps = []
        try f.expectSafe(ordered)
    }

    @Test func longStreamsAreLinear() throws {
        let t = try shippedTarget("alkali")
        let small = DoubleBuffered(fixture: Fixture(t), tiles: 300)
        _ = try small.fixture.check(small.stream, regions: try small.regions)
        // 4000 tiles: 24 010 instructions.
        let big = DoubleBuffered(fixture: Fixture(t), tiles: 4000)
        let (report, elapsed) = try timed(big.fixture, big.stream, regions: try big.regions)
        #expect(report.isSafe, "\(report)")
        #expect(elapsed < .seconds(5), "\(elapsed)")
    }

    @Test func rowsAndRegionsCostClosedForms() throws {
        // 65535 rows with stride 1 over 300 one-row regions placed back to back: rows are
        // checked region by region, not one by one.
        let t = try shippedTarget("alkali")
        let f = Fixture(t)
        let e = t.config.dramElementBytes(.output)
        var regions: [Region] = (0..<300).map {
            Region(name: "r\($0)", base: 0x100000 + $0 * 256 * e, size: 256 * e, types: [.output])
        }
        regions.append(
            Region(name: "rest", base: 0x100000 + 300 * 256 * e, size: 65536 * e, types: [.output]))
        let store = I.store(
            sram: 0, dram: 0x100000 / e, y: 65535, x: 1, stride: 1, deps: [.popPrev, .pushPrev])
        let stream = [I.computeNoop(deps: [.pushNext]), store, I.computeNoop(deps: [.popNext]), I.finish()]
        let (report, elapsed) = try timed(f, stream, regions: regions)
        // Only the OUT buffer is too small for 65535 rows; every row is in some region.
        #expect(report.rules == ["sram.out-of-range"], "\(report)")
        #expect(elapsed < .seconds(1))
        // With one region missing in the middle, the first row outside is named.
        var holed = regions
        holed.remove(at: 150)
        let (r2, _) = try timed(f, stream, regions: holed)
        #expect(
            r2.findings.contains {
                $0.rule == "dram.outside-region" && $0.message.contains("row \(150 * 256) ")
            }, "\(r2)")
        _ = try f.check(stream, regions: holed)
    }
}
