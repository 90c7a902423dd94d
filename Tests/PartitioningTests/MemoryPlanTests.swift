import GraphIR
import Partitioning
import TFLite
import Testing
import VTATarget

/// Liveness and peak memory on small graphs checked by hand.
@Suite struct MemoryPlanTests {
    /// in(host) → A → B → C (all VTA) → out(host): packed [1,4,4,16] tensors are 256 bytes.
    /// Device tensors: in@vta (alive 0–1), a (1–2), b (2–3), c (3–4). Two at a time: peak 512.
    @Test func chainPeakIsTwoTensors() throws {
        var s = GraphSketch()
        for name in ["in", "a", "b", "c"] { s.tensor(name, [1, 4, 4, 16]) }
        s.inputs = ["in"]
        s.outputs = ["c"]
        s.node("A", ["in"], "a")
        s.node("B", ["a"], "b")
        s.node("C", ["b"], "c")
        let target = try Target.load(name: "alkali")
        let placed = DevicePlacement.place(s.graph, preferences: [.vta, .vta, .vta])
        let memory = MemoryPlanner.plan(placed, target: target)
        #expect(memory.activationsWithoutReuse == 4 * 256)
        #expect(memory.activationsSize == 512)
        #expect(memory.activationSaving == 512)
        // Host: the input (alive 0) and the output copy c@cpu.
        #expect(memory.hostWithoutReuse == 256 + 256)
    }

    /// Channels pad up to BLOCK: a [1,2,2,17] tensor packs as 2 blocks: 2·2·2·16 = 128 bytes.
    @Test func channelPadding() throws {
        var s = GraphSketch()
        s.tensor("in", [1, 2, 2, 17])
        s.tensor("out", [1, 2, 2, 17])
        s.inputs = ["in"]
        s.outputs = ["out"]
        s.node("A", ["in"], "out")
        let memory = MemoryPlanner.plan(
            DevicePlacement.place(s.graph, preferences: [.vta]), target: try Target.load(name: "alkali"))
        let sizes = memory.allocations.values.filter { $0.region == .activations }.map(\.size)
        #expect(sizes == [128, 128])
    }
}

@Suite struct SegmentSplittingTests {
    @Test func splitsBetweenLayersAtTheLimit() {
        let segments = [Segment(index: 0, nodes: [0, 1, 2, 3]), Segment(index: 1, nodes: [5])]
        let split = SegmentSplitting.split(
            segments, instructions: [0: 40, 1: 50, 2: 20, 3: 90, 5: 10], limit: 100)
        #expect(split.map(\.nodes) == [[0, 1], [2], [3], [5]])
        #expect(split.map(\.index) == [0, 1, 2, 3])
        // Under the limit nothing changes.
        #expect(
            SegmentSplitting.split(segments, instructions: [0: 1, 1: 1, 2: 1, 3: 1, 5: 1], limit: 100).count
                == 2)
    }
}
