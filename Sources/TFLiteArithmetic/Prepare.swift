// The integer parameters of TFLite's int8 operators, computed from float scales, zero points
// and the fused activation exactly as TFLite's Prepare functions compute them (the version the
// golden interpreter, ai-edge-litert 2.3.0, is built from). Both the CPU kernels
// (`CSDKernels`) and the VTA lowering consume these values.
//
// Conventions: an *offset* is what the kernel adds (`input_offset = −zero_point`,
// `output_offset = +zero_point`); a ``QuantizedMultiplier``'s shift is TFLite's exponent.

/// CONV_2D and DEPTHWISE_CONV_2D (per-channel int8 weights, TFLite's
/// `PopulateConvolutionQuantizationParams`).
public struct ConvQuantization: Hashable, Sendable {
    /// `−(input zero point)`.
    public var inputOffset: Int32
    /// The output zero point.
    public var outputOffset: Int32
    /// Per output channel: `Double(s_in) · Double(s_w[c]) / Double(s_out)` (computing the
    /// product in Float instead would be off by one LSB on some outputs).
    public var effectiveScales: [Double]
    /// Per output channel: `QuantizeMultiplier(effectiveScales[c])`.
    public var multipliers: [QuantizedMultiplier]
    /// The fused activation's clamp range.
    public var activationRange: ActivationRange

    /// - Parameters:
    ///   - input: the input tensor's quantization.
    ///   - filterScales: one scale per output channel, or a single per-tensor scale that TFLite
    ///     broadcasts to every channel.
    ///   - outputChannels: the number of output channels.
    ///   - output: the output tensor's quantization.
    ///   - activation: the fused activation.
    public init(
        input: TensorQuantization, filterScales: [Float], outputChannels: Int,
        output: TensorQuantization, activation: FusedActivation
    ) throws(PrepareError) {
        try validate(input, type: .int8, name: "input")
        try validateScales(filterScales, name: "filter")
        guard outputChannels > 0, filterScales.count == 1 || filterScales.count == outputChannels else {
            throw .channelMismatch(
                "\(filterScales.count) filter scales for \(outputChannels) output channels")
        }
        activationRange = try ActivationRange(activation, output: output)
        inputOffset = -input.zeroPoint
        outputOffset = output.zeroPoint
        effectiveScales = (0..<outputChannels).map { c in
            let s = filterScales.count == 1 ? filterScales[0] : filterScales[c]
            return Double(input.scale) * Double(s) / Double(output.scale)
        }
        multipliers = effectiveScales.map { QuantizedMultiplier($0) }
    }
}

/// FULLY_CONNECTED with int8 input, weights and output (per-tensor or per-channel weights).
public struct FullyConnectedQuantization: Hashable, Sendable {
    /// `−(input zero point)`.
    public var inputOffset: Int32
    /// `−(weights zero point)` for per-tensor weights; 0 for per-channel weights (TFLite's
    /// per-channel kernel assumes symmetric weights and ignores the zero point).
    public var weightsOffset: Int32
    /// The output zero point.
    public var outputOffset: Int32
    /// True when the weights have one scale per output channel.
    public var isPerChannel: Bool
    /// `Double(s_in) · Double(s_w[c]) / Double(s_out)`, one per output channel (per-channel) or
    /// a single value. ai-edge-litert 2.3.0's reference kernel requantizes with
    /// `FixedPoint.scaleAndRound(acc, scale:)` on these (the golden rule).
    public var effectiveScales: [Double]
    /// `QuantizeMultiplier` of the same values: what TFLite's optimized kernels and older
    /// reference kernels (double rounding) use.
    public var multipliers: [QuantizedMultiplier]
    /// The fused activation's clamp range.
    public var activationRange: ActivationRange

