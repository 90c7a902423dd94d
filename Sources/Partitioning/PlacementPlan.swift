import GraphIR
import VTATarget

/// The placement of one operator and why.
public struct OperatorPlacement: Sendable {
    /// The operator's index in the model.
    public var index: Int
    public var name: String
    public var kind: String
    public var operatorClass: OperatorClass
    /// What the rules alone say.
    public var preference: PlacementPreference
    /// Where it runs after propagation.
    public var device: Device
    /// Failed rules (id, reason); for CPU-only kinds, the one reason that there is no lowering.
    public var failures: [(id: String, reason: String)]
}

/// Placement of a whole graph for a target: per-operator decisions, the placed graph with its
/// copies and segments.
public struct PlacementPlan: Sendable {
    public var target: String
    public var operators: [OperatorPlacement]
    public var placed: PlacedGraph
}

public enum Placement {
    /// The reason given for operator kinds VTA has no lowering for.
    public static let cpuOnly = (id: "op.accelerated", reason: "VTA has no lowering for this operator kind")

    public static func plan(_ graph: Graph, target: Target) -> PlacementPlan {
        var operators: [OperatorPlacement] = []
        var preferences: [PlacementPreference] = []
        for node in graph.nodes {
            let kind = node.op.kindName
            let opClass = PlacementRules.operatorClass(of: kind)
            var failures: [(id: String, reason: String)]
            let preference: PlacementPreference
            switch opClass {
            case .cpu:
                failures = [cpuOnly]
                preference = .cpu
            case .accelerated, .layoutNeutral:
                let context = PlacementContext(node: node, graph: graph, target: target)
                failures = PlacementRules.failures(context).map { ($0.id, $0.reason) }
                preference = !failures.isEmpty ? .cpu : (opClass == .accelerated ? .vta : .either)
            }
            preferences.append(preference)
            operators.append(
                OperatorPlacement(
                    index: node.id, name: node.name, kind: kind, operatorClass: opClass,
                    preference: preference,
                    device: .cpu, failures: failures))
        }
        let placed = DevicePlacement.place(graph, preferences: preferences)
        for i in operators.indices {
            operators[i].device = placed.graph.nodes[placed.placedID[i]].device ?? .cpu
        }
        return PlacementPlan(target: target.name, operators: operators, placed: placed)
    }
}
