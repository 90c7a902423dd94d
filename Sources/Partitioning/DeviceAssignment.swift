import GraphIR

/// What the placement rules say about one operator.
public enum PlacementPreference: Sendable, Equatable {
    /// Every rule holds: run it on the accelerator.
    case vta
    /// Some rule fails: it must run on the CPU.
    case cpu
    /// Cheap either way (reshapes, layout-neutral ops): follow the neighbours.
    case either
}

/// Gives every operator a device. Operators with a fixed preference keep it; the others are
/// placed so that the bytes copied between devices per inference are as few as possible — a
/// minimum cut between the VTA operators and the CPU operators, in which each activation tensor
/// costs its size once if its readers and writer do not all share a device (one copy serves all
/// readers on a device). Graph inputs and outputs live in host memory and count as CPU.
///
/// Why a cut and not a walk: propagating devices along a traversal gives answers that depend on
/// the traversal (TVM's post-DFS propagation puts the first residual block of ResNet-50 on the
/// CPU, depending on which branch comes first). The minimum cut depends only on the graph; among
/// equal cuts the one with the most operators on VTA is taken, which is unique too.
public enum DeviceAssignment {
    public static func assign(_ graph: Graph, preferences: [PlacementPreference]) -> [Device] {
        precondition(preferences.count == graph.nodes.count, "one preference per node")
        var network = FlowNetwork(nodeCount: graph.nodes.count + 2)
        let source = graph.nodes.count  // the accelerator
        let sink = graph.nodes.count + 1  // the CPU and host memory
        for (node, preference) in zip(graph.nodes, preferences) {
            switch preference {
            case .vta: network.addArc(source, node.id, FlowNetwork.infinity)
            case .cpu: network.addArc(node.id, sink, FlowNetwork.infinity)
            case .either: break
            }
        }
        let graphInputs = Set(graph.inputs)
        let graphOutputs = Set(graph.outputs)
        for value in graph.values where !value.isConstant {
            var members = Set<Int>()
            if let producer = value.producer { members.insert(producer) }
            for node in graph.nodes where node.inputs.contains(value.id) { members.insert(node.id) }
            if graphInputs.contains(value.id) || graphOutputs.contains(value.id) { members.insert(sink) }
            guard members.count > 1 else { continue }
            addHyperedge(&network, members: members.sorted(), cost: max(1, value.byteCount))
        }
        let onSourceSide = network.maximalSourceSide(source: source, sink: sink)
        return graph.nodes.map { onSourceSide[$0.id] ? .vta : .cpu }
    }

    /// A tensor shared by several operators costs `cost` once when they are split between the
    /// two sides: members → a (∞), a → b (cost), b → members (∞).
    private static func addHyperedge(_ network: inout FlowNetwork, members: [Int], cost: Int) {
        let a = network.addNode()
        let b = network.addNode()
        network.addArc(a, b, cost)
        for m in members {
            network.addArc(m, a, FlowNetwork.infinity)
            network.addArc(b, m, FlowNetwork.infinity)
        }
    }
}