    /// - Parameters:
    ///   - input: the input tensor's quantization.
    ///   - weightScales: one scale (per-tensor) or one per output row (per-channel).
    ///   - weightZeroPoint: the weights' zero point (used for per-tensor weights only).
    ///   - outputDepth: the number of output units (rows of the weights).
    ///   - output: the output tensor's quantization.
    ///   - activation: the fused activation.
    ///   - biasScale: the bias tensor's scale, if there is a bias: for per-tensor weights
    ///     TFLite's Prepare rejects a bias scale that differs from `s_in · s_w` by more than 2 %
    ///     of `s_out` (per-channel weights are not checked here).
    public init(
        input: TensorQuantization, weightScales: [Float], weightZeroPoint: Int32 = 0, outputDepth: Int,
        output: TensorQuantization, activation: FusedActivation, biasScale: Float? = nil
    ) throws(PrepareError) {
        try validate(input, type: .int8, name: "input")
        try validateScales(weightScales, name: "weights")
        guard outputDepth > 0, weightScales.count == 1 || weightScales.count == outputDepth else {
            throw .channelMismatch("\(weightScales.count) weight scales for \(outputDepth) outputs")
        }
        guard weightZeroPoint >= -128, weightZeroPoint <= 127 else {
            throw .invalidZeroPoint("weights zero point \(weightZeroPoint)")
        }
        activationRange = try ActivationRange(activation, output: output)
        if let biasScale, weightScales.count == 1 {
            // GetQuantizedConvolutionMultipler: the product is taken in Float, then widened.
            let inputProductScale = Double(input.scale * weightScales[0])
            let diff = (inputProductScale - Double(biasScale)).magnitude
            guard diff / Double(output.scale) <= 0.02 else { throw .biasScaleMismatch }
        }
        isPerChannel = weightScales.count > 1
        inputOffset = -input.zeroPoint
        weightsOffset = isPerChannel ? 0 : -weightZeroPoint
        outputOffset = output.zeroPoint
        effectiveScales = weightScales.map { Double(input.scale) * Double($0) / Double(output.scale) }
        multipliers = effectiveScales.map { QuantizedMultiplier($0) }
    }
}

/// ADD of two int8 tensors (TFLite's general rescaling path for int8).
public struct AddQuantization: Hashable, Sendable {
    /// `−(zero point)` of each input.
    public var input1Offset: Int32
    public var input2Offset: Int32
    /// The output zero point.
    public var outputOffset: Int32
    /// 20 for int8 (15 for int16 outputs, not supported here).
    public var leftShift: Int32
    /// `QuantizeMultiplier(s1 / (2·max(s1, s2)))`, always below 1.
    public var input1: QuantizedMultiplier
    /// `QuantizeMultiplier(s2 / (2·max(s1, s2)))`, always below 1.
    public var input2: QuantizedMultiplier
    /// `QuantizeMultiplier(2·max(s1, s2) / (2^20 · s_out))`, must be below 1.
    public var output: QuantizedMultiplier
    /// The fused activation's clamp range.
    public var activationRange: ActivationRange

    public init(
        input1 q1: TensorQuantization, input2 q2: TensorQuantization, output q: TensorQuantization,
        activation: FusedActivation
    ) throws(PrepareError) {
        try validate(q1, type: .int8, name: "input 1")
        try validate(q2, type: .int8, name: "input 2")
        activationRange = try ActivationRange(activation, output: q)
        input1Offset = -q1.zeroPoint
        input2Offset = -q2.zeroPoint
        outputOffset = q.zeroPoint
        leftShift = 20
        // `2 * std::max(float, float)` is a Float product (exact), then widened.
        let twiceMaxInputScale = Double(2 * Swift.max(q1.scale, q2.scale))
        let real1 = Double(q1.scale) / twiceMaxInputScale
        let real2 = Double(q2.scale) / twiceMaxInputScale
        // `(1 << 20) * output->params.scale` is a Float product too (exact unless it overflows).
        let realOut = twiceMaxInputScale / Double(Float(1 << 20) * q.scale)
        // QuantizeMultiplierSmallerThanOneExp requires multipliers below 1.
        guard realOut < 1 else { throw .multiplierOutOfRange("ADD output multiplier \(realOut)") }
        input1 = QuantizedMultiplier(real1)
        input2 = QuantizedMultiplier(real2)
        output = QuantizedMultiplier(realOut)
    }
}

