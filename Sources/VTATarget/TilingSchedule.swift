import Foundation

/// A tiling chosen for one workload on one target, read from the optional
/// `Schedules/<target>/schedules.json`:
///
///     { "schedules": [ { "workload": "conv2d in=32x32x1 out=32x32x1 kernel=3x3 stride=1x1 pad=1,1,1,1",
///                        "rows": 8, "blocks_per_group": 1, "buffers": 2 } ] }
///
/// `workload` is the key the lowering prints for a layer (`vtac compile --layers` shows the
/// tiling it chose); the lowering uses an entry when it fits the buffers and searches with
/// the cycle model otherwise. Kept flat so that a `vtac tune` can write it.
public struct TilingSchedule: Sendable, Hashable {
    /// Output rows per tile.
    public var rows: Int
    /// Output channel blocks per weight group.
    public var blocksPerGroup: Int
    /// 2 when consecutive tiles alternate between two halves of the input and accumulator
    /// buffers (double buffering), 1 otherwise.
    public var buffers: Int

    public init(rows: Int, blocksPerGroup: Int, buffers: Int) {
        self.rows = rows
        self.blocksPerGroup = blocksPerGroup
        self.buffers = buffers
    }

    public var description: String {
        "rows \(rows), \(blocksPerGroup) blocks/group, \(buffers == 2 ? "double" : "single") buffered"
    }

    /// A `schedules.json` listing `entries` (workload → tiling), sorted by workload: what the
    /// loader reads back.
    public static func fileText(_ entries: [String: TilingSchedule]) -> String {
        func quoted(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                + "\""
        }
        let lines = entries.keys.sorted().map { w in
            let t = entries[w]!
            return
                "    {\"workload\": \(quoted(w)), \"rows\": \(t.rows), \"blocks_per_group\": \(t.blocksPerGroup), "
                + "\"buffers\": \(t.buffers)}"
        }
        return "{\n  \"schedules\": [\n" + lines.joined(separator: ",\n") + (lines.isEmpty ? "" : "\n")
            + "  ]\n}\n"
    }
}

extension TargetLoader {
    /// The schedules file in a target folder (optional).
    public static let schedulesFileName = "schedules.json"

    static let scheduleKeys = ["workload", "rows", "blocks_per_group", "buffers"]

    /// Reads `schedules.json` if the folder has one; workload → tiling.
    static func loadSchedules(directory: URL) throws(TargetLoadError) -> [String: TilingSchedule] {
        let url = directory.appendingPathComponent(schedulesFileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return [:] }
        let keys = KeyReader(object: try readObject(url), path: url.path, prefix: "")
        try keys.rejectUnknown(["schedules"])
        let list = try keys.value("schedules")
        guard case .array(let entries) = list else {
            throw .wrongType(path: url.path, key: "schedules", expected: "an array", found: list.kindName)
        }
        var result: [String: TilingSchedule] = [:]
        for (i, entry) in entries.enumerated() {
            guard case .object(let object) = entry else {
                throw .wrongType(
                    path: url.path, key: "schedules[\(i)]", expected: "an object", found: entry.kindName)
            }
            let e = KeyReader(object: object, path: url.path, prefix: "schedules[\(i)].")
            try e.rejectUnknown(scheduleKeys)
            let workload = try e.string("workload")
            let schedule = TilingSchedule(
                rows: try e.integer("rows", in: 1...(1 << 14)),
                blocksPerGroup: try e.integer("blocks_per_group", in: 1...(1 << 14)),
                buffers: try e.integer("buffers", in: 1...2))
            guard result.updateValue(schedule, forKey: workload) == nil else {
                throw .invalidValue(
                    path: url.path, key: "schedules[\(i)].workload", reason: "\"\(workload)\" is listed twice"
                )
            }
        }
        return result
    }
}
