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
            "Also print the per-layer table of `vtac report` (MACs, instructions, DRAM bytes, modelled cycles, roofline, requantization)."
    )
    var layers = false

    @Option(
        name: .customLong("write-schedules"),
        help: ArgumentHelp(
            "Also write the tiling chosen for every convolution as a schedules.json.",
            discussion:
                "Copy it to Schedules/<target>/schedules.json (and edit it) to fix those tilings; the cycle-model search fills in workloads it does not list.",
            valueName: "file"))
    var writeSchedules: String?

    func run() throws {
        try ErrorReporting.run {
            let target = try target.load()
            let compiled = try ModelCompiler.compile(modelPath: model, target: target)
            try FileIO.write(compiled.bundle, to: output)
            if let writeSchedules {
                var entries: [String: TilingSchedule] = [:]
                for layer in compiled.lowered.layers {
                    if let w = layer.workload, let t = layer.tiling { entries[w] = t }
                }
                try FileIO.write(Array(TilingSchedule.fileText(entries).utf8), to: writeSchedules)
            }
            if !quiet { print(Self.text(compiled.summary, output: output), terminator: "") }
            if layers {
                // The same figures as `vtac report`, read back from the bundle just written.
                let bundle = try CSDBundle.decode(compiled.bundle, path: output)
                do {
                    let report = try PerformanceReport.make(bundle, target: target, path: output)
                    print(ReportRendering.text(report), terminator: "")
                } catch {
                    throw BadInput(message: "\(error)")
                }
            }
        }
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
