import ArgumentParser
import Bundle
import Foundation
import VTATarget

/// `vtac report`: what one inference costs, layer by layer, by the target's cycle model.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Per-layer performance of a model or bundle: MACs, instructions, bytes, modelled cycles.",
        discussion: """
            For every layer (the names `vtac inspect` uses): its device, MACs, instructions by \
            kind, DRAM bytes loaded per memory type and stored, SRAM high-water marks, modelled \
            cycles (what the layer adds to its segment's run, so that layers sum to the total; \
            the JSON and CSV also give its span, which overlaps its neighbours) and busy cycles \
            per module, the roofline bound and utilisation, and the \
            requantization route; then totals, device copies and device runs per inference. A \
            model is compiled in memory first (nothing is written); a bundle is reported for \
            the target it was compiled for unless --target names another with the same \
            hardware. --csv and --html write files atomically; --json prints JSON instead of text.
            """
    )

    @Argument(help: "The .tflite model or .csd bundle.")
    var input: String

    @Option(
        name: .customLong("target"),
        help:
            "Hardware target (folder name under Schedules/ or a path). Default: alkali, or the bundle's own.")
    var targetName: String?

    @Option(help: "Override the target's ISA profile when compiling a model: stock or extended.")
    var isa: ISAProfile?

    @Flag(help: "Print the report as JSON (keys sorted).")
    var json = false

    @Option(help: "Also write the per-layer table as CSV to this file.")
    var csv: String?

    @Option(help: "Also write a self-contained HTML page (table, device strip, module timeline).")
    var html: String?

    func run() throws {
        try ErrorReporting.run {
            let bytes = try FileIO.read(input)
            let (bundle, target) = try bundleAndTarget(bytes)
            let report: PerformanceReport
            do {
                report = try PerformanceReport.make(bundle, target: target, path: input)
            } catch {
                throw BadInput(message: "\(error)")
            }
            if let csv { try FileIO.write(Array(ReportRendering.csv(report).utf8), to: csv) }
            if let html { try FileIO.write(Array(ReportHTML.page(report).utf8), to: html) }
            if json {
                print(try JSONOutput.encode(report))
            } else {
                print(ReportRendering.text(report), terminator: "")
            }
        }
    }

    /// The bundle to report on, compiling the model first when given one, and the target whose
    /// cycle model prices it.
    private func bundleAndTarget(_ bytes: [UInt8]) throws -> (CSDBundle, Target) {
        guard BundleReport.isBundle(bytes) else {
            let target = try TargetOption.load(name: targetName ?? Target.defaultName, isa: isa)
            let compiled = try ModelCompiler.compile(modelPath: input, target: target)
            return (try CSDBundle.decode(compiled.bundle, path: input), target)
        }
        let bundle = try CSDBundle.decode(bytes, path: input)
        let hardware = bundle.manifest.hardware
        var target: Target
        do {
            target = try TargetOption.load(name: targetName ?? hardware.targetName, isa: nil)
        } catch TargetLoadError.targetNotFound(_, _, let available) where targetName == nil {
            throw BadInput(
                message:
                    "\(input): the bundle was compiled for target '\(hardware.targetName)', which is not among the known targets (\(available.joined(separator: ", "))); pass --target with its folder"
            )
        }
        let own = try BundleReport.config(hardware, path: input)
        guard Self.sameHardware(own, target.config) else {
            throw BadInput(
                message:
                    "\(input): the bundle was compiled for \(hardware.targetName), whose hardware differs from target \(target.name)'s"
            )
        }
        target.profile = hardware.isaProfile
        return (bundle, target)
    }

    /// Two configurations that encode and size everything alike, whatever their names.
    static func sameHardware(_ a: HardwareConfig, _ b: HardwareConfig) -> Bool {
        a.logInputWidth == b.logInputWidth && a.logWeightWidth == b.logWeightWidth
            && a.logAccumulatorWidth == b.logAccumulatorWidth && a.logBatch == b.logBatch
            && a.logBlockIn == b.logBlockIn && a.logBlockOut == b.logBlockOut
            && a.logUopBufferSize == b.logUopBufferSize && a.logInputBufferSize == b.logInputBufferSize
            && a.logWeightBufferSize == b.logWeightBufferSize
            && a.logAccumulatorBufferSize == b.logAccumulatorBufferSize
    }
}
