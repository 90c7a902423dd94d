import Partitioning
import Testing

@Suite struct ArenaPlannerTests {
    /// A chain a → b → c: a and c never live together, so c reuses a's bytes.
    @Test func chainReusesMemory() {
        let plan = ArenaPlanner.plan([
            BufferRequest(id: 0, size: 100, alignment: 1, firstUse: 0, lastUse: 1),
            BufferRequest(id: 1, size: 50, alignment: 1, firstUse: 1, lastUse: 2),
            BufferRequest(id: 2, size: 100, alignment: 1, firstUse: 2, lastUse: 3),
        ])
        #expect(plan.peak == 150)
        #expect(plan.withoutReuse == 250)
        #expect(plan.saving == 100)
        #expect(plan.offsets[0] == plan.offsets[2])
    }

    /// Buffers alive at the same time never overlap; alignment is respected.
    @Test func liveBuffersNeverOverlap() {
        var rng: UInt64 = 12345
        func next(_ bound: Int) -> Int {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((rng >> 33) % UInt64(bound))
        }
        for _ in 0..<50 {
            var requests: [BufferRequest] = []
            for id in 0..<20 {
                let start = next(30)
                requests.append(
                    BufferRequest(
                        id: id, size: 1 + next(500), alignment: 1 << next(7), firstUse: start,
                        lastUse: start + next(10)))
            }
            let plan = ArenaPlanner.plan(requests)
            for a in requests {
                let offset = plan.offsets[a.id]!
                #expect(offset % a.alignment == 0)
                #expect(offset + a.size <= plan.peak)
                for b in requests where a.id < b.id && a.firstUse <= b.lastUse && b.firstUse <= a.lastUse {
                    let ob = plan.offsets[b.id]!
                    #expect(
                        offset + a.size <= ob || ob + b.size <= offset, "buffers \(a.id) and \(b.id) overlap")
                }
            }
            #expect(plan.peak <= plan.withoutReuse)
        }
    }

    /// Hand-checked: three buffers all alive at step 1 need their sum; a fourth later reuses.
    @Test func handCheckedPeak() {
        let plan = ArenaPlanner.plan([
            BufferRequest(id: 0, size: 64, alignment: 64, firstUse: 0, lastUse: 1),
            BufferRequest(id: 1, size: 10, alignment: 64, firstUse: 1, lastUse: 1),
            BufferRequest(id: 2, size: 64, alignment: 64, firstUse: 1, lastUse: 2),
            BufferRequest(id: 3, size: 128, alignment: 64, firstUse: 2, lastUse: 3),
        ])
        // Largest first: 3 at 0 (alive 2-3); 0 at 0 (alive 0-1, no overlap in time with 3);
        // 2 must avoid 3 (0..<128) → 128, and 0 is fine; 1 avoids 0 (0..<64) and 2 (128..<192) → 64.
        #expect(plan.offsets == [3: 0, 0: 0, 2: 128, 1: 64])
        #expect(plan.peak == 192)
    }
}
