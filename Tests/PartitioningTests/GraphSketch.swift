import GraphIR
import TFLite

/// Builds small graphs by hand for placement tests: named int8 tensors and operators that read
/// and write them, in the order given.
struct GraphSketch {
    private(set) var values: [Value] = []
    private(set) var nodes: [Node] = []
    private var ids: [String: ValueID] = [:]
    var inputs: [String] = []
    var outputs: [String] = []

    mutating func tensor(_ name: String, _ shape: [Int]) {
        ids[name] = values.count
        values.append(
            Value(
                id: values.count, name: name, shape: shape, type: .int8, quantization: nil, constant: nil,
                producer: nil))
    }

    /// Adds an operator; `op` only matters for reports, preferences are given separately.
    mutating func node(_ name: String, _ inputs: [String], _ output: String, op: Op = .relu) {
        let out = ids[output]!
        values[out].producer = nodes.count
        nodes.append(
            Node(
                id: nodes.count, name: name, op: op, inputs: inputs.map { ids[$0]! }, outputs: [out], macs: 0)
        )
    }

    var graph: Graph {
        Graph(
            name: "sketch", values: values, nodes: nodes, inputs: inputs.map { ids[$0]! },
            outputs: outputs.map { ids[$0]! })
    }

    /// Devices by node name, for comparisons that do not depend on node order.
    static func devicesByName(_ placed: PlacedGraphView) -> [String: Device] {
        Dictionary(uniqueKeysWithValues: placed.nodes.map { ($0.name, $0.device!) })
    }
}

typealias PlacedGraphView = Graph
