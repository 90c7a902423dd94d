import Foundation

/// Where the test inputs live: our repository, our model zoo, and the shared reference models
/// (`../shared/models` beside the repository, as on CI).
public enum Fixtures {
    /// The repository root, found from this file's path so tests run from any directory.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// `../shared/models`, or $VTAC_SHARED_MODELS.
    public static let sharedModels: URL = {
        if let env = ProcessInfo.processInfo.environment["VTAC_SHARED_MODELS"] {
            return URL(fileURLWithPath: env)
        }
        return root.deletingLastPathComponent().appendingPathComponent("shared/models")
    }()

    /// Folders holding a `model.tflite` under `dir`, sorted by name.
    public static func modelFolders(in dir: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().map { dir.appendingPathComponent($0) }.filter {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("model.tflite").path)
        }
    }

    /// Every model the suite must handle: `Models/*` and `../shared/models/*`, with the name of
    /// its interpreter-view fixture (`shared-` prefixed for the shared ones).
    public static func allModels() -> [(name: String, model: String)] {
        let ours = modelFolders(in: root.appendingPathComponent("Models")).map {
            ($0.lastPathComponent, $0.appendingPathComponent("model.tflite").path)
        }
        let shared = modelFolders(in: sharedModels).map {
            ("shared-" + $0.lastPathComponent, $0.appendingPathComponent("model.tflite").path)
        }
        return ours + shared
    }

    public static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Writes bytes to a fresh temporary file and returns its path.
    public static func temporaryFile(_ bytes: [UInt8], name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vtac-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }
}

/// 64-bit FNV-1a, the checksum the interpreter-view fixtures use for constant data.
public func fnv1a64(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes {
        hash ^= UInt64(b)
        hash = hash &* 0x100_0000_01B3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
