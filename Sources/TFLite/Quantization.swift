/// Affine quantization of a tensor: real = scale · (q − zeroPoint), per tensor or per channel.
public struct Quantization: Equatable, Sendable {
    /// One scale per tensor, or one per slice along `quantizedDimension`.
    public var scales: [Float]
    public var zeroPoints: [Int64]
    /// The axis the per-channel parameters run along; meaningful only when `isPerAxis`.
    public var quantizedDimension: Int
    /// Calibration range, when the converter kept it (informational only).
    public var min: [Float]
    public var max: [Float]

    public init(
        scales: [Float], zeroPoints: [Int64], quantizedDimension: Int = 0, min: [Float] = [],
        max: [Float] = []
    ) {
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.quantizedDimension = quantizedDimension
        self.min = min
        self.max = max
    }

    /// True when there is more than one scale: per-axis (per-channel) quantization.
    public var isPerAxis: Bool { scales.count > 1 }

    /// The single scale of a per-tensor quantization.
    public var scale: Float? { scales.count == 1 ? scales[0] : nil }

    /// The single zero point of a per-tensor quantization.
    public var zeroPoint: Int64? { zeroPoints.count == 1 ? zeroPoints[0] : nil }
}
