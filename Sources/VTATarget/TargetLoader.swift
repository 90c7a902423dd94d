import Foundation

/// Finds and reads target folders.
///
/// A target is a folder `<root>/<name>/` with two files:
/// - `vta_config.json`: TVM's configuration, same keys and meaning (`LOG_BLOCK`, or
///   `LOG_BLOCK_IN`/`LOG_BLOCK_OUT` as older TVM wrote it; unknown TVM keys are ignored so a
///   file copied from any TVM version loads);
/// - `target.json`: vtac's own fields (`isa_profile`, `clock_mhz`, `bus_width_bits`,
///   `fifo_depth`, `cycle_model`, optional `description`); unknown keys are refused because
///   they are most likely typos;
/// - optionally `schedules.json`: tilings chosen per workload (`TilingSchedule`).
///
/// The search roots are injectable so tests and tools never depend on the working directory.
public struct TargetLoader: Sendable {
    /// Folders that contain target folders, searched in order.
    public var roots: [URL]

    public init(roots: [URL]) { self.roots = roots }

    /// `$VTAC_SCHEDULES` (colon-separated) if set, then `./Schedules`, then the `Schedules`
    /// folder of the source checkout this module was built from (so tests and `swift run` work
    /// from anywhere in the repository).
    public static var standard: TargetLoader {
        var roots: [URL] = []
        if let paths = ProcessInfo.processInfo.environment["VTAC_SCHEDULES"] {
            roots += paths.split(separator: ":").map { URL(fileURLWithPath: String($0), isDirectory: true) }
        }
        roots.append(
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Schedules")
        )
        roots.append(sourceCheckoutSchedules)
        // Run from the checkout, the last two are one folder: search (and name) it once.
        var unique: [URL] = []
        for root in roots
        where !unique.contains(where: { $0.standardizedFileURL == root.standardizedFileURL }) {
            unique.append(root)
        }
        return TargetLoader(roots: unique)
    }

