import GraphIR
import TFLite
import VTATarget

/// What a placement rule looks at: one operator, its graph, and the target.
public struct PlacementContext {
    public let node: Node
    public let graph: Graph
    public let target: Target

    public init(node: Node, graph: Graph, target: Target) {
        self.node = node
        self.graph = graph
        self.target = target
    }

    /// The value at input position `i`, if present.
    public func input(_ i: Int) -> Value? {
        guard i < node.inputs.count, let id = node.inputs[i] else { return nil }
        return graph.values[id]
    }

    /// Activation inputs (not constants) and every output.
    public var activations: [Value] {
        node.presentInputs.map { graph.values[$0] }.filter { !$0.isConstant }
            + node.outputs.map { graph.values[$0] }
    }
}

/// One named condition an operator must meet to run on VTA, with the reason it exists.
/// Rules are data: adding one is adding an entry to `PlacementRules.all`, and the placement
/// report and the supported-operators table follow from the list.
public struct PlacementRule: Sendable {
    /// A stable identifier, e.g. `conv.dilation-1`.
    public let id: String
    /// One line for people: why the accelerator needs this.
    public let reason: String
    /// The operator kinds (TFLite names) the rule applies to.
    public let kinds: Set<String>
    let holds: @Sendable (PlacementContext) -> Bool

    public init(
        id: String, kinds: Set<String>, reason: String, holds: @escaping @Sendable (PlacementContext) -> Bool
    ) {
        self.id = id
        self.reason = reason
        self.kinds = kinds
        self.holds = holds
    }

    public func applies(to node: Node) -> Bool { kinds.contains(node.op.kindName) }

    public func check(_ context: PlacementContext) -> Bool { holds(context) }
}
