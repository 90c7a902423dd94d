import Foundation
import GraphIR
import Lowering
import Partitioning
import TFLite
import TFLiteArithmetic
import VTATarget

/// Why a model could not be packaged: a CPU operator without a kernel, a parameter TFLite's
/// Prepare refuses. Names the operator.
public struct PackagingError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Builds the manifest and the sections of a bundle from a placed, planned and lowered model.
struct ManifestBuilder {
    let placed: PlacedGraph
    let memory: MemoryPlan
    let lowered: LoweredModel
    let target: Target

    var graph: Graph { placed.graph }

    func build(modelName: String, modelDigest: [UInt8]) throws(PackagingError) -> CSDBundle {
        var m = Vtac_Bundle_Manifest()
        m.producer = "vtac"
        m.producerVersion = BundleFormatVersion.producerVersion
        m.modelSha256 = Data(modelDigest)
        m.modelName = modelName
        m.hardware = Vtac_Bundle_Hardware(target)
        // Inputs and outputs: one record each, tensors back to back.
        var offset: UInt64 = 0
        for id in graph.inputs {
            m.inputs.append(try io(id, recordOffset: &offset))
        }
        m.inputRecordSize = offset
        offset = 0
        for id in graph.outputs {
            m.outputs.append(try io(id, recordOffset: &offset))
        }
        m.outputRecordSize = offset
        let alignment = UInt64(memory.alignment)
        func aligned(_ n: Int) -> UInt64 { (UInt64(n) + alignment - 1) / alignment * alignment }
        m.memory.constantsSize = aligned(lowered.constants.count)
        m.memory.activationsSize = aligned(memory.activationsSize)
        m.memory.scratchSize = aligned(lowered.scratchSize)
        m.memory.hostSize = aligned(max(memory.hostSize, 16))
        m.memory.alignment = UInt32(alignment)
        m.memory.activationsWithoutReuse = UInt64(memory.activationsWithoutReuse)

        // Segments: instruction slices of one section, micro-op images appended in one section.
        var instructions: [UInt8] = []
        var uops: [UInt8] = []
        let codec = target.codec
        for (index, program) in lowered.segments.enumerated() {
            var segment = Vtac_Bundle_Segment()
            segment.index = UInt32(index)
            segment.instructionOffset = UInt64(instructions.count / 16)
            segment.instructionCount = UInt32(program.instructions.count)
            let uopBase = uops.count / target.config.dramElementBytes(.uop)
            for r in program.relocations {
                var relocation = Vtac_Bundle_Relocation()
                relocation.instruction = UInt32(r.instruction)
                relocation.region = Self.region(r.region)
                relocation.elementOffset = UInt64(r.elementOffset + (r.region == .uops ? uopBase : 0))
                relocation.memoryType = UInt32(r.memoryType.rawValue)
                segment.relocations.append(relocation)
            }
            do {
                instructions += try codec.encode(stream: program.instructions)
                uops += try codec.encode(uops: program.uops)
            } catch {
                throw PackagingError("segment \(index) cannot be encoded: \(error)")
            }
            m.segments.append(segment)
        }
        m.memory.constantsSize = max(m.memory.constantsSize, 0)

        // Steps in execution order, with the CPU kernels they run.
        var segmentOf: [NodeID: Int] = [:]
        for segment in placed.segments { for id in segment.nodes { segmentOf[id] = segment.index } }
        var started = Set<Int>()
        for node in graph.nodes {
            var step = Vtac_Bundle_Step()
            switch (node.device, node.op) {
            case (_, .deviceCopy):
                var copy = Vtac_Bundle_Copy()
                copy.from = try tensor(node.presentInputs[0])
                copy.to = try tensor(node.outputs[0])
                copy.name = node.name
                step.copy = copy
            case (.vta, _):
                guard let segment = segmentOf[node.id], !started.contains(segment) else { continue }
                started.insert(segment)
                var run = Vtac_Bundle_RunSegment()
                run.segment = UInt32(segment)
                step.runSegment = run
            default:
                var run = Vtac_Bundle_RunKernel()
                run.kernel = UInt32(m.kernels.count)
                m.kernels.append(try kernel(node))
                step.runKernel = run
            }
            m.steps.append(step)
        }

        // Halos: filled once, when the bundle loads.
        for (id, allocation) in memory.allocations.sorted(by: { $0.key < $1.key }) {
            guard let fill = allocation.haloFill, memory.aliases[id] == nil else { continue }
            var f = Vtac_Bundle_Fill()
            f.region = .activations
            f.offset = UInt64(allocation.offset)
            f.size = UInt64(allocation.size)
            f.value = UInt32(UInt8(bitPattern: fill))
            m.fills.append(f)
        }
        m.layers = layers()
        return CSDBundle(manifest: m, instructions: instructions, uops: uops, constants: lowered.constants)
    }