    /// `<repository>/Schedules`, found from this file's location (Sources/VTATarget/).
    public static var sourceCheckoutSchedules: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Schedules", isDirectory: true)
    }

    /// Loads the first `<root>/<name>/` that exists.
    public func load(name: String) throws(TargetLoadError) -> Target {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw .invalidName(name: name)
        }
        for root in roots {
            let folder = root.appendingPathComponent(name, isDirectory: true)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory),
                isDirectory.boolValue
            {
                return try Self.load(directory: folder)
            }
        }
        throw .targetNotFound(name: name, searched: roots.map(\.path), available: availableTargets())
    }

    /// Names of the target folders in all roots (folders holding a `vta_config.json`), sorted.
    public func availableTargets() -> [String] {
        var names = Set<String>()
        for root in roots {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
            for entry in entries
            where FileManager.default.fileExists(
                atPath: root.appendingPathComponent(entry).appendingPathComponent(Self.configFileName).path)
            {
                names.insert(entry)
            }
        }
        return names.sorted()
    }

    /// TVM's configuration file in a target folder.
    public static let configFileName = "vta_config.json"
    /// vtac's target file in a target folder.
    public static let targetFileName = "target.json"

    /// Loads a target folder; the folder's name is the target's name.
    public static func load(directory: URL) throws(TargetLoadError) -> Target {
        let configURL = directory.appendingPathComponent(configFileName)
        let targetURL = directory.appendingPathComponent(targetFileName)
        let config = try parseHardwareConfig(object: readObject(configURL), path: configURL.path)
        let fields = try TargetFile(object: readObject(targetURL), path: targetURL.path)
        var target = Target(
            name: directory.standardizedFileURL.lastPathComponent, config: config, profile: fields.profile,
            clockMHz: fields.clockMHz, busWidthBits: fields.busWidthBits, fifoDepth: fields.fifoDepth,
            cycleModel: fields.cycleModel, summary: fields.summary, directory: directory)
        target.schedules = try loadSchedules(directory: directory)
        return target
    }

    /// Parses the text of a `vta_config.json`; `path` only labels errors.
    public static func parseHardwareConfig(json: Data, path: String) throws(TargetLoadError) -> HardwareConfig
    {
        try parseHardwareConfig(object: decodeObject(json, path: path), path: path)
    }

    // MARK: vta_config.json

    static func parseHardwareConfig(
        object: [String: JSONValue], path: String
    ) throws(TargetLoadError)
        -> HardwareConfig
    {
        let keys = KeyReader(object: object, path: path, prefix: "")
        let target = try keys.string("TARGET")
        let version = try keys.string("HW_VER")
        let logInp = try keys.integer("LOG_INP_WIDTH")
        let logWgt = try keys.integer("LOG_WGT_WIDTH")
        let logAcc = try keys.integer("LOG_ACC_WIDTH")
        let logBatch = try keys.integer("LOG_BATCH")
        // Current TVM: LOG_BLOCK sets both; older TVM: LOG_BLOCK_IN and LOG_BLOCK_OUT.
        let block = try keys.optionalInteger("LOG_BLOCK")
        let blockIn = try keys.optionalInteger("LOG_BLOCK_IN")
        let blockOut = try keys.optionalInteger("LOG_BLOCK_OUT")
        let logBlockIn: Int
        let logBlockOut: Int
        switch (block, blockIn, blockOut) {
        case (let b?, nil, nil):
            (logBlockIn, logBlockOut) = (b, b)
        case (let b, let i?, let o?):
            if let b, b != i || b != o {
                throw .invalidValue(
                    path: path, key: "LOG_BLOCK",
                    reason: "\(b) disagrees with LOG_BLOCK_IN = \(i) / LOG_BLOCK_OUT = \(o)")
            }
            (logBlockIn, logBlockOut) = (i, o)
        case (nil, nil, nil):
            throw .missingKey(path: path, key: "LOG_BLOCK")
        case (_, nil, _?):
            throw .missingKey(path: path, key: "LOG_BLOCK_IN")
        case (_, _?, nil):
            throw .missingKey(path: path, key: "LOG_BLOCK_OUT")
        }
        let logUop = try keys.integer("LOG_UOP_BUFF_SIZE")
        let logInpBuf = try keys.integer("LOG_INP_BUFF_SIZE")
        let logWgtBuf = try keys.integer("LOG_WGT_BUFF_SIZE")
        let logAccBuf = try keys.integer("LOG_ACC_BUFF_SIZE")
        // Older TVM spelled out the output keys; when present they must match what TVM derives.
        if let out = try keys.optionalInteger("LOG_OUT_WIDTH"), out != logInp {
            throw .invalidValue(
                path: path, key: "LOG_OUT_WIDTH",
                reason:
                    "\(out) must equal LOG_INP_WIDTH (\(logInp)): the output buffer holds inputs of the next layer"
            )
        }
        if let outBuf = try keys.optionalInteger("LOG_OUT_BUFF_SIZE"), outBuf != logAccBuf + logInp - logAcc {
            throw .invalidValue(
                path: path, key: "LOG_OUT_BUFF_SIZE",
                reason: "\(outBuf) must equal LOG_ACC_BUFF_SIZE + LOG_OUT_WIDTH - LOG_ACC_WIDTH"
                    + " (\(logAccBuf + logInp - logAcc)): the output buffer mirrors the accumulators")
        }
        do {
            return try HardwareConfig(
                target: target, hardwareVersion: version, logInputWidth: logInp, logWeightWidth: logWgt,
                logAccumulatorWidth: logAcc, logBatch: logBatch, logBlockIn: logBlockIn,
                logBlockOut: logBlockOut,
                logUopBufferSize: logUop, logInputBufferSize: logInpBuf, logWeightBufferSize: logWgtBuf,
                logAccumulatorBufferSize: logAccBuf)
        } catch {
            // LOG_BLOCK_IN/OUT are internal names when the file used LOG_BLOCK.
            let key = (error.key.hasPrefix("LOG_BLOCK_") && block != nil) ? "LOG_BLOCK" : error.key
            throw .invalidValue(path: path, key: key, reason: error.description)
        }
    }

    // MARK: Files

    static func readObject(_ url: URL) throws(TargetLoadError) -> [String: JSONValue] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        return try decodeObject(data, path: url.path)
    }

    static func decodeObject(_ data: Data, path: String) throws(TargetLoadError) -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            let underlying = context.underlyingError.map { "\($0)" } ?? context.debugDescription
            throw .malformedJSON(path: path, reason: underlying)
        } catch {
            throw .malformedJSON(path: path, reason: "\(error)")
        }
        guard case .object(let object) = value else {
            throw .malformedJSON(
                path: path, reason: "the top level must be an object, found \(value.kindName)")
        }
        return object
    }
}

/// Typed access to the keys of one JSON object, with errors that name file and key.
struct KeyReader {
    let object: [String: JSONValue]
    let path: String
    /// `cycle_model.` for nested objects, so messages give the full key.
    let prefix: String

    func value(_ key: String) throws(TargetLoadError) -> JSONValue {
        guard let value = object[key] else { throw .missingKey(path: path, key: prefix + key) }
        return value
    }

