import GraphIR
import TFLite

/// The attributes of an operator as named report fields, in a fixed order.
enum OperatorDetails {
    static func fields(of op: Op) -> [(key: String, value: ReportValue)] {
        switch op {
        case .conv2D(let a), .depthwiseConv2D(let a):
            var fields: [(key: String, value: ReportValue)] = [
                ("kernel", .ints([a.kernelH, a.kernelW])),
                ("stride", .ints([a.strideH, a.strideW])),
                ("dilation", .ints([a.dilationH, a.dilationW])),
                ("padding", .string(a.paddingScheme.description)),
                ("pad", .ints([a.padding.top, a.padding.bottom, a.padding.left, a.padding.right])),
                ("activation", .string(a.activation.description)),
                ("in_channels", .int(a.inputChannels)),
                ("out_channels", .int(a.outputChannels)),
            ]
            if case .depthwiseConv2D = op { fields.append(("depth_multiplier", .int(a.depthMultiplier))) }
            return fields
        case .fullyConnected(let a):
            return [
                ("activation", .string(a.activation.description)),
                ("keep_num_dims", .bool(a.keepNumDims)),
                ("batches", .int(a.batches)),
                ("in_depth", .int(a.inputDepth)),
                ("out_depth", .int(a.outputDepth)),
            ]
        case .averagePool2D(let a), .maxPool2D(let a):
            return [
                ("filter", .ints([a.filterH, a.filterW])),
                ("stride", .ints([a.strideH, a.strideW])),
                ("padding", .string(a.paddingScheme.description)),
                ("pad", .ints([a.padding.top, a.padding.bottom, a.padding.left, a.padding.right])),
                ("activation", .string(a.activation.description)),
            ]
        case .add(let activation), .sub(let activation), .mul(let activation):
            return [("activation", .string(activation.description))]
        case .softmax(let beta):
            return [("beta", .float(beta))]
        case .concatenation(let axis, let activation):
            return [("axis", .int(axis)), ("activation", .string(activation.description))]
        case .mean(let keepDims):
            return [("keep_dims", .bool(keepDims))]
        case .other(_, let options):
            return otherFields(options)
        case .reshape(let newShape):
            return newShape.map { [("new_shape", .ints($0))] } ?? []
        case .deviceCopy(let from, let to):
            return [("from", .string(from.description)), ("to", .string(to.description))]
        case .quantize, .dequantize, .pad, .logistic, .relu, .relu6, .reluN1To1:
            return []
        }
    }

    /// Options of operators the IR keeps by name only.
    private static func otherFields(_ options: OperatorOptions) -> [(key: String, value: ReportValue)] {
        switch options {
        case .none: return []
        case .elementwise(let activation, _): return [("activation", .string(activation.description))]
        case .reshape(let newShape): return newShape.map { [("new_shape", .ints($0))] } ?? []
        case .reducer(let keepDims): return [("keep_dims", .bool(keepDims))]
        case .squeeze(let dims): return [("squeeze_dims", .ints(dims))]
        case .leakyRelu(let alpha): return [("alpha", .float(alpha))]
        case .softmax(let beta): return [("beta", .float(beta))]
        case .concatenation(let axis, let activation):
            return [("axis", .int(axis)), ("activation", .string(activation.description))]
        case .unread(let tag): return [("options", .string("not read (BuiltinOptions tag \(tag))"))]
        case .conv2D, .depthwiseConv2D, .pool2D, .fullyConnected:
            return [("options", .string("\(options)"))]
        }
    }
}
