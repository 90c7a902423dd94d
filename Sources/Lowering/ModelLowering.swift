import GraphIR
import Partitioning
import TFLite
import TFLiteArithmetic
import VTATarget

/// One accelerator layer as compiled: where its instructions sit and how it requantizes.
public struct LoweredLayer: Sendable {
    /// The node in the placed graph.
    public var node: NodeID
    public var name: String
    public var kind: String
    public var segment: Int
    /// Instructions of the layer in its segment's final stream.
    public var instructions: Range<Int>
    public var macs: Int
    public var requantization: String
    /// How the layer runs on the accelerator, e.g. "diagonal GEMM (…), rows 8, …".
    public var lowering: String
    /// For convolutions: the key of the layer in `schedules.json` and the tiling used.
    public var workload: String?
    public var tiling: TilingSchedule?
}

/// Everything the accelerator needs: the constants region and one program per segment.
public struct LoweredModel: Sendable {
    public var constants: [UInt8]
    public var segments: [SegmentProgram]
    public var layers: [LoweredLayer]
    public var scratchSize: Int
}

/// Lowers every accelerator segment of a placed graph, layer by layer, building the constants
/// region (the model's constants at the memory plan's offsets, then packed weights, folded
/// biases and requantization constants).
public enum ModelLowering {
    public static func lower(
        _ placed: PlacedGraph, memory: MemoryPlan, target: Target
    ) throws(LoweringError) -> LoweredModel {
        let graph = placed.graph
        var constants = ConstantsRegion(alignment: memory.alignment)
        // The model's own constants, where the memory plan put them (the CPU kernels read them).
        var raw = [UInt8](repeating: 0, count: memory.constantsSize)
        for (id, allocation) in memory.allocations where allocation.region == .constants {
            if let data = graph.values[id].constant {
                raw.replaceSubrange(allocation.offset..<(allocation.offset + data.count), with: data)
            }
        }
        _ = constants.append(raw)
        var context = LayerContext(graph: graph, memory: memory, target: target, constants: constants)
        var segments: [SegmentProgram] = []
        var layers: [LoweredLayer] = []
        for segment in placed.segments {
            var builder = StreamBuilder(config: target.config)
            var starts: [(NodeID, Int)] = []
            for id in segment.nodes {
                starts.append((id, builder.instructions.count))
                try context.lower(graph.nodes[id], into: &builder)
            }
            let program = SegmentProgram(builder)
            let end = builder.instructions.count
            for (i, (id, start)) in starts.enumerated() {
                let stop = i + 1 < starts.count ? starts[i + 1].1 : end
                let node = graph.nodes[id]
                let first = start < end ? program.newIndex(start) : program.instructions.count - 2
                let last = stop < end ? program.newIndex(stop) : program.instructions.count - 2
                layers.append(
                    LoweredLayer(
                        node: id, name: node.name, kind: node.op.kindName, segment: segment.index,
                        instructions: first..<max(first, last), macs: node.macs,
                        requantization: context.routes[id] ?? "none", lowering: context.methods[id] ?? "",
                        workload: context.tilings[id]?.workload,
                        tiling: context.tilings[id]?.schedule))
            }
            segments.append(program)
        }
        return LoweredModel(
            constants: context.constants.bytes, segments: segments, layers: layers,
            scratchSize: context.scratchSize)
    }
}

/// The state shared while lowering the layers of a model.
struct LayerContext {
    let graph: Graph
    let memory: MemoryPlan
    let target: Target
    var constants: ConstantsRegion
    var routes: [NodeID: String] = [:]
    /// How each layer runs (what the plan says besides the requantization).
    var methods: [NodeID: String] = [:]
    /// The workload key and tiling of each convolution (what `schedules.json` would list).
    var tilings: [NodeID: (workload: String, schedule: TilingSchedule)] = [:]
    var scratchSize = 0
    var identityOffset: Int?

    var config: HardwareConfig { target.config }

    func allocation(_ value: ValueID) throws(LoweringError) -> TensorAllocation {
        guard let a = memory.allocations[value], a.region == .activations, let _ = a.layout else {
            throw LoweringError("tensor \(graph.values[value].name) is not in device memory")
        }
        return a
    }

