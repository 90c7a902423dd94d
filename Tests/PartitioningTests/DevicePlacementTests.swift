import GraphIR
import Partitioning
import Testing

@Suite struct DevicePlacementTests {
    /// A residual block whose branches and ADD arguments can be listed in either order:
    /// x → conv1 → (main: conv2 → conv3) + (shortcut: clamp) → add → softmax.
    /// conv*: VTA; clamp and add: either; softmax: CPU.
    func residualBlock(mainFirst: Bool, swapAddArguments: Bool) -> (Graph, [PlacementPreference]) {
        var s = GraphSketch()
        for name in ["x", "a", "b", "c", "d", "e"] { s.tensor(name, [1, 8, 8, 16]) }
        s.tensor("p", [1, 10])
        s.inputs = ["x"]
        s.outputs = ["p"]
        var prefs: [PlacementPreference] = []
        s.node("conv1", ["x"], "a")
        prefs.append(.vta)
        let main: (inout GraphSketch, inout [PlacementPreference]) -> Void = { s, prefs in
            s.node("conv2", ["a"], "b")
            prefs.append(.vta)
            s.node("conv3", ["b"], "c")
            prefs.append(.vta)
        }
        let shortcut: (inout GraphSketch, inout [PlacementPreference]) -> Void = { s, prefs in
            s.node("clamp", ["a"], "d")
            prefs.append(.either)
        }
        if mainFirst {
            main(&s, &prefs)
            shortcut(&s, &prefs)
        } else {
            shortcut(&s, &prefs)
            main(&s, &prefs)
        }
        s.node("add", swapAddArguments ? ["d", "c"] : ["c", "d"], "e")
        prefs.append(.either)
        s.node("softmax", ["e"], "p")
        prefs.append(.cpu)
        return (s.graph, prefs)
    }

    @Test func residualBlockPlacementIgnoresListingOrder() {
        var seen: [[String: Device]] = []
        for mainFirst in [true, false] {
            for swap in [true, false] {
                let (graph, prefs) = residualBlock(mainFirst: mainFirst, swapAddArguments: swap)
                let placed = DevicePlacement.place(graph, preferences: prefs)
                seen.append(GraphSketch.devicesByName(placed.graph).filter { !$0.key.contains("@") })
                #expect(placed.deviceRuns == 1)
                // x into VTA, e back to the CPU for softmax: two copies, whatever the order.
                #expect(placed.copyCount == 2)
            }
        }
        #expect(seen.allSatisfy { $0 == seen[0] })
        #expect(seen[0]["clamp"] == .vta && seen[0]["add"] == .vta)
    }

    /// in → A(vta) → B(cpu) → C(vta) → out: four copies (in, A→B, B→C, out) and two device runs.
    @Test func alternatingDevices() {
        var s = GraphSketch()
        for name in ["in", "a", "b", "out"] { s.tensor(name, [1, 16]) }
        s.inputs = ["in"]
        s.outputs = ["out"]
        s.node("A", ["in"], "a")
        s.node("B", ["a"], "b")
        s.node("C", ["b"], "out")
        let placed = DevicePlacement.place(s.graph, preferences: [.vta, .cpu, .vta])
        #expect(placed.copyCount == 4)
        #expect(placed.deviceRuns == 2)
        let kinds = placed.graph.nodes.map { $0.op.kindName }
        #expect(
            kinds == ["DEVICE_COPY", "RELU", "DEVICE_COPY", "RELU", "DEVICE_COPY", "RELU", "DEVICE_COPY"])
        #expect(placed.graph.outputs == [placed.graph.nodes.last!.outputs[0]])
    }

    /// One copy serves every reader on a device.
    @Test func oneCopyPerTensorAndDevice() {
        var s = GraphSketch()
        for name in ["in", "a", "b", "c"] { s.tensor(name, [1, 16]) }
        s.inputs = ["in"]
        s.outputs = ["b", "c"]
        s.node("A", ["in"], "a")
        s.node("B", ["a"], "b")
        s.node("C", ["a"], "c")
        let placed = DevicePlacement.place(s.graph, preferences: [.vta, .cpu, .cpu])
        let copies = placed.graph.nodes.filter { $0.op == .deviceCopy(from: .vta, to: .cpu) }
        #expect(copies.count == 1)
        #expect(placed.copyCount == 2)  // the input into VTA, and `a` back
    }

    /// A CPU operator that nothing on the accelerator waits for does not split the segment:
    /// A(vta) → B(cpu), A → C(vta) runs A, C on the accelerator in one go.
    @Test func independentCPUWorkDoesNotSplitSegments() {
        var s = GraphSketch()
        for name in ["in", "a", "b", "c"] { s.tensor(name, [1, 16]) }
        s.inputs = ["in"]
        s.outputs = ["b", "c"]
        s.node("A", ["in"], "a")
        s.node("B", ["a"], "b")
        s.node("C", ["a"], "c")
        let placed = DevicePlacement.place(s.graph, preferences: [.vta, .cpu, .vta])
        #expect(placed.deviceRuns == 1)
        #expect(placed.segments[0].nodes.map { placed.graph.nodes[$0].name } == ["A", "C"])
    }

    /// An operator that could run anywhere sits on the side where fewer bytes cross: here a
    /// pooling-like op that shrinks 1 KiB to 16 bytes goes to VTA, so only 16 bytes cross.
    @Test func eitherOperatorsMinimiseBytesCopied() {
        var s = GraphSketch()
        s.tensor("in", [1, 8, 8, 16])
        s.tensor("big", [1, 8, 8, 16])
        s.tensor("small", [1, 16])
        s.tensor("out", [1, 16])
        s.inputs = ["in"]
        s.outputs = ["out"]
        s.node("conv", ["in"], "big")
        s.node("pool", ["big"], "small")
        s.node("softmax", ["small"], "out")
        let placed = DevicePlacement.place(s.graph, preferences: [.vta, .either, .cpu])
        #expect(GraphSketch.devicesByName(placed.graph)["pool"] == .vta)
        // With the consumer of the big tensor on the CPU, the pool follows it there instead.
        var t = GraphSketch()
        t.tensor("in", [1, 16])
        t.tensor("small", [1, 16])
        t.tensor("big", [1, 8, 8, 16])
        t.tensor("out", [1, 8, 8, 16])
        t.inputs = ["in"]
        t.outputs = ["out"]
        t.node("fc", ["in"], "small")
        t.node("expand", ["small"], "big")
        t.node("cpuop", ["big"], "out")
        let second = DevicePlacement.place(t.graph, preferences: [.vta, .either, .cpu])
        #expect(GraphSketch.devicesByName(second.graph)["expand"] == .cpu)
    }

    @Test func allAcceleratorGraphIsOneRun() {
        var s = GraphSketch()
        for name in ["in", "a", "b", "c"] { s.tensor(name, [1, 16]) }
        s.inputs = ["in"]
        s.outputs = ["c"]
        s.node("A", ["in"], "a")
        s.node("B", ["a"], "b")
        s.node("C", ["b"], "c")
        let placed = DevicePlacement.place(s.graph, preferences: [.vta, .vta, .either])
        #expect(placed.deviceRuns == 1)
        #expect(placed.copyCount == 2)
    }
}
