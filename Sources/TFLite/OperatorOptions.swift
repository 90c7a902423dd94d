/// Padding scheme of convolutions and pools, as TFLite defines it.
public enum Padding: Int8, Sendable, CustomStringConvertible {
    case same = 0, valid = 1
    public var description: String { self == .same ? "SAME" : "VALID" }
}

/// A fused activation function.
public enum Activation: Int8, Sendable, CustomStringConvertible {
    case none = 0, relu, reluN1To1, relu6, tanh, signBit
    public var description: String {
        switch self {
        case .none: "NONE"
        case .relu: "RELU"
        case .reluN1To1: "RELU_N1_TO_1"
        case .relu6: "RELU6"
        case .tanh: "TANH"
        case .signBit: "SIGN_BIT"
        }
    }
}

public struct Conv2DOptions: Equatable, Sendable {
    public var padding: Padding
    public var strideW: Int, strideH: Int
    public var dilationW: Int, dilationH: Int
    public var activation: Activation
}

public struct DepthwiseConv2DOptions: Equatable, Sendable {
    public var padding: Padding
    public var strideW: Int, strideH: Int
    public var dilationW: Int, dilationH: Int
    public var depthMultiplier: Int
    public var activation: Activation
}

public struct Pool2DOptions: Equatable, Sendable {
    public var padding: Padding
    public var strideW: Int, strideH: Int
    public var filterW: Int, filterH: Int
    public var activation: Activation
}

public struct FullyConnectedOptions: Equatable, Sendable {
    public var activation: Activation
    /// 0 = default row-major weights; 1 = the shuffled int8 format (refused later).
    public var weightsFormat: Int
    public var keepNumDims: Bool
    public var asymmetricQuantizeInputs: Bool
}

/// The options of one operator, typed by kind. `.none` for operators without options, and
/// `.unread(tag)` for an options table that vtac does not decode (kept so that reports can say so).
public enum OperatorOptions: Equatable, Sendable {
    case none
    case conv2D(Conv2DOptions)
    case depthwiseConv2D(DepthwiseConv2DOptions)
    case pool2D(Pool2DOptions)
    case fullyConnected(FullyConnectedOptions)
    case softmax(beta: Float)
    case concatenation(axis: Int, activation: Activation)
    /// ADD, SUB, MUL and DIV share this shape.
    case elementwise(activation: Activation, potScaleInt16: Bool)
    case reshape(newShape: [Int]?)
    case reducer(keepDims: Bool)
    case squeeze(dims: [Int])
    case leakyRelu(alpha: Float)
    case unread(tag: Int)
}
