import Foundation
import NPY
import TestSupport
import Testing

/// The heart of the suite: every model we have, compiled for the stock target (the Alkali
/// board), the extended one (the upstream functional simulator) and the cloud-sized core
/// (BLOCK 32, larger buffers), run in the reference simulator and, for the Alkali-shaped
/// cores, as the drive runs it, gives exactly the output of the pinned TFLite reference
/// interpreter.
@Suite struct GoldenOutputTests {
    static let models = Fixtures.allModels()
    static let targets = ["alkali", "fsim", "cloud"]

    static func folder(_ name: String) -> URL {
        URL(fileURLWithPath: models.first { $0.name == name }!.model).deletingLastPathComponent()
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vtac-golden-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test(arguments: models.map(\.name), targets)
    func vtacRunMatchesTheGolden(model: String, target: String) throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = Self.folder(model)
        let bundle = dir.appendingPathComponent("model.csd").path
        let compile = try VTACRunner.run([
            "compile", folder.appendingPathComponent("model.tflite").path, "-o", bundle, "--target", target,
            "--quiet",
        ])
        try #require(compile.status == 0, "\(model) on \(target): \(compile.stderr)")
        let output = dir.appendingPathComponent("out.npy").path
        let run = try VTACRunner.run([
            "run", bundle, "--input", folder.appendingPathComponent("input_0.npy").path, "-o", output,
        ])
        try #require(run.status == 0, "\(model) on \(target): \(run.stderr)")
        let golden = try NPYFile.read(path: folder.appendingPathComponent("output_0.npy").path)
        let got = try NPYFile.read(path: output)
        #expect(got.type == golden.type && got.shape == golden.shape, "\(model) on \(target)")
        let differing = zip(got.bytes, golden.bytes).filter { $0 != $1 }.count
        #expect(got.bytes == golden.bytes, "\(model) on \(target): \(differing) bytes differ from the golden")

        // The same bundle exported for Alkali and run by csd-run, as the drive runs it. csd-run
        // simulates the board's core (BLOCK 16), whose loader refuses a cloud bundle.
        guard target != "cloud" else { return }
        let export = dir.appendingPathComponent("alkali").path
        let exported = try VTACRunner.run([
            "export", "--alkali", bundle, "--input", folder.appendingPathComponent("input_0.npy").path, "-o",
            export,
        ])
        try #require(exported.status == 0, "\(exported.stderr)")
        let outputPath = dir.appendingPathComponent("output.bin").path
        let extended = target == "fsim" ? ["--extended"] : []
        let csdRun = try VTACRunner.runTool(
            "csd-run", [export + "/firmware.o", export + "/input.bin", outputPath] + extended)
        try #require(csdRun.status == 0, "\(model) on \(target): \(csdRun.stderr)")
        let region = try Fixtures.bytes(outputPath)
        #expect(
            Array(region[16..<(16 + golden.bytes.count)]) == golden.bytes, "\(model) on \(target) via csd-run"
        )
    }

    /// The exported files run under `csd-run` exactly as on the drive, and give the golden too.
    @Test(arguments: [
        "shared-resnet8_cifar10", "shared-micro_speech", "tiny_mobilenet", "floatio", "uint8io",
    ])
    func csdRunOnExportedFilesMatchesTheGolden(model: String) throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = Self.folder(model)
        let bundle = dir.appendingPathComponent("model.csd").path
        let compile = try VTACRunner.run([
            "compile", folder.appendingPathComponent("model.tflite").path, "-o", bundle, "--quiet",
        ])
        try #require(compile.status == 0, "\(compile.stderr)")
        let export = dir.appendingPathComponent("alkali").path
        let exported = try VTACRunner.run([
            "export", "--alkali", bundle, "--input", folder.appendingPathComponent("input_0.npy").path, "-o",
            export,
        ])
        try #require(exported.status == 0, "\(exported.stderr)")
        let regions = try String(contentsOfFile: export + "/regions.txt", encoding: .utf8)
        #expect(regions.contains("records 1"))
        let outputPath = dir.appendingPathComponent("output.bin").path
        let csdRun = try VTACRunner.runTool(
            "csd-run", [export + "/firmware.o", export + "/input.bin", outputPath])
        try #require(csdRun.status == 0, "\(csdRun.stderr)")
        let output = try Fixtures.bytes(outputPath)
        // Header: records done, stop reason, records total, output record size (uint32 each).
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(output[at + $1]) << (8 * $1) } }
        #expect(u32(0) == 1 && u32(4) == 0 && u32(8) == 1)
        let golden = try NPYFile.read(path: folder.appendingPathComponent("output_0.npy").path)
        #expect(u32(12) == golden.bytes.count)
        #expect(Array(output[16..<(16 + golden.bytes.count)]) == golden.bytes)
    }

    /// Several records in one .npy run through the wrapper's record loop.
    @Test func severalRecords() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = Self.folder("shared-micro_speech")
        let bundle = dir.appendingPathComponent("m.csd").path
        #expect(
            try VTACRunner.run([
                "compile", folder.appendingPathComponent("model.tflite").path, "-o", bundle, "--quiet",
            ]).status == 0)
        let input = try NPYFile.read(path: folder.appendingPathComponent("input_0.npy").path)
        let golden = try NPYFile.read(path: folder.appendingPathComponent("output_0.npy").path)
        // Three records: the golden input, its negation, the golden input again.
        let negated = input.bytes.map {
            UInt8(bitPattern: Int8(bitPattern: $0) == -128 ? 127 : -Int8(bitPattern: $0))
        }
        let stacked = try NPYArray(
            type: .int8, shape: [3] + input.shape.dropFirst(), bytes: input.bytes + negated + input.bytes)
        let inputPath = dir.appendingPathComponent("in.npy").path
        try NPYFile.write(stacked, path: inputPath)
        let output = dir.appendingPathComponent("out.npy").path
        let run = try VTACRunner.run(["run", bundle, "--input", inputPath, "-o", output])
        try #require(run.status == 0, "\(run.stderr)")
        let got = try NPYFile.read(path: output)
        // The records replace the leading 1, as they do in the input.
        #expect(got.shape == [3] + golden.shape.dropFirst())
        let n = golden.bytes.count
        #expect(Array(got.bytes[0..<n]) == golden.bytes)
        #expect(Array(got.bytes[(2 * n)..<(3 * n)]) == golden.bytes)
    }

    /// The same model and target give the same bundle, byte for byte.
    @Test func compilationIsDeterministic() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = Self.folder("tiny_resnet").appendingPathComponent("model.tflite").path
        var bundles: [[UInt8]] = []
        for i in 0..<2 {
            let path = dir.appendingPathComponent("b\(i).csd").path
            #expect(try VTACRunner.run(["compile", model, "-o", path, "--quiet"]).status == 0)
            bundles.append(try Fixtures.bytes(path))
        }
        #expect(bundles[0] == bundles[1])
    }

    /// An operator neither the accelerator nor the CPU kernels can run is named, and nothing
    /// is written.
    @Test func unsupportedOperatorIsNamedAndNothingIsWritten() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("x.csd").path
        let run = try VTACRunner.run([
            "compile", Fixtures.path("Tests/Fixtures/crafted/custom_and_subgraphs.tflite"), "-o", output,
        ])
        #expect(run.status == 65)
        #expect(run.stderr.contains("CUSTOM(VtacTestOp)"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// A bundle for one target is refused by a device of another, naming both.
    @Test func corruptBundleIsRefused() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = Self.folder("fc")
        let bundle = dir.appendingPathComponent("fc.csd").path
        #expect(
            try VTACRunner.run([
                "compile", folder.appendingPathComponent("model.tflite").path, "-o", bundle, "--quiet",
            ]).status == 0)
        var bytes = try Fixtures.bytes(bundle)
        bytes[bytes.count - 1] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: bundle))
        let run = try VTACRunner.run([
            "run", bundle, "--input", folder.appendingPathComponent("input_0.npy").path, "-o",
            dir.appendingPathComponent("o.npy").path,
        ])
        #expect(run.status == 65)
        #expect(run.stderr.contains("checksum"), "\(run.stderr)")
    }
}

