import TFLite

/// Why a model's graph could not be built: an operator whose tensors contradict its own kind.
public struct GraphError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// Builds the graph IR from one subgraph of a TFLite model. Shapes are checked against each
/// operator's arithmetic (TFLite's own output-size rules), so a model that TFLite would refuse
/// is refused here, with the operator named.
public enum GraphBuilder {
    public static func build(
        _ model: TFLiteModel, path: String, subgraph: Int = 0
    ) throws(GraphError) -> Graph {
        let source = model.subgraphs[subgraph]
        var values = source.tensors.map { t in
            Value(
                id: t.index, name: t.name, shape: t.shape, type: t.type, quantization: t.quantization,
                constant: t.data, producer: nil)
        }
        var nodes: [Node] = []
        for op in source.operators {
            let context = OperatorContext(op: op, tensors: source.tensors, path: path)
            let node = try context.makeNode(id: nodes.count)
            for output in node.outputs {
                if let earlier = values[output].producer {
                    throw context.error("writes tensor \(output), which operator \(earlier) already writes")
                }
                values[output].producer = node.id
            }
            nodes.append(node)
        }
        return Graph(
            name: source.name, values: values, nodes: nodes, inputs: source.inputs, outputs: source.outputs)
    }
}

/// One operator being converted: its tensors and the checks that give precise messages.
struct OperatorContext {
    let op: Operator
    let tensors: [Tensor]
    let path: String

    func error(_ what: String) -> GraphError {
        GraphError(path: path, message: "operator \(op.index) (\(op.kind)): \(what)")
    }

    func input(_ position: Int) throws(GraphError) -> Tensor {
        guard position < op.inputs.count, op.inputs[position] >= 0 else {
            throw error("input \(position) is missing")
        }
        return tensors[op.inputs[position]]
    }

    func optionalInput(_ position: Int) -> Tensor? {
        guard position < op.inputs.count, op.inputs[position] >= 0 else { return nil }
        return tensors[op.inputs[position]]
    }

    func output(_ position: Int = 0) throws(GraphError) -> Tensor {
        guard position < op.outputs.count else { throw error("output \(position) is missing") }
        return tensors[op.outputs[position]]
    }

    func rank(_ tensor: Tensor, _ expected: Int, role: String) throws(GraphError) {
        guard tensor.shape.count == expected else {
            throw error("\(role) tensor \(tensor.index) has shape \(tensor.shape), expected rank \(expected)")
        }
    }

    func makeNode(id: NodeID) throws(GraphError) -> Node {
        let (graphOp, macs) = try makeOp()
        let outputs = op.outputs
        let name = outputs.first.map { tensors[$0].name } ?? "op\(op.index)"
        return Node(
            id: id, name: name.isEmpty ? "op\(op.index)" : name, op: graphOp,
            inputs: op.inputs.map { $0 >= 0 ? $0 : nil }, outputs: outputs, macs: macs)
    }

    private func makeOp() throws(GraphError) -> (Op, Int) {
        guard case .builtin(let code) = op.kind else {
            return (.other(kind: op.kind, options: op.options), 0)
        }
        switch (code, op.options) {
        case (.conv2D, .conv2D(let o)):
            let a = try convolution(
                strideH: o.strideH, strideW: o.strideW, dilationH: o.dilationH, dilationW: o.dilationW,
                padding: o.padding, activation: o.activation, depthwise: false)
            return (.conv2D(a.attributes), a.macs)
        case (.depthwiseConv2D, .depthwiseConv2D(let o)):
            let a = try convolution(
                strideH: o.strideH, strideW: o.strideW, dilationH: o.dilationH, dilationW: o.dilationW,
                padding: o.padding, activation: o.activation, depthwise: true)
            return (.depthwiseConv2D(a.attributes), a.macs)
        case (.fullyConnected, .fullyConnected(let o)):
            let a = try fullyConnected(o)
            return (.fullyConnected(a), a.batches * a.inputDepth * a.outputDepth)
        case (.averagePool2D, .pool2D(let o)):
            return (.averagePool2D(try pool(o)), 0)
        case (.maxPool2D, .pool2D(let o)):
            return (.maxPool2D(try pool(o)), 0)
        case (.add, _):
            return (.add(activation: Self.activation(of: op.options)), 0)
        case (.sub, _):
            return (.sub(activation: Self.activation(of: op.options)), 0)
        case (.mul, _):
            return (.mul(activation: Self.activation(of: op.options)), 0)
        case (.reshape, .reshape(let newShape)): return (.reshape(newShape: newShape), 0)
        case (.reshape, _): return (.reshape(newShape: nil), 0)
        case (.softmax, .softmax(let beta)): return (.softmax(beta: beta), 0)
        case (.quantize, _): return (.quantize, 0)
        case (.dequantize, _): return (.dequantize, 0)
        case (.pad, _): return (.pad, 0)
        case (.concatenation, .concatenation(let axis, let act)):
            return (.concatenation(axis: axis, activation: act), 0)
        case (.mean, .reducer(let keepDims)): return (.mean(keepDims: keepDims), 0)
        case (.logistic, _): return (.logistic, 0)
        case (.relu, _): return (.relu, 0)
        case (.relu6, _): return (.relu6, 0)
        case (.reluN1To1, _): return (.reluN1To1, 0)
        case (.conv2D, _), (.depthwiseConv2D, _), (.fullyConnected, _), (.averagePool2D, _), (.maxPool2D, _),
            (.softmax, _), (.concatenation, _), (.mean, _):
            throw error("has no options of its kind (found \(op.options))")
        default:
            return (.other(kind: op.kind, options: op.options), 0)
        }
    }

    private static func activation(of options: OperatorOptions) -> Activation {
        if case .elementwise(let activation, _) = options { return activation }
        return .none
    }
}
