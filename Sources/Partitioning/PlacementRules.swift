import GraphIR
import TFLite
import VTATarget

/// How each operator kind relates to the accelerator.
public enum OperatorClass: String, Sendable {
    /// Lowered to VTA microcode when every rule holds.
    case accelerated
    /// Moves no data in VTA's layout (e.g. a reshape that keeps channels last): runs wherever
    /// its neighbours do.
    case layoutNeutral = "layout-neutral"
    /// Runs on the CPU.
    case cpu
}

/// The placement rules and the operator classes, in one table.
public enum PlacementRules {
    static let convolutions: Set<String> = ["CONV_2D", "DEPTHWISE_CONV_2D"]
    static let matmuls: Set<String> = ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"]
    static let pools: Set<String> = ["MAX_POOL_2D", "AVERAGE_POOL_2D"]
    static let clamps: Set<String> = ["RELU", "RELU6", "RELU_N1_TO_1"]
    /// Every kind VTA can run.
    public static let acceleratedKinds: Set<String> = matmuls.union(pools).union(clamps).union(["ADD"])

    /// The class of an operator kind, before any rule is checked.
    public static func operatorClass(of kind: String) -> OperatorClass {
        if acceleratedKinds.contains(kind) { return .accelerated }
        if kind == "RESHAPE" { return .layoutNeutral }
        return .cpu
    }