/// SOFTMAX int8 → int8 as the reference kernel prepares it (`PreprocessSoftmaxScaling` with
/// 5 integer bits, `CalculateInputRadius`).
public struct SoftmaxQuantization: Hashable, Sendable {
    /// The Q0.31 multiplier of `beta · s_in · 2^26`.
    public var inputMultiplier: Int32
    /// Its left shift (≥ 0).
    public var inputLeftShift: Int32
    /// `−floor(31 · 2^26 / 2^inputLeftShift)`: input differences to the row maximum below this
    /// contribute nothing.
    public var diffMin: Int32

    /// - Parameters:
    ///   - inputScale: the input tensor's scale.
    ///   - beta: the operator's beta (1 for Keras' Softmax).
    ///   - output: the output quantization, checked to be scale 1/256 (within 0.1 %) and zero
    ///     point −128 as TFLite's Prepare requires; pass nil to skip the check.
    public init(inputScale: Float, beta: Float = 1, output: TensorQuantization? = nil) throws(PrepareError) {
        guard inputScale > 0, inputScale.isFinite else { throw .invalidScale("input scale \(inputScale)") }
        if let output {
            guard output.zeroPoint == -128, (output.scale - 1 / 256).magnitude <= 0.001 / 256 else {
                throw .softmaxOutputQuantization
            }
        }
        let scaledDiffIntegerBits = 5
        let maxRealMultiplier = Double((Int64(1) << 31) - 1)
        let real = Swift.min(
            Double(beta) * Double(inputScale) * Double(Int64(1) << (31 - scaledDiffIntegerBits)),
            maxRealMultiplier)
        // QuantizeMultiplierGreaterThanOne.
        guard real > 1 else { throw .softmaxScaleTooSmall }
        let m = QuantizedMultiplier(real)
        guard m.shift >= 0 else { throw .softmaxScaleTooSmall }
        inputMultiplier = m.multiplier
        inputLeftShift = m.shift
        diffMin = -Self.inputRadius(integerBits: scaledDiffIntegerBits, leftShift: Int(m.shift))
    }

    /// TFLite's `CalculateInputRadius(integerBits, leftShift, 31)`:
    /// `floor((2^integerBits − 1) · 2^(31 − integerBits) / 2^leftShift)`.
    public static func inputRadius(integerBits: Int, leftShift: Int, totalSignedBits: Int = 31) -> Int32 {
        let maxInputRescaled =
            1.0 * Double((1 << integerBits) - 1) * Double(Int64(1) << (totalSignedBits - integerBits))
            / Double(Int64(1) << leftShift)
        return Int32(maxInputRescaled.rounded(.down))
    }
}

/// QUANTIZE with an integer input (requantization, e.g. uint8 ↔ int8 at a model's boundary).
public struct RequantizeQuantization: Hashable, Sendable {
    /// `QuantizeMultiplier(Double(s_in) / Double(s_out))`; equal scales give `(2^30, 1)`.
    public var multiplier: QuantizedMultiplier
    public var inputZeroPoint: Int32
    public var outputZeroPoint: Int32

    public init(
        input: TensorQuantization, inputType: QuantizedType, output: TensorQuantization,
        outputType: QuantizedType
    ) throws(PrepareError) {
        try validate(input, type: inputType, name: "input")
        try validate(output, type: outputType, name: "output")
        multiplier = QuantizedMultiplier(Double(input.scale) / Double(output.scale))
        inputZeroPoint = input.zeroPoint
        outputZeroPoint = output.zeroPoint
    }

    /// True when this is the pure zero-point shift by 128 (equal scales), which the reference
    /// computes as `q ^ 0x80`.
    public var isZeroPointShiftBy128: Bool {
        multiplier == QuantizedMultiplier(multiplier: 1 << 30, shift: 1)
            && (inputZeroPoint - outputZeroPoint).magnitude == 128
    }
}

/// MAX_POOL_2D and AVERAGE_POOL_2D (int8): the kernels do not rescale, only clamp.
public struct PoolQuantization: Hashable, Sendable {
    /// The fused activation's clamp range on the output quantization.
    public var activationRange: ActivationRange

    public init(output: TensorQuantization, activation: FusedActivation) throws(PrepareError) {
        activationRange = try ActivationRange(activation, output: output)
    }
}