/// `vtac inspect bundle.csd`: the manifest in words and as JSON, and the microcode.
@Suite struct BundleInspectionTests {
    func compiled(_ model: String) throws -> (dir: URL, bundle: String) {
        let dir = try GoldenOutputTests.temporaryDirectory()
        let bundle = dir.appendingPathComponent("m.csd").path
        let run = try VTACRunner.run([
            "compile", GoldenOutputTests.folder(model).appendingPathComponent("model.tflite").path, "-o",
            bundle, "--quiet",
        ])
        try #require(run.status == 0, "\(run.stderr)")
        return (dir, bundle)
    }

    @Test func manifestInWordsAndJSON() throws {
        let (dir, bundle) = try compiled("shared-micro_speech")
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try VTACRunner.run(["inspect", bundle])
        try #require(text.status == 0, "\(text.stderr)")
        for needle in [
            "by vtac", "target    alkali", "Steps (one inference)", "run segment 0", "SOFTMAX", "Layers",
        ] {
            #expect(text.stdout.contains(needle), "missing \(needle)")
        }
        let json = try VTACRunner.run(["inspect", bundle, "--json"])
        try #require(json.status == 0)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["producer"] as? String == "vtac")
        #expect((object["segments"] as? [Any])?.count == 1)
        #expect(
            (object["layers"] as? [[String: Any]])?.contains { $0["kind"] as? String == "CONV_2D" } == true)
    }

    /// A segment's disassembly assembles back to the bundle's own instruction words.
    @Test func segmentDisassemblyRoundTrips() throws {
        let (dir, bundle) = try compiled("conv1x1")
        defer { try? FileManager.default.removeItem(at: dir) }
        let listing = try VTACRunner.run(["inspect", bundle, "--disasm", "--segment", "0"])
        try #require(listing.status == 0, "\(listing.stderr)")
        #expect(listing.stdout.contains("# layer"))
        let source = dir.appendingPathComponent("s0.s").path
        try listing.stdout.write(toFile: source, atomically: true, encoding: .utf8)
        let words = dir.appendingPathComponent("s0.insn").path
        let asm = try VTACRunner.run(["asm", source, "-o", words])
        try #require(asm.status == 0, "\(asm.stderr)")
        let assembled = try Fixtures.bytes(words)
        // The bundle's INSTRUCTIONS section, read back through the container.
        let all = try VTACRunner.run(["inspect", bundle, "--json"])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [String: Any])
        let segments = try #require(object["segments"] as? [[String: Any]])
        #expect(assembled.count == (segments[0]["instructionCount"] as? Int ?? 0) * 16)
        // Disassembling the assembled words gives the same listing lines (ignoring comments).
        let again = try VTACRunner.run(["disasm", words])
        func code(_ text: String) -> [String] {
            text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
                String($0.split(separator: "#", omittingEmptySubsequences: false)[0]).trimmingCharacters(
                    in: .whitespaces)
            }.filter { !$0.isEmpty }
        }
        #expect(code(again.stdout) == code(listing.stdout))
        let full = try VTACRunner.run(["inspect", bundle, "--disasm"])
        #expect(full.stdout.contains("# eBPF wrapper") && full.stdout.contains("csd_infer"))
    }
}
