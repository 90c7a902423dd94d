import Foundation
import GraphIR
import Partitioning
import TFLite
import TestSupport
import Testing
import VTATarget

/// Placement and memory planning of every model we have, on the stock and the extended target.
@Suite struct ZooPlacementTests {
    static let models = Fixtures.allModels()
    static let targets = ["alkali", "fsim"]

    static func graph(_ name: String) throws -> Graph {
        let path = models.first { $0.name == name }!.model
        return try GraphBuilder.build(try TFLiteReader.read(path: path), path: path)
    }

    /// The same graph listed differently: nodes in another valid order (Kahn's algorithm taking
    /// the last ready node first) and the arguments of every ADD swapped.
    static func relisted(_ graph: Graph) -> Graph {
        var pending = graph.nodes.map { node in
            Set(node.presentInputs.compactMap { graph.values[$0].producer }).count
        }
        var order: [NodeID] = []
        var ready = graph.nodes.filter { pending[$0.id] == 0 }.map(\.id)
        while let next = ready.max() {
            ready.removeAll { $0 == next }
            order.append(next)
            for node in graph.nodes
            where node.presentInputs.contains(where: { graph.values[$0].producer == next }) {
                pending[node.id] -= 1
                if pending[node.id] == 0 { ready.append(node.id) }
            }
        }
        var newID = [Int](repeating: 0, count: graph.nodes.count)
        for (i, old) in order.enumerated() { newID[old] = i }
        var values = graph.values
        for i in values.indices { values[i].producer = values[i].producer.map { newID[$0] } }
        let nodes = order.enumerated().map { i, old -> Node in
            var node = graph.nodes[old]
            node.id = i
            if case .add = node.op { node.inputs.reverse() }
            return node
        }
        return Graph(
            name: graph.name, values: values, nodes: nodes, inputs: graph.inputs, outputs: graph.outputs)
    }

    static func devices(_ plan: PlacementPlan) -> [String: Device] {
        Dictionary(uniqueKeysWithValues: plan.operators.map { ($0.name, $0.device) })
    }

    @Test(arguments: models.map(\.name), targets)
    func placementIsDeterministicAndOrderIndependent(model: String, targetName: String) throws {
        let target = try Target.load(name: targetName)
        let graph = try Self.graph(model)
        let first = Placement.plan(graph, target: target)
        let again = Placement.plan(graph, target: target)
        #expect(Self.devices(first) == Self.devices(again))
        let relisted = Placement.plan(Self.relisted(graph), target: target)
        #expect(
            Self.devices(first) == Self.devices(relisted), "\(model): placement depends on the listing order")
        #expect(first.placed.copyCount == relisted.placed.copyCount)
        #expect(first.placed.deviceRuns == relisted.placed.deviceRuns)
    }

    /// Every edge between devices has exactly one copy per (tensor, destination), and the
    /// placed graph's operators only read tensors that live on their own device.
    @Test(arguments: models.map(\.name))
    func copiesSitOnEveryDeviceBoundary(model: String) throws {
        let plan = Placement.plan(try Self.graph(model), target: try Target.load(name: "alkali"))
        let g = plan.placed.graph
        func home(_ v: ValueID) -> Device { g.values[v].producer.map { g.nodes[$0].device! } ?? .cpu }
        for node in g.nodes {
            if case .deviceCopy(let from, let to) = node.op {
                #expect(home(node.presentInputs[0]) == from && node.device == to)
                continue
            }
            for input in node.presentInputs where !g.values[input].isConstant {
                #expect(
                    home(input) == node.device, "\(model): \(node.name) reads a tensor from the other device")
            }
        }
        for output in g.outputs { #expect(home(output) == .cpu) }
        var seen = Set<String>()
        for node in g.nodes {
            if case .deviceCopy(_, let to) = node.op {
                #expect(seen.insert("\(node.presentInputs[0])→\(to)").inserted, "\(model): duplicate copy")
            }
        }
    }

    /// Known placements of the reference models: everything but SOFTMAX on VTA (ResNet-8's
    /// three residual ADDs included), one device run per inference.
    @Test func referenceModels() throws {
        let alkali = try Target.load(name: "alkali")
        let resnet = Placement.plan(try Self.graph("shared-resnet8_cifar10"), target: alkali)
        #expect(resnet.operators.filter { $0.device == .vta }.count == 15)
        #expect(resnet.operators.filter { $0.device == .cpu }.map(\.kind) == ["SOFTMAX"])
        #expect(resnet.placed.deviceRuns == 1)
        for name in [
            "shared-micro_speech", "shared-audio_example1", "shared-image_example1_floatio", "tiny_mobilenet",
        ] {
            #expect(Placement.plan(try Self.graph(name), target: alkali).placed.deviceRuns == 1, "\(name)")
        }
        let floatio = Placement.plan(try Self.graph("shared-image_example1_floatio"), target: alkali)
        #expect(
            floatio.operators.filter { $0.device == .cpu }.map(\.kind) == [
                "QUANTIZE", "SOFTMAX", "DEQUANTIZE",
            ])
    }

    /// Device tensors that are alive at the same time never share bytes, and every tensor fits
    /// its region.
    @Test(arguments: models.map(\.name))
    func memoryPlanIsSound(model: String) throws {
        let target = try Target.load(name: "alkali")
        let plan = Placement.plan(try Self.graph(model), target: target)
        let memory = MemoryPlanner.plan(plan.placed, target: target)
        let g = plan.placed.graph
        var last = [Int](repeating: -1, count: g.values.count)
        for node in g.nodes { for v in node.presentInputs { last[v] = max(last[v], node.id) } }
        for v in g.outputs { last[v] = g.nodes.count }
        // A reshape's output shares its input's buffer: check the owners only.
        let device = memory.allocations.values.filter {
            $0.region == .activations && memory.aliases[$0.value] == nil
        }
        for (alias, owner) in memory.aliases {
            #expect(memory.allocations[alias] == memory.allocations[owner])
        }
        for a in device {
            #expect(a.offset % memory.alignment == 0)
            #expect(a.offset + a.size <= memory.activationsSize)
            #expect(a.size == a.layout!.byteCount)
            for b in device where a.value < b.value {
                let (fa, fb) = (g.values[a.value].producer ?? 0, g.values[b.value].producer ?? 0)
                let overlapInTime = fa <= max(last[b.value], fb) && fb <= max(last[a.value], fa)
                if overlapInTime { #expect(a.offset + a.size <= b.offset || b.offset + b.size <= a.offset) }
            }
        }
        #expect(memory.activationsSize <= memory.activationsWithoutReuse + memory.alignment)
        #expect(memory.haloConflicts.isEmpty)
    }

    /// ResNet-8's convolutions read inputs with zero point -128 (after ReLU) or 0: the
    /// -128 ones get a one-element halo filled with -128 for their SAME 3x3 padding.
    @Test func resnetHalos() throws {
        let target = try Target.load(name: "alkali")
        let plan = Placement.plan(try Self.graph("shared-resnet8_cifar10"), target: target)
        let memory = MemoryPlanner.plan(plan.placed, target: target)
        let haloed = memory.allocations.values.filter { $0.haloFill != nil }
        #expect(!haloed.isEmpty)
        for a in haloed {
            #expect(a.haloFill == -128)
            #expect(a.layout!.halo.top <= 1 && a.layout!.halo.bottom == 1)
        }
    }
}
