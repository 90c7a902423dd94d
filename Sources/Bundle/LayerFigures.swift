import Lowering
import VTATarget

/// Per accelerator layer: what the cycle model says about its microcode, against the
/// roofline bound (the larger of its MACs at full GEMM rate and its DRAM bytes at full bus rate).
public struct LayerFigures: Sendable {
    public var name: String
    public var kind: String
    public var segment: Int
    public var macs: Int
    public var instructions: Int
    public var dramBytes: Int
    public var modelledCycles: Int
    public var rooflineCycles: Int
    public var requantization: String

    /// MACs / (cycles × BATCH·BLOCK_IN·BLOCK_OUT).
    public var utilisation: Double
}

extension LayerFigures {
    static func figures(_ lowered: LoweredModel, target: Target) -> [LayerFigures] {
        let config = target.config
        let lanes = config.batch * config.blockIn * config.blockOut
        let busBytes = max(1, target.busWidthBits / 8)
        var timings: [Int: StreamTiming] = [:]
        for (i, segment) in lowered.segments.enumerated() {
            timings[i] = try? target.timing(of: segment.instructions)
        }
        return lowered.layers.map { layer in
            let program = lowered.segments[layer.segment]
            let range = layer.instructions
            var bytes = 0
            for instruction in program.instructions[range] {
                switch instruction {
                case .load(let m), .store(let m):
                    bytes += m.ySize * m.xSize * config.dramElementBytes(m.memoryType)
                default: break
                }
            }
            var cycles = 0
            if let timing = timings[layer.segment], !range.isEmpty {
                let spans = timing.intervals[range]
                cycles = (spans.map(\.upperBound).max() ?? 0) - (spans.map(\.lowerBound).min() ?? 0)
            }
            let roofline = max((layer.macs + lanes - 1) / lanes, (bytes + busBytes - 1) / busBytes)
            return LayerFigures(
                name: layer.name, kind: layer.kind, segment: layer.segment, macs: layer.macs,
                instructions: range.count, dramBytes: bytes, modelledCycles: cycles, rooflineCycles: roofline,
                requantization: layer.requantization,
                utilisation: cycles == 0 ? 0 : Double(layer.macs) / (Double(cycles) * Double(lanes)))
        }
    }
}
