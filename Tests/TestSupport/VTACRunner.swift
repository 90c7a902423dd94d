import Foundation

/// Runs the built `vtac` executable the way a user does, capturing its output and status.
public struct VTACRun {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public enum VTACRunner {
    /// The `vtac` binary beside the test bundle in the build products directory.
    public static var executable: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // The test binary may sit inside an .xctest bundle (macOS) or directly in the products dir.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("vtac")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "vtac")
    }

    public static func run(_ arguments: [String]) throws -> VTACRun {
        try run(executable: executable, arguments)
    }

    /// Runs another tool built beside `vtac` (e.g. `csd-run`).
    public static func runTool(_ name: String, _ arguments: [String]) throws -> VTACRun {
        try run(executable: executable.deletingLastPathComponent().appendingPathComponent(name), arguments)
    }

    static func run(executable: URL, _ arguments: [String]) throws -> VTACRun {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a large output cannot fill the pipe and block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return VTACRun(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
