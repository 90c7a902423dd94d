// The csd-run tool, run as a user runs it.
import Bundle
import Foundation
import TestSupport
import Testing

struct ToolRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CSDRun {
    /// The built `csd-run` beside the test bundle in the build products directory.
    static var executable: URL? {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("csd-run")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    static func run(_ arguments: [String]) throws -> ToolRun {
        let process = Process()
        guard let executable else { throw CocoaError(.fileNoSuchFile) }
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ToolRun(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

@Suite(.enabled(if: CSDRun.executable != nil)) struct CSDRunToolTests {
    let layer = GemmLayer(seed: 41)

    @Test func runsTheWrapperOverAnInputFile() throws {
        var rng = SplitMix64(17)
        let inputs = (0..<3).map { _ in rng.int8s(64) }
        let input = driveInput(bundle: try layer.bundle().encode(), records: inputs.map(bytes))
        let inPath = try Fixtures.temporaryFile(input, name: "input.bin")
        let outPath = inPath + ".out"
        let elf = Fixtures.path("Tests/Fixtures/runtime/wrapper.o")
        let run = try CSDRun.run([elf, inPath, outPath])
        #expect(run.status == 0, "\(run.stderr)")
        let output = try Fixtures.bytes(outPath)
        #expect(output.count == 16 + 3 * 64)  // the default size: what the wrapper fills
        #expect(OutputHeader(output) == OutputHeader(done: 3, stop: 0, total: 3, recordSize: 64))
        for (i, record) in inputs.enumerated() {
            #expect(int8s(output[16 + 64 * i..<16 + 64 * (i + 1)]) == layer.expected(record))
        }
        // An explicit size, as the host's output region would be.
        let sized = try CSDRun.run([elf, inPath, outPath, "--output-size", "4096"])
        #expect(sized.status == 0)
        #expect(try Fixtures.bytes(outPath).count == 4096)
    }

    @Test func failuresExitNonZeroWithAMessage() throws {
        let inPath = try Fixtures.temporaryFile([0, 1, 2, 3], name: "input.bin")
        let runaway = try CSDRun.run([
            Fixtures.path("Tests/Fixtures/runtime/runaway.o"), inPath, inPath + ".out", "--budget", "5000",
        ])
        #expect(runaway.status == 1)
        #expect(
            runaway.stderr.hasPrefix("csd-run: running the program:") && runaway.stderr.contains("budget"))
        let notElf = try CSDRun.run([inPath, inPath, inPath + ".out"])
        #expect(notElf.status == 1)
        #expect(notElf.stderr.contains("loading the program"))
        // A bad bundle: the wrapper writes its stop reason, the tool reports the helper error.
        let badBundle = try CSDRun.run([
            Fixtures.path("Tests/Fixtures/runtime/wrapper.o"), inPath, inPath + ".out",
        ])
        #expect(badBundle.status == 1)
        #expect(badBundle.stderr.contains("csd_open"), "\(badBundle.stderr)")
        #expect(try Fixtures.bytes(inPath + ".out").count == 4096)
        let usage = try CSDRun.run(["only-one-argument"])
        #expect(usage.status == 2)
    }
}
