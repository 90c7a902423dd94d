import ArgumentParser
import Bundle
import Foundation
import VTATarget

/// `vtac compile`: a TFLite model to a bundle the drive's runtime executes.
struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Compile an int8 TFLite model into a .csd bundle for the drive.",
        discussion: """
            Places every operator on VTA or the CPU, plans memory, lowers the accelerator \
            segments to VTA microcode (every stream is checked by the verifier), generates the \
            eBPF wrapper, and writes the bundle atomically. The same model and target always \
            give the same bytes. Prints a summary unless --quiet.
            """
    )

    @Argument(help: "The .tflite model.")
    var model: String

    @Option(name: .shortAndLong, help: "Where to write the bundle.")
    var output: String

    @OptionGroup var target: TargetOption

    @Flag(help: "Print nothing on success.")
    var quiet = false

    @Flag(
        help:
            "Also print, per accelerator layer, MACs, instructions, DRAM bytes, modelled cycles, the roofline bound, utilisation and the requantization route."
    )
    var layers = false

    func run() throws {
        try ErrorReporting.run {
            let target = try target.load()
            let compiled = try ModelCompiler.compile(modelPath: model, target: target)
            try FileIO.write(compiled.bundle, to: output)
            if !quiet { print(Self.text(compiled.summary, output: output), terminator: "") }
            if layers { print(Self.layerTable(compiled.layers), terminator: "") }
        }
    }

    static func layerTable(_ layers: [LayerFigures]) -> String {
        var table = TextTable([
            ("layer", .left), ("kind", .left), ("seg", .right), ("MACs", .right), ("insns", .right),
            ("DRAM B", .right), ("cycles", .right), ("roofline", .right), ("x bound", .right),
            ("util %", .right),
            ("requantization", .left),
        ])
        var totals = (macs: 0, cycles: 0, roofline: 0)
        for l in layers {
            table.add([
                String(l.name.prefix(28)), l.kind, String(l.segment), grouped(l.macs),
                grouped(l.instructions),
                grouped(l.dramBytes), grouped(l.modelledCycles), grouped(l.rooflineCycles),
                l.rooflineCycles == 0
                    ? "-" : String(format: "%.2f", Double(l.modelledCycles) / Double(l.rooflineCycles)),
                String(format: "%.1f", 100 * l.utilisation), l.requantization,
            ])
            totals.macs += l.macs
            totals.cycles += l.modelledCycles
            totals.roofline += l.rooflineCycles
        }
        let ratio = totals.roofline == 0 ? 0 : Double(totals.cycles) / Double(totals.roofline)
        return table.render() + "\n"
            + "  total: \(grouped(totals.macs)) MACs, \(grouped(totals.cycles)) modelled cycles, roofline bound "
            + "\(grouped(totals.roofline)) cycles (\(String(format: "%.2f", ratio))x the bound)\n"
    }

    static func text(_ s: CompileSummary, output: String) -> String {
        """
        wrote \(output) (\(grouped(s.bundleBytes)) bytes) for \(s.target) (\(s.profile) ISA)
        operators     \(s.operatorsOnVTA) on VTA, \(s.operatorsOnCPU) on CPU
        device copies \(s.deviceCopies); device runs per inference \(s.deviceRuns)
        memory        constants \(grouped(s.constantBytes)) B, device activations \(grouped(s.activationBytes)) B, host \(grouped(s.hostBytes)) B
        microcode     \(grouped(s.instructions)) instructions; modelled \(grouped(s.modelledCycles)) cycles (\(String(format: "%.1f", s.modelledMicroseconds)) µs)

        """
    }
}
