import Foundation

/// A TFLite model as read from its flatbuffer: plain values, every index checked, every constant
/// buffer copied out and matched against its tensor's shape. Later stages never see the file.
public struct TFLiteModel: Sendable {
    /// Schema version (vtac reads version 3, the only one TFLite writes).
    public var version: UInt32
    public var description: String
    public var subgraphs: [Subgraph]
    /// Names of the metadata entries (e.g. `min_runtime_version`).
    public var metadataNames: [String]

    /// The subgraph TFLite runs: the first one.
    public var main: Subgraph { subgraphs[0] }
}

public struct Subgraph: Sendable {
    public var name: String
    public var tensors: [Tensor]
    public var operators: [Operator]
    public var inputs: [Int]
    public var outputs: [Int]
}

public struct Tensor: Sendable {
    public var index: Int
    public var name: String
    public var shape: [Int]
    /// The shape with -1 for dimensions unknown at conversion time, when the file records it.
    public var shapeSignature: [Int]?
    public var type: ElementType
    public var quantization: Quantization?
    /// Constant contents (little-endian, row-major), nil for activations.
    public var data: [UInt8]?
    public var isVariable: Bool

    public var isConstant: Bool { data != nil }

    /// Number of elements (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// What an operator is: a builtin by code, or a custom operator by name.
public enum OperatorKind: Hashable, Sendable, CustomStringConvertible {
    case builtin(BuiltinOperator)
    case custom(String)

    public var description: String {
        switch self {
        case .builtin(let op): op.name
        case .custom(let name): "CUSTOM(\(name))"
        }
    }
}

public struct Operator: Sendable {
    public var index: Int
    public var kind: OperatorKind
    /// The operator-code version the converter recorded.
    public var version: Int
    /// Tensor indices; -1 marks an omitted optional input (e.g. a missing bias).
    public var inputs: [Int]
    public var outputs: [Int]
    public var options: OperatorOptions
}
