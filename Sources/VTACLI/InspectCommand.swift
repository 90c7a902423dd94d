import ArgumentParser
import Bundle
import Foundation
import GraphIR
import Partitioning
import TFLite

/// `vtac inspect`: what vtac read from a model, operator by operator and tensor by tensor.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the operators, tensors and quantization of a TFLite model.",
        discussion: """
            Prints the operators in execution order (inputs, outputs, options, MACs), every \
            tensor (shape, type, quantization; per-axis parameters shown as a range) and totals. \
            Tensors are named tN after their index in the model. With --json the same facts are \
            printed as one JSON object (keys sorted) for scripts. With --placement it shows \
            instead where each operator runs on the target, the rules that kept CPU operators off \
            the accelerator, the device copies and the accelerator segments (device runs per \
            inference). Given a .csd bundle it prints the manifest in words (or --json), or with \
            --disasm its microcode.
            """
    )

    @Argument(help: "The .tflite model or .csd bundle to inspect.")
    var model: String

    @Flag(
        help:
            "For a bundle: print the microcode of every segment, annotated with layers, and the eBPF wrapper."
    )
    var disasm = false

    @Option(help: "With --disasm: only this segment.")
    var segment: Int?

    @Option(
        help:
            "With --disasm: only this layer: its name, a part of it, or its operator number (as --placement and report show)."
    )
    var layer: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Flag(help: "Show the placement of every operator on the target instead.")
    var placement = false

    @OptionGroup var target: TargetOption

    func run() throws {
        try ErrorReporting.run {
            let bytes = try FileIO.read(model)
            if BundleReport.isBundle(bytes) {
                let bundle = try CSDBundle.decode(bytes, path: model)
                if disasm {
                    print(
                        try BundleReport.disassembly(bundle, path: model, segment: segment, layer: layer),
                        terminator: "")
                } else if json {
                    // Protobuf's JSON mapping, pretty-printed with sorted keys.
                    let compact = try bundle.manifest.jsonUTF8Data()
                    let object = try JSONSerialization.jsonObject(with: compact)
                    let pretty = try JSONSerialization.data(
                        withJSONObject: object,
                        options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: pretty, as: UTF8.self))
                } else {
                    print(BundleReport.text(bundle, path: model, size: bytes.count), terminator: "")
                }
                return
            }
            let loaded = try LoadedModel.load(path: model)
            if placement {
                let target = try target.load()
                let report = PlacementReport(
                    plan: Placement.plan(loaded.graph, target: target), target: target)
                print(json ? try JSONOutput.encode(report) : report.text, terminator: json ? "\n" : "")
                return
            }
            let report = ModelReport(
                model: loaded.model, graph: loaded.graph, file: model, sizeBytes: loaded.sizeBytes)
            if json {
                print(try JSONOutput.encode(report))
            } else {
                print(report.renderText(), terminator: "")
            }
        }
    }
}

/// A model read and turned into the graph IR, as every command needs it.
struct LoadedModel {
    var model: TFLiteModel
    var graph: Graph
    var sizeBytes: Int

    static func load(path: String) throws -> LoadedModel {
        let model = try TFLiteReader.read(path: path)
        let graph = try GraphBuilder.build(model, path: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return LoadedModel(model: model, graph: graph, sizeBytes: size)
    }
}

/// JSON as vtac prints it: pretty, keys sorted, byte-identical across runs.
enum JSONOutput {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