    func string(_ key: String) throws(TargetLoadError) -> String {
        let found = try value(key)
        guard case .string(let s) = found else {
            throw .wrongType(path: path, key: prefix + key, expected: "a string", found: found.kindName)
        }
        return s
    }

    func optionalString(_ key: String) throws(TargetLoadError) -> String? {
        object[key] == nil ? nil : try string(key)
    }

    func integer(_ key: String) throws(TargetLoadError) -> Int {
        let found = try value(key)
        guard case .integer(let i) = found else {
            throw .wrongType(path: path, key: prefix + key, expected: "an integer", found: found.kindName)
        }
        return i
    }

    func optionalInteger(_ key: String) throws(TargetLoadError) -> Int? {
        object[key] == nil ? nil : try integer(key)
    }

    /// An integer within `range`.
    func integer(_ key: String, in range: ClosedRange<Int>) throws(TargetLoadError) -> Int {
        let i = try integer(key)
        guard range.contains(i) else {
            throw .invalidValue(
                path: path, key: prefix + key,
                reason: "\(i) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return i
    }

    func number(_ key: String) throws(TargetLoadError) -> Double {
        let found = try value(key)
        switch found {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: throw .wrongType(path: path, key: prefix + key, expected: "a number", found: found.kindName)
        }
    }

    func object(_ key: String) throws(TargetLoadError) -> KeyReader {
        let found = try value(key)
        guard case .object(let nested) = found else {
            throw .wrongType(path: path, key: prefix + key, expected: "an object", found: found.kindName)
        }
        return KeyReader(object: nested, path: path, prefix: prefix + key + ".")
    }

    /// Refuses keys outside `known`.
    func rejectUnknown(_ known: [String]) throws(TargetLoadError) {
        for key in object.keys.sorted() where !known.contains(key) {
            throw .unknownKey(path: path, key: prefix + key, known: known.map { prefix + $0 })
        }
    }
}

/// The contents of `target.json`.
struct TargetFile {
    var summary: String
    var profile: ISAProfile
    var clockMHz: Double
    var busWidthBits: Int
    var fifoDepth: Int
    var cycleModel: CycleModel

    static let keys = [
        "description", "isa_profile", "clock_mhz", "bus_width_bits", "fifo_depth", "cycle_model",
    ]
    static let cycleKeys = [
        "dma_latency_cycles", "gemm_cycles_per_uop", "alu_tensor_cycles_per_uop",
        "alu_immediate_cycles_per_uop", "instruction_overhead_cycles",
    ]

    init(object: [String: JSONValue], path: String) throws(TargetLoadError) {
        let keys = KeyReader(object: object, path: path, prefix: "")
        try keys.rejectUnknown(Self.keys)
        summary = try keys.optionalString("description") ?? ""
        let profileName = try keys.string("isa_profile")
        guard let profile = ISAProfile(rawValue: profileName) else {
            throw .invalidValue(
                path: path, key: "isa_profile",
                reason: "unknown profile \"\(profileName)\" (expected "
                    + ISAProfile.allCases.map { "\"\($0)\"" }.joined(separator: " or ") + ")")
        }
        self.profile = profile
        clockMHz = try keys.number("clock_mhz")
        guard clockMHz > 0, clockMHz.isFinite else {
            throw .invalidValue(
                path: path, key: "clock_mhz", reason: "\(clockMHz) is not a positive frequency")
        }
        busWidthBits = try keys.integer("bus_width_bits")
        guard busWidthBits >= 8, busWidthBits <= 4096, busWidthBits & (busWidthBits - 1) == 0 else {
            throw .invalidValue(
                path: path, key: "bus_width_bits",
                reason: "\(busWidthBits) is not a power of two between 8 and 4096")
        }
        fifoDepth = try keys.integer("fifo_depth", in: 1...(1 << 20))
        let cycles = try keys.object("cycle_model")
        try cycles.rejectUnknown(Self.cycleKeys)
        cycleModel = CycleModel(
            dmaLatencyCycles: try cycles.integer("dma_latency_cycles", in: 0...1_000_000),
            gemmCyclesPerUop: try cycles.integer("gemm_cycles_per_uop", in: 1...1_000_000),
            aluTensorCyclesPerUop: try cycles.integer("alu_tensor_cycles_per_uop", in: 1...1_000_000),
            aluImmediateCyclesPerUop: try cycles.integer("alu_immediate_cycles_per_uop", in: 1...1_000_000),
            instructionOverheadCycles: try cycles.integer("instruction_overhead_cycles", in: 0...1_000_000))
    }
}
