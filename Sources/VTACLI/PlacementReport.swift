import GraphIR
import Partitioning
import VTATarget

/// What `vtac inspect --placement` shows: per operator its device and, for CPU operators, the
/// rules that failed; the copies and the accelerator segments.
struct PlacementReport: Encodable {
    struct Failure: Encodable {
        var rule: String
        var reason: String
    }

    struct OperatorEntry: Encodable {
        var index: Int
        var name: String
        var kind: String
        var `class`: String
        var preference: String
        var device: String
        var failed: [Failure]
    }

    struct CopyEntry: Encodable {
        var name: String
        var from: String
        var to: String
        var bytes: Int
    }

    struct SegmentEntry: Encodable {
        var index: Int
        /// Source operator indices, in execution order.
        var operators: [Int]
    }

    var target: String
    var profile: String
    var operators: [OperatorEntry]
    var deviceCopies: [CopyEntry]
    var segments: [SegmentEntry]
    var deviceRuns: Int
    var memory: MemoryEntry

    struct MemoryEntry: Encodable {
        var constants: Int
        var activations: Int
        var activationsWithoutReuse: Int
        var host: Int
        var hostWithoutReuse: Int

        enum CodingKeys: String, CodingKey {
            case constants, activations
            case activationsWithoutReuse = "activations_without_reuse"
            case host
            case hostWithoutReuse = "host_without_reuse"
        }
    }

    enum CodingKeys: String, CodingKey {
        case target, profile, operators
        case deviceCopies = "device_copies"
        case segments
        case deviceRuns = "device_runs"
        case memory
    }

    init(plan: PlacementPlan, target: Target) {
        let memoryPlan = MemoryPlanner.plan(plan.placed, target: target)
        memory = MemoryEntry(
            constants: memoryPlan.constantsSize, activations: memoryPlan.activationsSize,
            activationsWithoutReuse: memoryPlan.activationsWithoutReuse, host: memoryPlan.hostSize,
            hostWithoutReuse: memoryPlan.hostWithoutReuse)
        self.target = target.name
        profile = target.profile.rawValue
        operators = plan.operators.map { op in
            OperatorEntry(
                index: op.index, name: op.name, kind: op.kind, class: op.operatorClass.rawValue,
                preference: "\(op.preference)", device: op.device.description,
                failed: op.failures.map { Failure(rule: $0.id, reason: $0.reason) })
        }
        let graph = plan.placed.graph
        deviceCopies = graph.nodes.compactMap { node in
            guard case .deviceCopy(let from, let to) = node.op else { return nil }
            return CopyEntry(
                name: node.name, from: from.description, to: to.description,
                bytes: graph.values[node.outputs[0]].byteCount)
        }
        var sourceOf: [NodeID: Int] = [:]
        for (source, placed) in plan.placed.placedID.enumerated() { sourceOf[placed] = source }
        segments = plan.placed.segments.map { segment in
            SegmentEntry(index: segment.index, operators: segment.nodes.compactMap { sourceOf[$0] })
        }
        deviceRuns = plan.placed.deviceRuns
    }

    var text: String {
        var out: [String] = []
        out.append("Placement on \(target) (\(profile) ISA)")
        // The same operator numbers and layer names as `vtac report` and `inspect --disasm`.
        var table = TextTable([
            ("#", .right), ("layer", .left), ("kind", .left), ("device", .left), ("why not VTA", .left),
        ])
        for op in operators {
            let why = op.failed.map { "\($0.rule): \($0.reason)" }
            table.add([
                String(op.index), ReportRendering.shortName(op.name), op.kind, op.device, why.first ?? "",
            ])
            for extra in why.dropFirst() { table.add(["", "", "", "", extra]) }
        }
        out.append(table.render())
        out.append("")
        let onVTA = operators.filter { $0.device == "VTA" }.count
        out.append("operators     \(onVTA) on VTA, \(operators.count - onVTA) on CPU")
        let copied = deviceCopies.reduce(0) { $0 + $1.bytes }
        out.append("device copies \(deviceCopies.count) (\(grouped(copied)) bytes per inference)")
        for copy in deviceCopies {
            out.append("  \(copy.from) → \(copy.to)  \(grouped(copy.bytes)) B  \(copy.name)")
        }
        out.append("device runs   \(deviceRuns) per inference")
        for segment in segments {
            out.append(
                "  segment \(segment.index): operators "
                    + segment.operators.map(String.init).joined(separator: ", "))
        }
        out.append(
            "memory        constants \(grouped(memory.constants)) B; device activations \(grouped(memory.activations)) B "
                + "(\(grouped(memory.activationsWithoutReuse)) B without reuse); host \(grouped(memory.host)) B "
                + "(\(grouped(memory.hostWithoutReuse)) B without reuse)")
        return out.joined(separator: "\n") + "\n"
    }
}

extension PlacementPreference: CustomStringConvertible {
    public var description: String {
        switch self {
        case .vta: "vta"
        case .cpu: "cpu"
        case .either: "either"
        }
    }
}
