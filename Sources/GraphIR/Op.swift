import TFLite

/// An operator with its attributes, typed per kind. Attributes are resolved: padding is given
/// as explicit amounts, kernel sizes and channel counts are read off the tensors, so that later
/// stages never recompute TFLite's conventions.
public enum Op: Sendable, Equatable {
    case conv2D(ConvAttributes)
    case depthwiseConv2D(ConvAttributes)
    case fullyConnected(FullyConnectedAttributes)
    case add(activation: Activation)
    case sub(activation: Activation)
    case mul(activation: Activation)
    case averagePool2D(PoolAttributes)
    case maxPool2D(PoolAttributes)
    /// The target shape from the options, when the model records it (the output shape rules).
    case reshape(newShape: [Int]?)
    case softmax(beta: Float)
    case quantize
    case dequantize
    case pad
    case concatenation(axis: Int, activation: Activation)
    case mean(keepDims: Bool)
    case logistic
    case relu
    case relu6
    case reluN1To1
    /// Moves a tensor between devices (inserted by partitioning, never read from a model); the
    /// layout change between NHWC and the accelerator's packed layout is part of the copy.
    case deviceCopy(from: Device, to: Device)
    /// Anything else, kept by its TFLite name with whatever options were read.
    case other(kind: OperatorKind, options: OperatorOptions)

    /// The TFLite operator name (`CONV_2D`), used in every report.
    public var kindName: String {
        switch self {
        case .conv2D: "CONV_2D"
        case .depthwiseConv2D: "DEPTHWISE_CONV_2D"
        case .fullyConnected: "FULLY_CONNECTED"
        case .add: "ADD"
        case .sub: "SUB"
        case .mul: "MUL"
        case .averagePool2D: "AVERAGE_POOL_2D"
        case .maxPool2D: "MAX_POOL_2D"
        case .reshape: "RESHAPE"
        case .softmax: "SOFTMAX"
        case .quantize: "QUANTIZE"
        case .dequantize: "DEQUANTIZE"
        case .pad: "PAD"
        case .concatenation: "CONCATENATION"
        case .mean: "MEAN"
        case .logistic: "LOGISTIC"
        case .relu: "RELU"
        case .relu6: "RELU6"
        case .reluN1To1: "RELU_N1_TO_1"
        case .deviceCopy: "DEVICE_COPY"
        case .other(let kind, _): kind.description
        }
    }
}

/// Explicit padding amounts, in elements.
public struct Padding2D: Sendable, Equatable {
    public var top: Int, bottom: Int, left: Int, right: Int
    public init(top: Int, bottom: Int, left: Int, right: Int) {
        self.top = top
        self.bottom = bottom
        self.left = left
        self.right = right
    }
    public static let zero = Padding2D(top: 0, bottom: 0, left: 0, right: 0)
}

/// CONV_2D and DEPTHWISE_CONV_2D.
public struct ConvAttributes: Sendable, Equatable {
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var dilationH: Int, dilationW: Int
    /// The scheme the model asked for, and the amounts it resolves to for these shapes.
    public var paddingScheme: TFLite.Padding
    public var padding: Padding2D
    public var activation: Activation
    public var inputChannels: Int
    public var outputChannels: Int
    /// Output channels per input channel (DEPTHWISE_CONV_2D only; 1 otherwise).
    public var depthMultiplier: Int
}

/// AVERAGE_POOL_2D and MAX_POOL_2D.
public struct PoolAttributes: Sendable, Equatable {
    public var filterH: Int, filterW: Int
    public var strideH: Int, strideW: Int
    public var paddingScheme: TFLite.Padding
    public var padding: Padding2D
    public var activation: Activation

    public init(
        filterH: Int, filterW: Int, strideH: Int, strideW: Int, paddingScheme: TFLite.Padding,
        padding: Padding2D,
        activation: Activation
    ) {
        self.filterH = filterH
        self.filterW = filterW
        self.strideH = strideH
        self.strideW = strideW
        self.paddingScheme = paddingScheme
        self.padding = padding
        self.activation = activation
    }
}

public struct FullyConnectedAttributes: Sendable, Equatable {
    public var activation: Activation
    public var keepNumDims: Bool
    /// Rows of the input matrix (input elements / inputDepth).
    public var batches: Int
    public var inputDepth: Int
    public var outputDepth: Int
}
