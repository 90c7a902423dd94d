import GraphIR

/// A consecutive run of accelerator operators: one instruction stream, one device run, one
/// host synchronisation at its end.
public struct Segment: Sendable, Equatable {
    public var index: Int
    /// The VTA operators of the segment, in execution order (ids in the placed graph).
    public var nodes: [NodeID]

    public init(index: Int, nodes: [NodeID]) {
        self.index = index
        self.nodes = nodes
    }
}

/// The graph after placement: every node annotated with its device, `device_copy` nodes on every
/// edge between devices (and at graph inputs and outputs that the accelerator reads or writes),
/// nodes in execution order, and the accelerator segments.
public struct PlacedGraph: Sendable {
    public var graph: Graph
    public var segments: [Segment]
    /// For each node of the source graph, its id in `graph`.
    public var placedID: [NodeID]

    /// Device runs per inference: one per segment.
    public var deviceRuns: Int { segments.count }

    public var copyCount: Int {
        graph.nodes.filter { if case .deviceCopy = $0.op { return true } else { return false } }.count
    }
}

public enum DevicePlacement {
    /// Annotates, orders and splits `graph` given one preference per node.
    public static func place(_ graph: Graph, preferences: [PlacementPreference]) -> PlacedGraph {
        let devices = DeviceAssignment.assign(graph, preferences: preferences)
        let order = DeviceSchedule.order(graph, devices: devices)
        var builder = CopyInserter(source: graph, devices: devices)
        // Runs of same-device operators, in schedule order.
        var runs: [(device: Device, nodes: [NodeID])] = []
        for id in order {
            if runs.last?.device == devices[id] {
                runs[runs.count - 1].nodes.append(id)
            } else {
                runs.append((devices[id], [id]))
            }
        }
        var segments: [Segment] = []
        var placedID = Array(repeating: 0, count: graph.nodes.count)
        for run in runs {
            // Copies into this device happen before the run starts, so that they never split it.
            for id in run.nodes { builder.emitInboundCopies(for: id) }
            var members: [NodeID] = []
            for id in run.nodes {
                placedID[id] = builder.emit(id)
                members.append(placedID[id])
            }
            if run.device == .vta { segments.append(Segment(index: segments.count, nodes: members)) }
        }
        builder.emitOutputCopies()
        return PlacedGraph(graph: builder.finish(), segments: segments, placedID: placedID)
    }
}

/// Rebuilds the graph in a new order, inserting one copy per (tensor, destination device).
struct CopyInserter {
    let source: Graph
    let devices: [Device]
    private var values: [Value]
    private var nodes: [Node] = []
    private var outputs: [ValueID]
    /// (original value, device) → the value that holds it on that device.
    private var copies: [ValueKey: ValueID] = [:]

    struct ValueKey: Hashable {
        var value: ValueID
        var device: Device
    }

    init(source: Graph, devices: [Device]) {
        self.source = source
        self.devices = devices
        values = source.values
        for i in values.indices { values[i].producer = nil }
        outputs = source.outputs
    }

    /// Where a value lives before any copy: its producer's device; graph inputs live on the host.
    private func home(_ value: ValueID) -> Device {
        source.values[value].producer.map { devices[$0] } ?? .cpu
    }

    mutating func emitInboundCopies(for id: NodeID) {
        let device = devices[id]
        for input in source.nodes[id].presentInputs where !source.values[input].isConstant {
            if home(input) != device { _ = copy(input, to: device) }
        }
    }

    /// Appends the node with its inputs redirected to copies where needed; returns its new id.
    mutating func emit(_ id: NodeID) -> NodeID {
        var node = source.nodes[id]
        let device = devices[id]
        node.id = nodes.count
        node.device = device
        node.inputs = node.inputs.map { input in
            guard let input, !source.values[input].isConstant, home(input) != device else { return input }
            return copies[ValueKey(value: input, device: device)]!
        }
        for output in node.outputs { values[output].producer = node.id }
        nodes.append(node)
        return node.id
    }

    /// Graph outputs computed on the accelerator are copied back to the host.
    mutating func emitOutputCopies() {
        outputs = source.outputs.map { output in
            home(output) == .cpu ? output : copy(output, to: .cpu)
        }
    }

    private mutating func copy(_ value: ValueID, to device: Device) -> ValueID {
        let key = ValueKey(value: value, device: device)
        if let existing = copies[key] { return existing }
        var copied = source.values[value]
        copied.id = values.count
        copied.name = "\(copied.name)@\(device.rawValue)"
        copied.producer = nodes.count
        values.append(copied)
        let from = home(value)
        nodes.append(
            Node(
                id: nodes.count, name: copied.name, op: .deviceCopy(from: from, to: device), inputs: [value],
                outputs: [copied.id], macs: 0, device: device))
        copies[key] = copied.id
        return copied.id
    }

    func finish() -> Graph {
        Graph(name: source.name, values: values, nodes: nodes, inputs: source.inputs, outputs: outputs)
    }
}
