import Foundation
import TestSupport
import Testing

/// `vtac report`: figures checked against what the model's shapes imply and against the
/// bundle's own instruction counts, the same report from a model and from its bundle, and the
/// CSV and HTML files.
@Suite struct ReportCommandTests {
    static let microSpeech = Fixtures.sharedModels.appendingPathComponent("micro_speech/model.tflite").path

    static func json(_ arguments: [String]) throws -> [String: Any] {
        let run = try VTACRunner.run(["report"] + arguments + ["--json"])
        try #require(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    static func layers(_ report: [String: Any]) throws -> [[String: Any]] {
        try #require(report["layers"] as? [[String: Any]])
    }

    /// micro_speech: a 10×8 convolution of 1 channel to 8 over a 25×20 output (320,000 MACs)
    /// and a 4000→4 fully connected layer (16,000 MACs), both on VTA in one device run.
    @Test func microSpeechFigures() throws {
        let report = try Self.json([Self.microSpeech])
        let layers = try Self.layers(report)
        let conv = try #require(layers.first { $0["kind"] as? String == "CONV_2D" })
        let fc = try #require(layers.first { $0["kind"] as? String == "FULLY_CONNECTED" })
        #expect(conv["macs"] as? Int == 320_000)
        #expect(fc["macs"] as? Int == 16_000)
        #expect(conv["device"] as? String == "vta")
        #expect(report["deviceRuns"] as? Int == 1)
        #expect(layers.last?["kind"] as? String == "SOFTMAX")
        #expect(layers.last?["device"] as? String == "cpu")
        for layer in [conv, fc] {
            let insns = try #require(layer["instructions"] as? [String: Int])
            #expect(insns["gemm"]! > 0 && insns["load"]! > 0 && insns["store"]! > 0)
            let loaded = try #require(layer["loadedBytes"] as? [String: Int])
            #expect(loaded["WGT"]! > 0 && loaded["INP"]! > 0)
            let cycles = try #require(layer["modelledCycles"] as? Int)
            let span = try #require(layer["spanCycles"] as? Int)
            let roofline = try #require(layer["rooflineCycles"] as? Int)
            // The span holds all of the layer's transfers and MACs; what it adds to the run is
            // at most that.
            #expect(span >= roofline && roofline > 0)
            #expect(cycles > 0 && cycles <= span)
        }
        // What the layers add sums to the run, short of the segment's closing instructions
        // (FINISH, 8 cycles each on alkali, and token no-ops).
        let added = layers.compactMap { $0["modelledCycles"] as? Int }.reduce(0, +)
        let total = try #require((report["totals"] as? [String: Any])?["modelledCycles"] as? Int)
        #expect(added <= total && total - added <= 32, "layers \(added) of \(total)")
        // The roofline charges each layer its tensors once: the conv reads a 49×40×1 input,
        // 8·10·8 weights and 8 int32 biases and writes 25×20×8; the FC reads 4000 inputs,
        // 4000·4 weights and 4 biases and writes 4. On alkali (256 MACs and 8 bus bytes per
        // cycle) the conv is compute-bound, the FC bound by its weights; what the program
        // moves (halos, block padding, requantization round trips) takes longer.
        #expect(conv["essentialBytes"] as? Int == 1960 + 640 + 32 + 4000)
        #expect(fc["essentialBytes"] as? Int == 4000 + 16_000 + 16 + 4)
        #expect(conv["rooflineCycles"] as? Int == 320_000 / 256)
        #expect(fc["rooflineCycles"] as? Int == (4000 + 16_000 + 16 + 4 + 7) / 8)
        for layer in [conv, fc] {
            let essential = try #require(layer["essentialBytes"] as? Int)
            #expect(try #require(layer["trafficCycles"] as? Int) >= essential / 8)
        }
        // SRAM high-water marks per buffer, within the target's depths; the convolution's
        // micro-op loops address every buffer (its footprint is checked against the simulator's
        // in the lowering tests).
        let depths = try #require(report["sramDepths"] as? [String: Int])
        #expect(Set(depths.keys) == ["UOP", "INP", "WGT", "ACC"])
        for layer in [conv, fc] {
            let high = try #require(layer["sramHighWater"] as? [String: Int])
            #expect(Set(high.keys) == Set(depths.keys), "\(high)")
            for (buffer, top) in high { #expect(top > 0 && top <= depths[buffer]!, "\(buffer) \(top)") }
        }
        // The FC weights, packed into whole BLOCK×BLOCK tiles, are read at least once.
        let fcLoaded = try #require(fc["loadedBytes"] as? [String: Int])
        #expect(fcLoaded["WGT"]! >= 4000 * 4)
    }

    /// The plan says how each layer runs: our tiny MobileNet's depthwise layers are diagonal
    /// GEMM on both profiles, with the reason (no MUL on stock; ALU multiply-accumulate at two
    /// tensor micro-ops per tap-vector is not cheaper on fsim), and its convolutions plain GEMM
    /// with their tiling. The text shows the same plan.
    @Test(arguments: ["alkali", "fsim"])
    func planNamesTheDepthwiseRoute(target: String) throws {
        let model = Fixtures.path("Models/tiny_mobilenet/model.tflite")
        let layers = try Self.layers(try Self.json([model, "--target", target]))
        let depthwise = layers.filter { $0["kind"] as? String == "DEPTHWISE_CONV_2D" }
        let convs = layers.filter { $0["kind"] as? String == "CONV_2D" }
        #expect(depthwise.count == 3 && convs.count == 4)
        let reason =
            target == "alkali" ? "no ALU MUL on this profile" : "ALU multiply-accumulate 4, not cheaper"
        for layer in depthwise {
            let lowering = try #require(layer["lowering"] as? String)
            #expect(lowering.hasPrefix("diagonal GEMM (1 cycle/tap-vector; \(reason))"), "\(lowering)")
            #expect(lowering.contains("buffered"), "\(lowering)")
        }
        for layer in convs { #expect((layer["lowering"] as? String)?.hasPrefix("GEMM; rows ") == true) }
        let text = try VTACRunner.run(["report", model, "--target", target])
        #expect(text.stdout.contains("DEPTHWISE_CONV_2D: diagonal GEMM"))
    }

    /// The total counts every instruction of the bundle's segments; the layers' share leaves
    /// out only each segment's closing drain and FINISH. The report of a model equals the
    /// report of its bundle.
    @Test func agreesWithTheBundle() throws {
        let bundle = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vtac-report-\(UUID().uuidString).csd"
        ).path
        defer { try? FileManager.default.removeItem(atPath: bundle) }
        let compile = try VTACRunner.run(["compile", Self.microSpeech, "-o", bundle, "--quiet"])
        try #require(compile.status == 0, "\(compile.stderr)")
        let fromModel = try Self.json([Self.microSpeech])
        let fromBundle = try Self.json([bundle])
        #expect(NSDictionary(dictionary: fromModel).isEqual(to: fromBundle))
        let inspect = try VTACRunner.run(["inspect", bundle, "--json"])
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
        let segments = try #require(manifest["segments"] as? [[String: Any]])
        let inBundle = segments.map { ($0["instructionCount"] as? Int) ?? 0 }.reduce(0, +)
        let layers = try Self.layers(fromBundle)
        let inLayers = layers.map { (($0["instructions"] as? [String: Int]) ?? [:]).values.reduce(0, +) }
            .reduce(
                0, +)
        let totals = try #require(fromBundle["totals"] as? [String: Any])
        let counted = try #require(totals["instructions"] as? [String: Int])
        #expect(counted.values.reduce(0, +) == inBundle)
        #expect(counted["finish"] == segments.count)
        #expect(inLayers < inBundle && inLayers >= inBundle - 2 * segments.count)
        let names = try #require(manifest["layers"] as? [[String: Any]]).map { $0["name"] as? String }
        #expect(layers.map { $0["name"] as? String } == names)
    }

    @Test func csvHtmlAndText() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vtac-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("layers.csv").path
        let html = dir.appendingPathComponent("report.html").path
        let run = try VTACRunner.run(["report", Self.microSpeech, "--csv", csv, "--html", html])
        try #require(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").allSatisfy { $0.count <= 120 })
        #expect(run.stdout.contains("1 device runs"))
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        let report = try Self.json([Self.microSpeech])
        #expect(rows.count == 1 + (try Self.layers(report)).count)
        let header = rows[0].split(separator: ",")
        let conv = try #require(rows.first { $0.contains(",CONV_2D,") })
        let convFields = conv.split(separator: ",", omittingEmptySubsequences: false)
        #expect(convFields[header.firstIndex(of: "macs")!] == "320000")
        let jsonConv = try #require(try Self.layers(report).first { $0["kind"] as? String == "CONV_2D" })
        let high = try #require(jsonConv["sramHighWater"] as? [String: Int])
        for buffer in ["UOP", "INP", "WGT", "ACC"] {
            let column = try #require(header.firstIndex(of: Substring("sram_high_\(buffer)")))
            #expect(convFields[column] == Substring(String(high[buffer] ?? -1)))
        }
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("SRAM %"))
        #expect(page.contains("<svg"))
        #expect(!page.contains("http://") && !page.contains("https://") && !page.contains("<script"))
    }

    /// `inspect --placement`, `report` and `inspect --disasm --layer` share operator numbers and
    /// layer names: the report's operator N is the placement's operator N, and N (or a unique
    /// part of the name) selects that layer's microcode.
    @Test func oneVocabularyForLayers() throws {
        let dir = try GoldenOutputTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = Fixtures.sharedModels.appendingPathComponent("resnet8_cifar10/model.tflite").path
        let bundle = dir.appendingPathComponent("r8.csd").path
        try #require(try VTACRunner.run(["compile", model, "-o", bundle, "--quiet"]).status == 0)
        let placement = try VTACRunner.run(["inspect", model, "--placement", "--json"])
        let operators = try #require(
            (try JSONSerialization.jsonObject(with: Data(placement.stdout.utf8)) as? [String: Any])?[
                "operators"]
                as? [[String: Any]])
        let layers = try Self.layers(try Self.json([bundle]))
        for layer in layers {
            guard let index = layer["operator"] as? Int else {
                #expect(layer["kind"] as? String == "DEVICE_COPY")
                continue
            }
            #expect(operators[index]["name"] as? String == layer["name"] as? String)
            #expect(operators[index]["kind"] as? String == layer["kind"] as? String)
        }
        let add = try #require(layers.first { $0["kind"] as? String == "ADD" })
        let name = try #require(add["name"] as? String)
        let byNumber = try VTACRunner.run([
            "inspect", bundle, "--disasm", "--layer", "#\(add["operator"] as! Int)",
        ])
        try #require(byNumber.status == 0, "\(byNumber.stderr)")
        #expect(byNumber.stdout.contains("# layer \(name)\n"))
        let byPart = try VTACRunner.run(["inspect", bundle, "--disasm", "--layer", "add/add"])
        #expect(byPart.stdout == byNumber.stdout)
        let ambiguous = try VTACRunner.run(["inspect", bundle, "--disasm", "--layer", "Relu"])
        #expect(ambiguous.status == 65 && ambiguous.stderr.contains("matches several layers"))
        let cpu = try VTACRunner.run(["inspect", bundle, "--disasm", "--layer", "Identity"])
        #expect(cpu.status == 65 && cpu.stderr.contains("runs on the CPU"))
        // The text tables: operator N has the same short layer name in both.
        func names(_ table: String) -> [Int: String] {
            var result: [Int: String] = [:]
            for line in table.split(separator: "\n") {
                let words = line.split(separator: " ")
                if words.count > 1, let n = Int(words[0]) { result[n] = String(words[1]) }
            }
            return result
        }
        let placementNames = names(try VTACRunner.run(["inspect", model, "--placement"]).stdout)
        let reportNames = names(try VTACRunner.run(["report", bundle]).stdout)
        #expect(reportNames.count == operators.count && placementNames == reportNames)

        // The graph's edges: each residual ADD reads the previous layer and one further back, and
        // the HTML draws that skip as an arc.
        for add in layers.indices where layers[add]["kind"] as? String == "ADD" {
            let from = try #require(layers[add]["inputsFrom"] as? [Int])
            #expect(from.count == 2 && from.contains(add - 1) && from.allSatisfy { $0 < add }, "\(from)")
        }
        let html = dir.appendingPathComponent("r8.html").path
        try #require(try VTACRunner.run(["report", bundle, "--html", html]).status == 0)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        var skips = 0
        for (j, layer) in layers.enumerated() {
            skips += ((layer["inputsFrom"] as? [Int]) ?? []).filter { $0 < j - 1 }.count
        }
        #expect(skips >= 3)
        // One arc per skipping edge (plus the arrowhead marker's path).
        #expect(page.components(separatedBy: "<path d=\"M ").count - 2 == skips)
    }

    @Test func aBundleNeedsItsOwnHardware() throws {
        let bundle = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vtac-report-\(UUID().uuidString).csd"
        ).path
        defer { try? FileManager.default.removeItem(atPath: bundle) }
        _ = try VTACRunner.run(["compile", Self.microSpeech, "-o", bundle, "--quiet"])
        let run = try VTACRunner.run(["report", bundle, "--target", "cloud"])
        #expect(run.status == 65)
        #expect(run.stderr.contains(bundle) && run.stderr.contains("cloud"))
        let missing = try VTACRunner.run(["report", "/nonexistent/model.tflite"])
        #expect(missing.status == 65)
    }

    /// A bundle compiled for a target folder given by path names a target the search roots do
    /// not have: the report says so and asks for --target, and reports with it.
    @Test func aBundleOfATargetFolderNeedsTheFolder() throws {
        let dir = try GoldenOutputTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = try SchedulesTests.target(in: dir, schedules: nil)
        let bundle = dir.appendingPathComponent("m.csd").path
        _ = try VTACRunner.run(["compile", Self.microSpeech, "-o", bundle, "--target", folder, "--quiet"])
        let run = try VTACRunner.run(["report", bundle])
        #expect(run.status == 65)
        #expect(run.stderr.contains("alkali-tuned") && run.stderr.contains("--target"), "\(run.stderr)")
        let given = try VTACRunner.run(["report", bundle, "--target", folder])
        #expect(given.status == 0 && given.stdout.contains("modelled"), "\(given.stderr)")
    }
}
