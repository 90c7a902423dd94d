/// The constants region being built: blobs appended at aligned offsets.
public struct ConstantsRegion: Sendable {
    public private(set) var bytes: [UInt8] = []
    public let alignment: Int

    public init(alignment: Int) { self.alignment = alignment }

    /// Appends `blob` at the next aligned offset and returns that offset.
    public mutating func append(_ blob: [UInt8]) -> Int {
        let offset = (bytes.count + alignment - 1) / alignment * alignment
        bytes += [UInt8](repeating: 0, count: offset - bytes.count)
        bytes += blob
        return offset
    }

    /// int32 values as ACC vectors: `blocks` vectors of `lanes` little-endian int32, each lane
    /// repeated `batch` times (an ACC element holds BATCH × BLOCK_OUT accumulators).
    public static func accumulatorVectors(_ values: [Int32], lanes: Int, batch: Int = 1) -> [UInt8] {
        let blocks = (values.count + lanes - 1) / lanes
        var out = [UInt8](repeating: 0, count: blocks * batch * lanes * 4)
        for (i, v) in values.enumerated() {
            let (block, lane) = (i / lanes, i % lanes)
            for b in 0..<batch {
                let at = ((block * batch + b) * lanes + lane) * 4
                for byte in 0..<4 { out[at + byte] = UInt8(truncatingIfNeeded: v >> (8 * byte)) }
            }
        }
        return out
    }
}
