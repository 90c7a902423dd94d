import GraphIR
import Synchronization
import TFLite
import TFLiteArithmetic

/// TFLite's int8 quantization of an ADD node as the placement rules and the lowering see it.
public enum ElementwiseAdd {
    /// The largest GEMM weight the lowering builds from base-256 digits (three digits, with
    /// every partial sum of the product within int32).
    public static let maxWeightMagnitude = 1 << 22

    /// The node's quantization, or nil when an input or the output is not int8 per tensor.
    public static func quantization(_ node: Node, in graph: Graph) -> AddQuantization? {
        guard case .add(let activation) = node.op, node.inputs.count == 2,
            let a = node.inputs[0], let b = node.inputs[1], let fused = activation.fused,
            let q1 = graph.values[a].tensorQuantization, let q2 = graph.values[b].tensorQuantization,
            let q = graph.values[node.outputs[0]].tensorQuantization
        else { return nil }
        return try? AddQuantization(input1: q1, input2: q2, output: q, activation: fused)
    }

    /// The exact linear rule VTA evaluates for the node, if there is one. Placement asks
    /// when it checks the rules and the lowering when it emits the layer: the search (65,536
    /// pairs per candidate) runs once per quantization.
    public static func rule(_ node: Node, in graph: Graph) -> AddLinearRule? {
        guard let q = quantization(node, in: graph) else { return nil }
        if let known = found.withLock({ $0[q] }) { return known }
        let rule = AddLinearRule.find(for: q, maxWeightMagnitude: maxWeightMagnitude)
        found.withLock { $0[q] = .some(rule) }
        return rule
    }

    /// Rules found so far (nil entries: none exists), per quantization.
    private static let found = Mutex<[AddQuantization: AddLinearRule?]>([:])
}

extension Activation {
    /// The fused activation TFLiteArithmetic clamps with, or nil for one VTA does not apply
    /// (TANH, SIGN_BIT, ...).
    public var fused: FusedActivation? {
        switch self {
        case .none: FusedActivation.none
        case .relu: .relu
        case .relu6: .relu6
        case .reluN1To1: .reluN1To1
        default: nil
        }
    }
}

extension Value {
    /// The value's per-tensor int8/uint8 quantization, or nil when it has none or one per channel.
    public var tensorQuantization: TensorQuantization? {
        guard let q = quantization, let scale = q.scale, let zp = q.zeroPoint else { return nil }
        return TensorQuantization(scale: scale, zeroPoint: Int32(zp))
    }
}
