import TFLiteArithmetic

/// What a layer's requantization must reproduce: TFLite's reference rule per output channel,
/// the output zero point, the fused activation's clamp, and the accumulators' range.
public struct RequantizationSpec: Sendable {
    public enum Rounding: Sendable {
        /// CONV_2D, DEPTHWISE_CONV_2D, ADD-style double rounding:
        /// `MultiplyByQuantizedMultiplier(acc, M_c, shift_c)`; one multiplier per channel, or one
        /// for all.
        case doubleRounding([QuantizedMultiplier])
        /// FULLY_CONNECTED of the pinned interpreter: `round(Double(acc) · s_c)`, ties away from
        /// zero (`FixedPoint.scaleAndRound`); one scale per channel, or one for all.
        case floatScale([Double])
    }

    public var rounding: Rounding
    public var outputZeroPoint: Int32
    public var activationMin: Int32
    public var activationMax: Int32
    public var channels: Int
    /// Compile-time bound of the accumulators per channel (or one for all). Accumulators are
    /// int32: bounds are clipped to the int32 range.
    public var accumulatorBounds: [ClosedRange<Int64>]

    public init(
        rounding: Rounding, outputZeroPoint: Int32, activationMin: Int32 = -128, activationMax: Int32 = 127,
        channels: Int, accumulatorBounds: [ClosedRange<Int64>]
    ) {
        self.rounding = rounding
        self.outputZeroPoint = outputZeroPoint
        self.activationMin = activationMin
        self.activationMax = activationMax
        self.channels = channels
        self.accumulatorBounds = accumulatorBounds
    }

    /// The reference result of channel `c` for accumulator `acc`: TFLiteArithmetic's
    /// computation, then the zero point and the clamp (what STORE's int8 must equal).
    public func reference(_ acc: Int32, channel c: Int) -> Int32 {
        let raw: Int64
        switch rounding {
        case .doubleRounding(let ms):
            raw = Int64(FixedPoint.multiplyByQuantizedMultiplier(acc, ms.count == 1 ? ms[0] : ms[c]))
        case .floatScale(let ss):
            raw = Int64(FixedPoint.scaleAndRound(acc, scale: ss.count == 1 ? ss[0] : ss[c]))
        }
        let y = raw + Int64(outputZeroPoint)
        return Int32(min(max(y, Int64(activationMin)), Int64(activationMax)))
    }

    /// The accumulator bound of channel `c`, clipped to int32.
    func bound(_ c: Int) -> ClosedRange<Int64> {
        let b = accumulatorBounds.count == 1 ? accumulatorBounds[0] : accumulatorBounds[c]
        let lo = max(b.lowerBound, Int64(Int32.min))
        let hi = min(b.upperBound, Int64(Int32.max))
        return lo...max(lo, hi)
    }
}

/// Why a requantization cannot run exactly on a target; placement keeps the layer on the CPU.
public enum RequantizationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The specification itself is inconsistent (channel counts, ranges, scales).
    case invalidSpecification(String)
    /// The target's configuration lacks something the route needs.
    case unsupportedTarget(String)
    /// No exact program exists within the route's limits; the reason says which limit.
    case notExact(String)

    public var description: String {
        switch self {
        case .invalidSpecification(let why): "invalid requantization: \(why)"
        case .unsupportedTarget(let why): "requantization unsupported on this target: \(why)"
        case .notExact(let why): "no exact requantization: \(why)"
        }
    }
}

/// Where the SRAM and DRAM areas the requantizer needs beyond `RequantResources` live (the
/// stock route's weight tiles, input vectors and scratch; the constants' DRAM offset).
public struct RequantizationPlacement: Sendable, Hashable {
    /// Byte offset of `RequantizationPlan.constants` in the `constants` region (a multiple of
    /// the WGT element size when the plan has weight tiles, of the ACC element size otherwise).
    public var constantsOffset: Int
    /// First WGT entry of the plan's diagonal tiles (`weightTiles()` entries).
    public var weightBase: Int
    /// First INP entry of the digit vectors (`inputEntries(forTileVectors:)` entries).
    public var inputBase: Int
    /// Byte offset of the digit round trip area in the `scratch` region
    /// (`scratchBytes(forTileVectors:)` bytes; a multiple of the INP element size).
    public var scratchOffset: Int

    public init(constantsOffset: Int, weightBase: Int = 0, inputBase: Int = 0, scratchOffset: Int = 0) {
        self.constantsOffset = constantsOffset
        self.weightBase = weightBase
        self.inputBase = inputBase
        self.scratchOffset = scratchOffset
    }
}

/// What requantizing one tile costs: instruction counts, micro-op executions and DMA bytes.
public struct RequantizationCost: Sendable, Hashable, CustomStringConvertible {
    /// Vectors (rows × blocks) in the tile.
    public var tileVectors: Int
    public var aluInstructions = 0
    /// Micro-op executions of ALU instructions (tensor and immediate).
    public var aluUopExecutions = 0
    /// The tensor-tensor share of `aluUopExecutions` (two ACC reads each).
    public var aluTensorUopExecutions = 0
    public var gemmInstructions = 0
    /// Multiply-accumulate micro-op executions (digit products).
    public var gemmUopExecutions = 0
    /// Reset micro-op executions (zeroing temporaries).
    public var gemmResetUopExecutions = 0
    public var storeInstructions = 0
    /// LOAD INP (digits) and LOAD UOP (the tile's kernel).
    public var loadInstructions = 0
    /// Bytes STORE writes and LOAD reads (digits and micro-ops).
    public var dmaBytes = 0
    /// Compute-module cycles by the target's cycle model (instruction overheads included;
    /// DMA and token waits excluded).
    public var computeCycles = 0

    public init(tileVectors: Int) { self.tileVectors = tileVectors }

    public var aluUopExecutionsPerVector: Double { Double(aluUopExecutions) / Double(max(tileVectors, 1)) }
    public var gemmUopExecutionsPerVector: Double {
        Double(gemmUopExecutions) / Double(max(tileVectors, 1))
    }
    public var dmaBytesPerVector: Double { Double(dmaBytes) / Double(max(tileVectors, 1)) }
    public var computeCyclesPerVector: Double { Double(computeCycles) / Double(max(tileVectors, 1)) }

    public var description: String {
        let f = { (x: Double) -> String in
            let tenths = Int((x * 10).rounded())
            return "\(tenths / 10).\(tenths % 10)"
        }
        return
            "\(aluInstructions) ALU insns (\(f(aluUopExecutionsPerVector)) uop execs/vector), "
            + "\(gemmInstructions) GEMM insns (\(f(gemmUopExecutionsPerVector)) MAC uop execs/vector), "
            + "\(storeInstructions) STORE + \(loadInstructions) LOAD (\(f(dmaBytesPerVector)) DMA bytes/vector), "
            + "\(f(computeCyclesPerVector)) compute cycles/vector"
    }
}
