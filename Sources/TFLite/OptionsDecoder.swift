import CTFLiteReader

/// Maps the shim's flat options struct to one typed `OperatorOptions` value, by the tag of the
/// BuiltinOptions union. Enum values outside the schema are refused, naming the operator.
enum OptionsDecoder {
    /// Union tags of the options tables vtac decodes (positions in the schema's BuiltinOptions).
    enum Tag {
        static let conv2D: UInt8 = 1
        static let depthwiseConv2D: UInt8 = 2
        static let pool2D: UInt8 = 5
        static let fullyConnected: UInt8 = 8
        static let softmax: UInt8 = 9
        static let concatenation: UInt8 = 10
        static let add: UInt8 = 11
        static let reshape: UInt8 = 17
        static let mul: UInt8 = 21
        static let reducer: UInt8 = 27
        static let sub: UInt8 = 28
        static let div: UInt8 = 29
        static let squeeze: UInt8 = 30
        static let leakyRelu: UInt8 = 75
        /// Tables that exist but hold no fields (PAD, TRANSPOSE, DEQUANTIZE, MAXIMUM/MINIMUM,
        /// PADV2, QUANTIZE): reading them yields `.none`.
        static let empty: Set<UInt8> = [22, 26, 38, 39, 43, 89]
    }

    static func decode(_ o: TflOptions, label: String, path: String) throws(TFLiteError) -> OperatorOptions {
        func invalid(_ what: String) -> TFLiteError { .invalid(path: path, what: "\(label) \(what)") }
        func activation(_ raw: Int8) throws(TFLiteError) -> Activation {
            guard let a = Activation(rawValue: raw) else {
                throw invalid("has unknown fused activation \(raw)")
            }
            return a
        }
        func padding(_ raw: Int8) throws(TFLiteError) -> Padding {
            guard let p = Padding(rawValue: raw) else { throw invalid("has unknown padding \(raw)") }
            return p
        }
        func ints(_ v: TflInts) -> [Int] {
            guard let data = v.data, v.count > 0 else { return [] }
            return UnsafeBufferPointer(start: data, count: v.count).map { Int($0) }
        }

        switch o.options_type {
        case 0: return .none
        case Tag.conv2D:
            return .conv2D(
                Conv2DOptions(
                    padding: try padding(o.padding), strideW: Int(o.stride_w), strideH: Int(o.stride_h),
                    dilationW: Int(o.dilation_w), dilationH: Int(o.dilation_h),
                    activation: try activation(o.fused_activation)))
        case Tag.depthwiseConv2D:
            return .depthwiseConv2D(
                DepthwiseConv2DOptions(
                    padding: try padding(o.padding), strideW: Int(o.stride_w), strideH: Int(o.stride_h),
                    dilationW: Int(o.dilation_w), dilationH: Int(o.dilation_h),
                    depthMultiplier: Int(o.depth_multiplier), activation: try activation(o.fused_activation)))
        case Tag.pool2D:
            return .pool2D(
                Pool2DOptions(
                    padding: try padding(o.padding), strideW: Int(o.stride_w), strideH: Int(o.stride_h),
                    filterW: Int(o.filter_w), filterH: Int(o.filter_h),
                    activation: try activation(o.fused_activation)))
        case Tag.fullyConnected:
            return .fullyConnected(
                FullyConnectedOptions(
                    activation: try activation(o.fused_activation), weightsFormat: Int(o.weights_format),
                    keepNumDims: o.keep_num_dims, asymmetricQuantizeInputs: o.asymmetric_quantize_inputs))
        case Tag.softmax:
            return .softmax(beta: o.beta)
        case Tag.concatenation:
            return .concatenation(axis: Int(o.axis), activation: try activation(o.fused_activation))
        case Tag.add, Tag.sub, Tag.mul, Tag.div:
            return .elementwise(
                activation: try activation(o.fused_activation), potScaleInt16: o.pot_scale_int16)
        case Tag.reshape:
            return .reshape(newShape: o.new_shape.present ? ints(o.new_shape) : nil)
        case Tag.reducer:
            return .reducer(keepDims: o.keep_dims)
        case Tag.squeeze:
            return .squeeze(dims: ints(o.squeeze_dims))
        case Tag.leakyRelu:
            return .leakyRelu(alpha: o.alpha)
        case let tag where Tag.empty.contains(tag):
            return .none
        default:
            return .unread(tag: Int(o.options_type))
        }
    }
}
