import Foundation
import NPY
import TestSupport
import Testing

/// `Schedules/<target>/schedules.json`: `--write-schedules` writes what the search chose, the
/// compiler uses an edited entry (still giving the golden), and a malformed file is refused
/// with its path and key.
@Suite struct SchedulesTests {
    static let model = Fixtures.sharedModels.appendingPathComponent("resnet8_cifar10")

    /// A copy of the alkali target folder with `schedules` as its schedules.json.
    static func target(in dir: URL, schedules: String?) throws -> String {
        let folder = dir.appendingPathComponent("alkali-tuned")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let alkali = URL(fileURLWithPath: Fixtures.path("Schedules/alkali"))
        for file in ["vta_config.json", "target.json"] {
            try FileManager.default.copyItem(
                at: alkali.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        if let schedules {
            try Data(schedules.utf8).write(to: folder.appendingPathComponent("schedules.json"))
        }
        return folder.path
    }

    @Test func writtenSchedulesAreReadBackAndUsed() throws {
        let dir = try GoldenOutputTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tflite = Self.model.appendingPathComponent("model.tflite").path
        let chosen = dir.appendingPathComponent("chosen.json").path
        let first = try VTACRunner.run([
            "compile", tflite, "-o", dir.appendingPathComponent("a.csd").path, "--quiet", "--write-schedules",
            chosen,
        ])
        try #require(first.status == 0, "\(first.stderr)")
        let text = try String(contentsOfFile: chosen, encoding: .utf8)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [[String: Any]]])
        let entries = try #require(json["schedules"])
        // ResNet-8 has seven distinct convolution workloads.
        #expect(entries.count == 7)
        let stem = try #require(
            entries.first { ($0["workload"] as? String)?.hasPrefix("conv2d in=32x32x1 out=32x32x1") == true })
        let workload = try #require(stem["workload"] as? String)

        // Force one row per tile, single-buffered, for the stem: used, and still exact.
        let forced = """
            {"schedules": [{"workload": "\(workload)", "rows": 1, "blocks_per_group": 1, "buffers": 1}]}
            """
        let target = try Self.target(in: dir, schedules: forced)
        let bundle = dir.appendingPathComponent("b.csd").path
        let reread = dir.appendingPathComponent("reread.json").path
        let second = try VTACRunner.run([
            "compile", tflite, "-o", bundle, "--target", target, "--quiet", "--write-schedules", reread,
        ])
        try #require(second.status == 0, "\(second.stderr)")
        let again = try String(contentsOfFile: reread, encoding: .utf8)
        #expect(
            again.contains(
                "{\"workload\": \"\(workload)\", \"rows\": 1, \"blocks_per_group\": 1, \"buffers\": 1}"))
        let output = dir.appendingPathComponent("out.npy").path
        let run = try VTACRunner.run([
            "run", bundle, "--input", Self.model.appendingPathComponent("input_0.npy").path, "-o", output,
        ])
        try #require(run.status == 0, "\(run.stderr)")
        let golden = try NPYFile.read(path: Self.model.appendingPathComponent("output_0.npy").path)
        #expect(try NPYFile.read(path: output).bytes == golden.bytes)

        // An entry that does not fit the buffers is ignored in favour of the search.
        let tooBig = """
            {"schedules": [{"workload": "\(workload)", "rows": 32, "blocks_per_group": 1, "buffers": 2}]}
            """
        let other = dir.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        let third = try VTACRunner.run([
            "compile", tflite, "-o", dir.appendingPathComponent("c.csd").path, "--target",
            try Self.target(in: other, schedules: tooBig), "--quiet",
        ])
        #expect(third.status == 0, "\(third.stderr)")
    }

    @Test func malformedSchedulesAreRefused() throws {
        let dir = try GoldenOutputTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, String)] = [
            (
                "{\"schedules\": [{\"workload\": \"w\", \"rows\": 0, \"blocks_per_group\": 1, \"buffers\": 1}]}",
                "schedules[0].rows"
            ),
            (
                "{\"schedules\": [{\"workload\": \"w\", \"rows\": 1, \"blocks_per_group\": 1, \"buffers\": 3}]}",
                "schedules[0].buffers"
            ),
            (
                "{\"schedules\": [{\"workload\": \"w\", \"rows\": 1, \"blocks_per_group\": 1, \"buffers\": 1, \"rosw\": 2}]}",
                "rosw"
            ),
            ("{\"schedule\": []}", "schedule"),
            ("{\"schedules\": [", "schedules.json"),
        ]
        for (i, (text, expected)) in cases.enumerated() {
            let sub = dir.appendingPathComponent("case\(i)")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            let run = try VTACRunner.run([
                "compile", Self.model.appendingPathComponent("model.tflite").path, "-o",
                sub.appendingPathComponent("x.csd").path, "--target",
                try Self.target(in: sub, schedules: text),
            ])
            #expect(
                run.status != 0 && run.stderr.contains("schedules.json") && run.stderr.contains(expected),
                "\(text): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: sub.appendingPathComponent("x.csd").path))
        }
    }
}
