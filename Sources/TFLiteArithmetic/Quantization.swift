/// Per-tensor affine quantization of a tensor: `real = scale · (q − zeroPoint)`.
public struct TensorQuantization: Hashable, Sendable {
    public var scale: Float
    public var zeroPoint: Int32

    public init(scale: Float, zeroPoint: Int32) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }
}

/// The integer element types TFLite's quantized kernels use, with their ranges.
public enum QuantizedType: Sendable {
    case int8, uint8

    public var min: Int32 { self == .int8 ? -128 : 0 }
    public var max: Int32 { self == .int8 ? 127 : 255 }
}

/// A fused activation function as far as quantized kernels see it. TFLite's other fused
/// activations (TANH, SIGN_BIT) are ignored by its int8 kernels, which clamp to the type's
/// full range as for `.none`; map them to `.none` to reproduce that.
public enum FusedActivation: Sendable, CaseIterable {
    case none, relu, relu6, reluN1To1
}

/// Why an operator's parameters cannot be prepared. Each case is a condition under which
/// TFLite's Prepare fails (so the golden interpreter would refuse the model too), or a value
/// our kernels cannot represent.
public enum PrepareError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A scale is zero, negative, infinite or NaN.
    case invalidScale(String)
    /// A zero point is outside the quantized type's range.
    case invalidZeroPoint(String)
    /// The fused activation's range is empty on this output quantization.
    case emptyActivationRange
    /// Softmax's `beta · s_in · 2^26` is not above 1 (TFLite's QuantizeMultiplierGreaterThanOne
    /// check).
    case softmaxScaleTooSmall
    /// Softmax's output quantization is not scale 1/256, zero point −128.
    case softmaxOutputQuantization
    /// A real multiplier is outside what TFLite's integer path accepts (e.g. ADD's input
    /// multipliers must be below 1).
    case multiplierOutOfRange(String)
    /// The bias scale differs from `s_in · s_w` by more than 2 % of the output scale
    /// (TFLite's GetQuantizedConvolutionMultipler check).
    case biasScaleMismatch
    /// Filter and output channel counts do not fit together.
    case channelMismatch(String)

    public var description: String {
        switch self {
        case .invalidScale(let what): "invalid scale: \(what)"
        case .invalidZeroPoint(let what): "invalid zero point: \(what)"
        case .emptyActivationRange: "the fused activation's range is empty for this output quantization"
        case .softmaxScaleTooSmall: "softmax: beta * input scale * 2^26 must exceed 1"
        case .softmaxOutputQuantization: "softmax: the int8 output must have scale 1/256 and zero point -128"
        case .multiplierOutOfRange(let what): "multiplier out of range: \(what)"
        case .biasScaleMismatch: "bias scale differs from input scale * filter scale"
        case .channelMismatch(let what): "channel mismatch: \(what)"
        }
    }
}

/// The clamp range `[min, max]` a fused activation imposes on a quantized output.
public struct ActivationRange: Hashable, Sendable {
    public var min: Int32
    public var max: Int32

    public init(min: Int32, max: Int32) {
        self.min = min
        self.max = max
    }

    /// TFLite's `CalculateActivationRangeQuantized`: with `quantize(f) = zp + Int32(round(f /
    /// scale))` (a Float division, ties away from zero), RELU gives `[max(qmin, quantize(0)),
    /// qmax]`, RELU6 `[max(qmin, quantize(0)), min(qmax, quantize(6))]`, RELU_N1_TO_1
    /// `[max(qmin, quantize(−1)), min(qmax, quantize(1))]` and NONE `[qmin, qmax]`. Throws where
    /// TFLite's Prepare fails (the range would be empty).
    public init(
        _ activation: FusedActivation, output: TensorQuantization, type: QuantizedType = .int8
    ) throws(PrepareError) {
        try validate(output, type: type, name: "output")
        let qmin = type.min
        let qmax = type.max
        func quantize(_ f: Float) throws(PrepareError) -> Int64 {
            let r = FixedPoint.round(f / output.scale)
            // Far outside Int32 only for absurdly small scales; TFLite's cast would be undefined.
            guard r.magnitude < 2_147_483_648 else { throw .invalidScale("output scale \(output.scale)") }
            return Int64(output.zeroPoint) + Int64(r)
        }
        var lo = Int64(qmin)
        var hi = Int64(qmax)
        switch activation {
        case .none:
            break
        case .relu:
            let zero = try quantize(0)
            guard zero <= qmax else { throw .emptyActivationRange }
            lo = Swift.max(lo, zero)
        case .relu6:
            let zero = try quantize(0)
            let six = try quantize(6)
            guard zero <= qmax, six >= qmin else { throw .emptyActivationRange }
            lo = Swift.max(lo, zero)
            hi = Swift.min(hi, six)
        case .reluN1To1:
            let minusOne = try quantize(-1)
            let one = try quantize(1)
            guard minusOne <= qmax, one >= qmin else { throw .emptyActivationRange }
            lo = Swift.max(lo, minusOne)
            hi = Swift.min(hi, one)
        }
        self.init(min: Int32(lo), max: Int32(hi))
    }
}

/// Checks a per-tensor quantization: finite positive scale, zero point within the type.
func validate(_ q: TensorQuantization, type: QuantizedType, name: String) throws(PrepareError) {
    guard q.scale > 0, q.scale.isFinite else { throw .invalidScale("\(name) scale \(q.scale)") }
    guard q.zeroPoint >= type.min, q.zeroPoint <= type.max else {
        throw .invalidZeroPoint("\(name) zero point \(q.zeroPoint)")
    }
}

func validateScales(_ scales: [Float], name: String) throws(PrepareError) {
    guard !scales.isEmpty else { throw .invalidScale("\(name): no scales") }
    for s in scales where !(s > 0 && s.isFinite) {
        throw .invalidScale("\(name) scale \(s)")
    }
}

/// TFLite's padding schemes and its output-size and padding arithmetic
/// (`ComputeOutSize`, `ComputePaddingHeightWidth`).
public enum PaddingScheme: Sendable {
    case same, valid

    /// The output size along one axis: SAME `ceil(in / stride)`, VALID
    /// `ceil((in − effective_filter + 1) / stride)` (0 if the filter does not fit), with
    /// `effective_filter = (filter − 1) · dilation + 1`.
    public func outputSize(inputSize: Int, filterSize: Int, stride: Int, dilation: Int = 1) -> Int {
        guard stride > 0 else { return 0 }
        let effective = (filterSize - 1) * dilation + 1
        switch self {
        case .same: return (inputSize + stride - 1) / stride
        case .valid: return Swift.max(0, (inputSize + stride - effective) / stride)
        }
    }

    /// The padding before (top/left) and after (bottom/right) along one axis, for an output of
    /// `outputSize`: the total `(out − 1) · stride + effective_filter − in` (at least 0) is split
    /// with the odd pixel after, as TFLite does. VALID has no padding.
    public func padding(
        inputSize: Int, filterSize: Int, stride: Int, dilation: Int = 1, outputSize: Int
    ) -> (before: Int, after: Int) {
        guard self == .same else { return (0, 0) }
        let effective = (filterSize - 1) * dilation + 1
        let total = Swift.max(0, (outputSize - 1) * stride + effective - inputSize)
        return (total / 2, total - total / 2)
    }
}