    func quantization(_ value: ValueID) throws(LoweringError) -> TensorQuantization {
        guard let q = graph.values[value].tensorQuantization else {
            throw LoweringError("tensor \(graph.values[value].name) is not quantized per tensor")
        }
        return q
    }

    static func fused(_ a: Activation) throws(LoweringError) -> FusedActivation {
        guard let fused = a.fused else { throw LoweringError("fused activation \(a) is not lowered") }
        return fused
    }

    mutating func lower(_ node: Node, into b: inout StreamBuilder) throws(LoweringError) {
        switch node.op {
        case .conv2D(let a), .depthwiseConv2D(let a):
            try lowerConvolution(node, a, into: &b)
        case .fullyConnected(let a):
            try lowerFullyConnected(node, a, into: &b)
        case .maxPool2D(let a), .averagePool2D(let a):
            try lowerPool(node, a, into: &b)
        case .relu, .relu6, .reluN1To1:
            try lowerClamp(node, into: &b)
        case .add:
            try lowerAdd(node, into: &b)
        case .reshape:
            break  // the output aliases the input's buffer
        default:
            throw LoweringError("\(node.op.kindName) has no VTA lowering")
        }
    }

    /// The int8 weights and int32 bias of a matmul node.
    func weightsAndBias(
        _ node: Node
    ) throws(LoweringError) -> (weights: [Int8], shape: [Int], bias: [Int32]?, scales: [Float]) {
        guard let wid = node.inputs[1], let data = graph.values[wid].constant,
            let q = graph.values[wid].quantization
        else {
            throw LoweringError("\(node.name): weights are not constant")
        }
        var bias: [Int32]? = nil
        if node.inputs.count > 2, let bid = node.inputs[2], let bytes = graph.values[bid].constant {
            bias = stride(from: 0, to: bytes.count, by: 4).map { i in
                Int32(
                    bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16
                        | UInt32(bytes[i + 3]) << 24)
            }
        }
        return (data.map { Int8(bitPattern: $0) }, graph.values[wid].shape, bias, q.scales)
    }

    /// Requantization of `channels` outputs whose accumulators are bounded per channel.
    mutating func requantizer(
        _ node: Node, rounding: RequantizationSpec.Rounding, output: TensorQuantization,
        activation: ActivationRange,
        channels: Int, bounds: [ClosedRange<Int64>]
    ) throws(LoweringError) -> RequantizationPlan {
        let spec = RequantizationSpec(
            rounding: rounding, outputZeroPoint: output.zeroPoint, activationMin: activation.min,
            activationMax: activation.max, channels: channels, accumulatorBounds: bounds)
        var plan: RequantizationPlan
        do {
            plan = try RequantizationPlan(spec: spec, target: target)
        } catch {
            throw LoweringError("\(node.name): \(error)")
        }
        plan.placement.constantsOffset = constants.append(plan.constants)
        // What requantizing costs the compute module, per output vector and for the layer (a
        // 64-vector tile's serial cycles by the cycle model, scaled to the layer's vectors).
        let tile = plan.maximumChunkVectors
        let perVector = Double(plan.cost(tileVectors: tile).computeCycles) / Double(tile)
        let out = PackedLayout(shape: graph.values[node.outputs[0]].shape, config: config)
        let vectors = (out.n + out.batch - 1) / out.batch * out.channelBlocks * out.h * out.w
        routes[node.id] =
            "\(plan.route): \(Int(perVector.rounded())) cycles/vector, \(Int((perVector * Double(vectors)).rounded())) cycles"
        return plan
    }

    /// Per output channel: the largest |accumulator| TFLite can produce, Σ|w|·255 + |bias|.
    static func bounds(
        weights: [Int8], perOutput: Int, depthwise: Bool, channels: Int, bias: [Int32]?
    ) -> [ClosedRange<Int64>] {
        (0..<channels).map { c in
            var sum: Int64 = 0
            if depthwise {
                for (i, w) in weights.enumerated() where i % channels == c { sum += Int64(abs(Int(w))) }
            } else {
                for w in weights[(c * perOutput)..<((c + 1) * perOutput)] { sum += Int64(abs(Int(w))) }
            }
            let b = Int64(bias?[c] ?? 0)
            let m = sum * 255 + abs(b)
            return -m...m
        }
    }
}
