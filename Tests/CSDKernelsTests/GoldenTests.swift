import CSDKernels
import Foundation
import NPY
import TFLite
import TFLiteArithmetic
import TestSupport
import Testing

/// Where the kernel fixtures live (written by Tools/models/generate_kernel_fixtures.py).
enum KernelFixtures {
    static let root = Fixtures.root.appendingPathComponent("Tests/Fixtures/kernels")

    /// Crafted single-purpose models with inputs chosen to hit rounding ties and edge values.
    static let probes = Fixtures.modelFolders(in: root.appendingPathComponent("probes"))

    /// Every model whose outputs the CPU kernels must reproduce: Models/*, ../shared/models/*
    /// and the probes, as (name, folder).
    static let allModels: [(name: String, folder: URL)] = {
        let ours = Fixtures.modelFolders(in: Fixtures.root.appendingPathComponent("Models")).map {
            ($0.lastPathComponent, $0)
        }
        let shared = Fixtures.modelFolders(in: Fixtures.sharedModels).map {
            ("shared-" + $0.lastPathComponent, $0)
        }
        let crafted = probes.map { ("probe-" + $0.lastPathComponent, $0) }
        return ours + shared + crafted
    }()

    static func folder(_ name: String) -> URL { allModels.first { $0.name == name }!.folder }

    /// The folder of interpreter-dumped intermediate tensors of a model (`t<index>.npy`).
    static func intermediates(_ name: String) -> URL { root.appendingPathComponent("intermediates/\(name)") }
}

/// Values of the files `input_<i>.npy` / `output_<j>.npy` of a model folder.
func goldenFiles(_ folder: URL, _ prefix: String, count: Int) throws -> [TensorValue] {
    try (0..<count).map {
        try TensorValue(npyPath: folder.appendingPathComponent("\(prefix)_\($0).npy").path)
    }
}

/// The CPU kernels reproduce the pinned interpreter (ai-edge-litert 2.3.0, BUILTIN_REF) bit for
/// bit: whole models from their committed inputs, and every operator from the interpreter's own
/// intermediate tensors.
@Suite struct GoldenTests {
    @Test func fixturesExist() {
        #expect(KernelFixtures.allModels.count >= 40, "Models/, ../shared/models and the probes")
        #expect(KernelFixtures.probes.count >= 8)
    }

    /// Runs the model operator by operator with the C kernels and compares every output.
    @Test(arguments: KernelFixtures.allModels.map(\.name))
    func wholeModel(name: String) throws {
        let folder = KernelFixtures.folder(name)
        let executor = try CPUExecutor(path: folder.appendingPathComponent("model.tflite").path)
        let inputs = try goldenFiles(folder, "input", count: executor.graph.inputs.count)
        let expected = try goldenFiles(folder, "output", count: executor.graph.outputs.count)
        let values = try executor.runModel(inputs)
        for (j, t) in executor.graph.outputs.enumerated() {
            let got = try #require(values[t])
            #expect(got.bitEqual(expected[j]), "output \(j): \(got.mismatchSummary(against: expected[j]))")
        }
    }

    /// Each operator on the interpreter's own inputs, against the interpreter's own outputs, so
    /// that an error cannot hide behind a later saturating operator.
    @Test(arguments: KernelFixtures.allModels.map(\.name))
    func everyOperator(name: String) throws {
        let folder = KernelFixtures.folder(name)
        let executor = try CPUExecutor(path: folder.appendingPathComponent("model.tflite").path)
        let graph = executor.graph
        var values: [Int: TensorValue] = [:]
        for (i, v) in try goldenFiles(folder, "input", count: graph.inputs.count).enumerated() {
            values[graph.inputs[i]] = v
        }
        for (j, v) in try goldenFiles(folder, "output", count: graph.outputs.count).enumerated() {
            values[graph.outputs[j]] = v
        }
        let dir = KernelFixtures.intermediates(name)
        for op in graph.operators {
            for t in op.outputs where values[t] == nil {
                let path = dir.appendingPathComponent("t\(t).npy").path
                try #require(FileManager.default.fileExists(atPath: path), "missing \(path)")
                values[t] = try TensorValue(npyPath: path)
            }
        }
        for op in graph.operators {
            let outputs = try executor.run(op, values: values)
            for (t, got) in zip(op.outputs, outputs) {
                let expected = try #require(values[t])
                #expect(
                    got.bitEqual(expected),
                    "operator \(op.index) \(op.kind): \(got.mismatchSummary(against: expected))")
            }
        }
    }
}
