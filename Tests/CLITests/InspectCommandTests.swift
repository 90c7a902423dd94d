import Foundation
import TestSupport
import Testing

/// `vtac inspect` as a user runs it: output on every model, JSON that agrees with the reference
/// interpreter, and the documented exit statuses on bad input.
@Suite struct InspectCommandTests {
    static let models = Fixtures.allModels()

    @Test(arguments: models.map(\.name))
    func jsonAgreesWithInterpreter(name: String) throws {
        let path = Self.models.first { $0.name == name }!.model
        let run = try VTACRunner.run(["inspect", path, "--json"])
        try #require(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let view = try InterpreterView.load(name: name)
        #expect(json["inputs"] as? [Int] == view.inputs)
        #expect(json["outputs"] as? [Int] == view.outputs)
        let operators = try #require(json["operators"] as? [[String: Any]])
        try #require(operators.count == view.operators.count)
        for (op, ref) in zip(operators, view.operators) {
            #expect(op["kind"] as? String == ref.kind)
            let inputs = (op["inputs"] as? [Any])?.map { ($0 as? Int) ?? -1 }
            #expect(inputs == ref.inputs)
            #expect(op["outputs"] as? [Int] == ref.outputs)
            #expect(op["macs"] is Int)
        }
        let tensors = try #require(json["tensors"] as? [[String: Any]])
        try #require(tensors.count == view.tensors.count)
        for (t, ref) in zip(tensors, view.tensors) {
            #expect(t["name"] as? String == ref.name)
            #expect(t["shape"] as? [Int] == ref.shape)
            #expect(t["type"] as? String == ref.type)
            let q = t["quantization"] as? [String: Any]
            let scales = (q?["scale"] as? [Double]) ?? []
            // JSON carries each float32 in its shortest form: compare as float32.
            #expect(scales.map { Float($0) } == ref.scales.map { Float($0) }, "tensor \(ref.index)")
            #expect(((q?["zero_point"] as? [Int]) ?? []).map { Int64($0) } == ref.zero_points)
            if ref.scales.count > 1 { #expect(q?["axis"] as? Int == ref.quantized_dimension) }
            #expect(t["constant_bytes"] as? Int == ref.constant_bytes)
        }
        let totals = try #require(json["totals"] as? [String: Any])
        #expect(totals["operators"] as? Int == view.operators.count)
        #expect(totals["constant_bytes"] as? Int == view.tensors.compactMap(\.constant_bytes).reduce(0, +))
    }

    @Test(arguments: models.map(\.name))
    func textListsEveryOperatorAndTensor(name: String) throws {
        let path = Self.models.first { $0.name == name }!.model
        let run = try VTACRunner.run(["inspect", path])
        try #require(run.status == 0, "\(run.stderr)")
        let view = try InterpreterView.load(name: name)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        for op in view.operators {
            #expect(
                lines.contains {
                    $0.hasPrefix(String(format: "%4d  %@ ", op.index, op.kind))
                        || $0.contains(" \(op.index)  \(op.kind) ")
                })
        }
        for t in view.tensors {
            #expect(
                lines.contains { $0.contains("t\(t.index)  ") && $0.hasSuffix(t.name) }, "tensor \(t.index)")
        }
        #expect(run.stdout.contains("Totals"))
    }

    @Test func outputIsDeterministic() throws {
        let path = Self.models[0].model
        let first = try VTACRunner.run(["inspect", path, "--json"])
        let second = try VTACRunner.run(["inspect", path, "--json"])
        #expect(first.stdout == second.stdout)
    }

    @Test(arguments: [
        "bad_version", "bad_tensor_index", "bad_buffer_index", "short_constant", "bad_opcode_index",
        "bad_subgraph_output", "bad_per_axis", "bad_fc_shape",
    ])
    func badModelsExitWithBadInputStatus(name: String) throws {
        let path = Fixtures.path("Tests/Fixtures/crafted/\(name).tflite")
        let run = try VTACRunner.run(["inspect", path])
        #expect(run.status == 65)
        #expect(run.stdout.isEmpty)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(run.stderr.hasPrefix("vtac: error: \(path): "))
    }

    @Test func missingAndEmptyFiles() throws {
        let missing = try VTACRunner.run(["inspect", "/no/such/model.tflite"])
        #expect(missing.status == 65)
        #expect(missing.stderr == "vtac: error: /no/such/model.tflite: cannot read the file: no such file\n")
        let empty = try Fixtures.temporaryFile([], name: "empty.tflite")
        let run = try VTACRunner.run(["inspect", empty])
        #expect(run.status == 65)
        #expect(run.stderr.contains("the file is empty"))
    }

    @Test func usageErrorsHaveTheirOwnStatus() throws {
        #expect(try VTACRunner.run(["inspect"]).status == 64)
        #expect(try VTACRunner.run(["no-such-command"]).status == 64)
        let help = try VTACRunner.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("inspect"))
    }
}

/// `vtac inspect --placement` and the supported-operators table.
@Suite struct PlacementCommandTests {
    @Test func resnetPlacementJSON() throws {
        let path = Fixtures.sharedModels.appendingPathComponent("resnet8_cifar10/model.tflite").path
        let run = try VTACRunner.run(["inspect", path, "--placement", "--json", "--target", "alkali"])
        try #require(run.status == 0, "\(run.stderr)")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let operators = try #require(json["operators"] as? [[String: Any]])
        #expect(operators.filter { $0["device"] as? String == "VTA" }.count == 15)
        let softmax = try #require(operators.last)
        #expect(softmax["kind"] as? String == "SOFTMAX")
        #expect((softmax["failed"] as? [[String: Any]])?.first?["rule"] as? String == "op.accelerated")
        // In and out of the accelerator once: the input, and the logits before SOFTMAX.
        #expect(json["device_runs"] as? Int == 1)
        #expect((json["device_copies"] as? [Any])?.count == 2)
        let memory = try #require(json["memory"] as? [String: Any])
        #expect((memory["activations"] as? Int ?? 0) > 0)
        #expect(
            (memory["activations"] as? Int ?? 0) <= (memory["activations_without_reuse"] as? Int ?? 0) + 256)
    }

    @Test func textNamesFailedRules() throws {
        let path = Fixtures.path("Tests/Fixtures/crafted/options_zoo.tflite")
        let run = try VTACRunner.run(["inspect", path, "--placement"])
        try #require(run.status == 0, "\(run.stderr)")
        // SUB has no lowering; MUL neither: both on the CPU with the reason.
        #expect(run.stdout.contains("SUB"))
        #expect(run.stdout.contains("op.accelerated: VTA has no lowering for this operator kind"))
        #expect(run.stdout.contains("device runs"))
    }

    /// The committed table is what the rules generate.
    @Test func supportedOperatorsTableIsCurrent() throws {
        let run = try VTACRunner.run(["supported-operators"])
        #expect(run.status == 0)
        let committed = try String(contentsOfFile: Fixtures.path("SUPPORTED_OPERATORS.md"), encoding: .utf8)
        #expect(run.stdout == committed, "regenerate with: vtac supported-operators > SUPPORTED_OPERATORS.md")
    }
}
