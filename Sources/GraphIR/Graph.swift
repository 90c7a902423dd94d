import TFLite

/// Index of a value (a tensor) in its graph. Values keep the index of the TFLite tensor they
/// come from, so reports, goldens and the model file all speak of the same numbers.
public typealias ValueID = Int

/// Index of a node in its graph, in execution order.
public typealias NodeID = Int

/// The compiler's view of a model: a DAG of typed operators over typed values. A value type, so
/// that passes return new graphs instead of mutating shared state.
public struct Graph: Sendable {
    public var name: String
    public var values: [Value]
    /// Nodes in a valid execution order (the model's order).
    public var nodes: [Node]
    public var inputs: [ValueID]
    public var outputs: [ValueID]

    public init(name: String, values: [Value], nodes: [Node], inputs: [ValueID], outputs: [ValueID]) {
        self.name = name
        self.values = values
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The nodes that read `value`, in execution order.
    public func consumers(of value: ValueID) -> [NodeID] {
        nodes.filter { $0.inputs.contains(value) }.map(\.id)
    }

    /// Multiply-accumulates of one inference.
    public var totalMACs: Int { nodes.reduce(0) { $0 + $1.macs } }

    /// Bytes of constant data (weights, biases, tables).
    public var constantBytes: Int { values.reduce(0) { $0 + ($1.constant?.count ?? 0) } }
}

/// A tensor: shape, element type, quantization, and either constant contents or a producer.
public struct Value: Sendable {
    public var id: ValueID
    public var name: String
    public var shape: [Int]
    public var type: ElementType
    public var quantization: Quantization?
    /// Constant contents, little-endian and row-major; nil for activations.
    public var constant: [UInt8]?
    /// The node that writes this value; nil for graph inputs and constants.
    public var producer: NodeID?

    public init(
        id: ValueID, name: String, shape: [Int], type: ElementType, quantization: Quantization?,
        constant: [UInt8]?, producer: NodeID?
    ) {
        self.id = id
        self.name = name
        self.shape = shape
        self.type = type
        self.quantization = quantization
        self.constant = constant
        self.producer = producer
    }

    public var isConstant: Bool { constant != nil }
    public var elementCount: Int { shape.reduce(1, *) }

    /// Bytes of one instance of this tensor in NHWC (0 where the type has no fixed size).
    public var byteCount: Int { elementCount * (type.byteSize ?? 0) }
}

/// One operator. `inputs` holds nil where an optional input is omitted (e.g. a convolution
/// without bias), so that positions keep their meaning.
public struct Node: Sendable {
    public var id: NodeID
    /// A stable, readable name: the name of the first output tensor, as Vela names operations.
    public var name: String
    public var op: Op
    public var inputs: [ValueID?]
    public var outputs: [ValueID]
    /// Multiply-accumulates of this node for one inference (0 for operators without a matmul).
    public var macs: Int
    /// The device this node runs on; nil until partitioning annotates the graph.
    public var device: Device?

    public init(
        id: NodeID, name: String, op: Op, inputs: [ValueID?], outputs: [ValueID], macs: Int,
        device: Device? = nil
    ) {
        self.id = id
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
        self.macs = macs
        self.device = device
    }

    /// The inputs that are present.
    public var presentInputs: [ValueID] { inputs.compactMap { $0 } }
}