    static func region(_ r: StreamRegion) -> Vtac_Bundle_Region {
        switch r {
        case .constants: .constants
        case .activations: .activations
        case .scratch: .scratch
        case .uops: .uops
        }
    }

    static func dataType(_ t: ElementType) throws(PackagingError) -> Vtac_Bundle_DataType {
        switch t {
        case .int8: return .int8
        case .uint8: return .uint8
        case .int32: return .int32
        case .float32: return .float32
        case .int16: return .int16
        default: throw PackagingError("tensors of type \(t) cannot be exchanged with the runtime")
        }
    }

    func tensor(_ id: ValueID) throws(PackagingError) -> Vtac_Bundle_TensorRef {
        let value = graph.values[id]
        guard let a = memory.allocations[id] else {
            throw PackagingError("tensor \(value.name) has no memory")
        }
        var t = Vtac_Bundle_TensorRef()
        t.offset = UInt64(a.offset)
        t.shape = value.shape.map { Int32($0) }
        t.type = try Self.dataType(value.type)
        switch a.region {
        case .activations:
            t.region = .activations
            t.layout = .vtaPacked
            let halo = a.layout?.halo ?? .none
            t.haloTop = UInt32(halo.top)
            t.haloBottom = UInt32(halo.bottom)
            t.haloLeft = UInt32(halo.left)
            t.haloRight = UInt32(halo.right)
            // A packed tensor is described in its 4-D form (the layout's shape).
            if let layout = a.layout { t.shape = layout.shape.map { Int32($0) } }
        case .host:
            t.region = .host
            t.layout = .nhwc
        case .constants:
            t.region = .constants
            t.layout = .nhwc
        }
        return t
    }

    func io(_ id: ValueID, recordOffset: inout UInt64) throws(PackagingError) -> Vtac_Bundle_IOTensor {
        let value = graph.values[id]
        var t = Vtac_Bundle_IOTensor()
        t.name = value.name
        t.shape = value.shape.map { Int32($0) }
        t.type = try Self.dataType(value.type)
        t.scale = value.quantization?.scales ?? []
        t.zeroPoint = value.quantization?.zeroPoints ?? []
        t.quantizedDimension = Int32(value.quantization?.quantizedDimension ?? 0)
        t.recordOffset = recordOffset
        t.size = UInt64(value.byteCount)
        t.storage = try tensor(id)
        recordOffset += UInt64(value.byteCount)
        return t
    }

    /// The layer's tensors, each counted once (a view moves nothing): what the report's
    /// roofline bound charges the layer, independent of how the lowering moves data.
    func essentialBytes(_ node: Node) -> Int {
        switch node.op {
        case .reshape, .deviceCopy: return 0
        default: return (node.presentInputs + node.outputs).reduce(0) { $0 + graph.values[$1].byteCount }
        }
    }

    func layers() -> [Vtac_Bundle_Layer] {
        var byNode: [NodeID: LoweredLayer] = [:]
        for layer in lowered.layers { byNode[layer.node] = layer }
        var sourceOf: [NodeID: Int] = [:]
        for (source, id) in placed.placedID.enumerated() { sourceOf[id] = source }
        return graph.nodes.map { node in
            var l = Vtac_Bundle_Layer()
            l.name = node.name
            l.kind = node.op.kindName
            l.device = node.device == .vta ? .vta : .cpu
            l.macs = UInt64(node.macs)
            l.sourceOperator = Int32(sourceOf[node.id] ?? -1)
            // Layers are the placed graph's nodes, so a producer's node id is its layer index.
            var from: [UInt32] = []
            for input in node.presentInputs {
                if let p = graph.values[input].producer, !from.contains(UInt32(p)) { from.append(UInt32(p)) }
            }
            l.inputsFrom = from
            l.essentialBytes = UInt64(essentialBytes(node))
            if let lowered = byNode[node.id] {
                l.segment = UInt32(lowered.segment)
                l.instructionBegin = UInt32(lowered.instructions.lowerBound)
                l.instructionEnd = UInt32(lowered.instructions.upperBound)
                l.requantization = lowered.requantization
                l.lowering = lowered.lowering
            }
            return l
        }
    }
}

/// The version recorded in bundles.
public enum BundleFormatVersion {
    public static let producerVersion = "0.1.0"
}
