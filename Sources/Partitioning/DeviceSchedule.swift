import GraphIR

/// An execution order that keeps each device's operators together, so that the accelerator
/// runs as few separate segments (and the host synchronises as rarely) as the dependencies
/// allow. Kahn's algorithm: among the ready operators it keeps to the current device, and
/// breaks ties by model order so the result is deterministic.
enum DeviceSchedule {
    static func order(_ graph: Graph, devices: [Device]) -> [NodeID] {
        var pending = Array(repeating: 0, count: graph.nodes.count)
        var readers: [[NodeID]] = Array(repeating: [], count: graph.nodes.count)
        for node in graph.nodes {
            let producers = Set(node.presentInputs.compactMap { graph.values[$0].producer })
            pending[node.id] = producers.count
            for p in producers { readers[p].append(node.id) }
        }
        var ready = Set(graph.nodes.filter { pending[$0.id] == 0 }.map(\.id))
        var order: [NodeID] = []
        var current: Device? = nil
        while !ready.isEmpty {
            let sameDevice = ready.filter { devices[$0] == current }
            let next = sameDevice.min() ?? ready.min()!
            current = devices[next]
            ready.remove(next)
            order.append(next)
            for r in readers[next] {
                pending[r] -= 1
                if pending[r] == 0 { ready.insert(r) }
            }
        }
        precondition(order.count == graph.nodes.count, "the graph has a cycle")
        return order
    }
}