    /// Every rule, in the order the report lists them.
    public static let all: [PlacementRule] = [
        PlacementRule(
            id: "io.int8", kinds: acceleratedKinds.union(["RESHAPE"]),
            reason: "activations are int8: VTA loads int8 inputs and stores int8 outputs"
        ) { c in c.activations.allSatisfy { $0.type == .int8 } },
        PlacementRule(
            id: "io.per-tensor", kinds: acceleratedKinds,
            reason:
                "activations have one scale and zero point: a lane-wise ALU applies one offset to every channel"
        ) { c in c.activations.allSatisfy { ($0.quantization?.scales.count ?? 0) == 1 } },
        PlacementRule(
            id: "io.batch", kinds: acceleratedKinds,
            reason: "the batch is a multiple of the core's BATCH"
        ) { c in c.activations.allSatisfy { ($0.shape.first ?? 1) % c.target.config.batch == 0 } },
        PlacementRule(
            id: "weights.constant", kinds: matmuls,
            reason: "weights and bias are constants: they are packed into GEMM tiles when compiling"
        ) { c in [1, 2].allSatisfy { c.input($0)?.isConstant ?? true } },
        PlacementRule(
            id: "weights.int8-symmetric", kinds: matmuls,
            reason:
                "weights are int8 with zero point 0 (per channel allowed), as TFLite's int8 scheme has them"
        ) { c in
            guard let w = c.input(1), w.type == .int8, let q = w.quantization else { return false }
            return q.zeroPoints.allSatisfy { $0 == 0 }
        },
        PlacementRule(
            id: "bias.int32", kinds: matmuls,
            reason: "the bias is int32 or absent: it initialises the 32-bit accumulators"
        ) { c in c.input(2).map { $0.type == .int32 } ?? true },
        PlacementRule(
            id: "conv.dilation-1", kinds: convolutions,
            reason: "dilation is 1: dilated taps are not lowered"
        ) { c in
            switch c.node.op {
            case .conv2D(let a), .depthwiseConv2D(let a): a.dilationH == 1 && a.dilationW == 1
            default: false
            }
        },
        PlacementRule(
            id: "dwconv.multiplier", kinds: ["DEPTHWISE_CONV_2D"],
            reason: "depth multiplier is 1, or the input has one channel (then it is a plain convolution)"
        ) { c in
            guard case .depthwiseConv2D(let a) = c.node.op else { return false }
            return a.depthMultiplier == 1 || a.inputChannels == 1
        },
        PlacementRule(
            id: "fc.default-weights", kinds: ["FULLY_CONNECTED"],
            reason: "weights are in the default row-major format, not TFLite's shuffled one"
        ) { c in
            guard case .fullyConnected = c.node.op, let w = c.input(1) else { return false }
            return w.shape.count == 2
        },
        PlacementRule(
            id: "add.same-shape", kinds: ["ADD"],
            reason: "both inputs have the output's shape: the ALU has no broadcasting"
        ) { c in
            let out = c.graph.values[c.node.outputs[0]].shape
            return c.node.presentInputs.allSatisfy {
                c.graph.values[$0].shape == out && !c.graph.values[$0].isConstant
            }
        },
        PlacementRule(
            id: "add.exact-rule", kinds: ["ADD"],
            reason:
                "TFLite's ADD equals one linear floor of the two int8 inputs, clamp((a·x1 + b·x2 + c) >> n), "
                + "checked at all 65,536 input pairs, with a and b below 2^22 (three GEMM digits)"
        ) { c in ElementwiseAdd.rule(c.node, in: c.graph) != nil },
        PlacementRule(
            id: "add.three-vectors", kinds: ["ADD"],
            reason:
                "the tensor spans at least three BATCH×BLOCK vectors, and a row fits a quarter of the input "
                + "buffer: the accumulator hazard rule needs three distinct vectors between writes of one"
        ) { c in
            let layout = PackedLayout(shape: c.graph.values[c.node.outputs[0]].shape, config: c.target.config)
            let vectors =
                (layout.n + layout.batch - 1) / layout.batch * layout.channelBlocks * layout.h * layout.w
            return vectors >= 3 && 4 * layout.w <= c.target.config.depth(.input)
        },
        PlacementRule(
            id: "add.square-block", kinds: ["ADD"],
            reason: "BLOCK_IN equals BLOCK_OUT: each lane is multiplied by a diagonal weight tile"
        ) { c in c.target.config.blockIn == c.target.config.blockOut },
        PlacementRule(
            id: "pool.same-quantization", kinds: pools,
            reason: "input and output share scale and zero point, as TFLite requires for pooling"
        ) { c in
            guard let x = c.input(0), let y = c.graph.values[c.node.outputs[0]].quantization else {
                return false
            }
            return x.quantization == y
        },
        PlacementRule(
            id: "avgpool.power-of-two", kinds: ["AVERAGE_POOL_2D"],
            reason: "every window averages the same power of two of taps (no window reaches the padding): "
                + "other divisions need a multiplier the lowering does not build yet"
        ) { c in
            guard case .averagePool2D(let a) = c.node.op else { return false }
            let n = a.filterH * a.filterW
            return a.padding == .zero && n & (n - 1) == 0
        },
        PlacementRule(
            id: "clamp.same-quantization", kinds: clamps,
            reason: "input and output share scale and zero point, so the activation is a clamp (MIN/MAX)"
        ) { c in
            guard let x = c.input(0), let y = c.graph.values[c.node.outputs[0]].quantization else {
                return false
            }
            return x.quantization == y
        },
        PlacementRule(
            id: "reshape.layout-neutral", kinds: ["RESHAPE"],
            reason: "the reshape keeps channels last, or flattens into FULLY_CONNECTED readers only "
                + "(whose weight columns are then permuted to VTA's packed order when compiling)"
        ) { c in
            guard let x = c.input(0) else { return false }
            let y = c.graph.values[c.node.outputs[0]]
            let outer = { (s: [Int]) in s.dropLast().filter { $0 != 1 } }
            if x.shape.last == y.shape.last && outer(x.shape) == outer(y.shape) { return true }
            return flattensIntoFullyConnected(c.graph, value: y.id)
        },
    ]

    /// True when every reader of `value` is a FULLY_CONNECTED with constant weights that reads
    /// it as its input (so the flattening order can be folded into the weights).
    public static func flattensIntoFullyConnected(_ graph: Graph, value: ValueID) -> Bool {
        let readers = graph.consumers(of: value)
        guard !readers.isEmpty, !graph.outputs.contains(value) else { return false }
        return readers.allSatisfy { id in
            let node = graph.nodes[id]
            guard case .fullyConnected = node.op, node.inputs.first == value, node.inputs.count > 1,
                let weights = node.inputs[1]
            else { return false }
            return graph.values[weights].isConstant
        }
    }

    /// The rules that apply to `node` and fail, in table order.
    public static func failures(_ context: PlacementContext) -> [PlacementRule] {
        all.filter { $0.applies(to: context.node) && !$0.check(context) }
    }
}
