import ArgumentParser

/// The `vtac` command: compiles int8 TFLite models for a VTA accelerator on a computational
/// storage drive, and shows what it read and made.
public struct VTACommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vtac",
        abstract: "Compile int8 TensorFlow Lite models for VTA on computational storage.",
        discussion: """
            Exit status: 0 on success, \(ExitStatus.usage.rawValue) for a wrong command line, \
            \(ExitStatus.badInput.rawValue) for bad input (a missing, malformed or unsupported \
            file), \(ExitStatus.internalError.rawValue) for an internal error.
            """,
        version: VTACVersion.string,
        subcommands: [
            CompileCommand.self, RunCommand.self, ExportCommand.self, InspectCommand.self, DisasmCommand.self,
            AsmCommand.self, SimCommand.self, ReportCommand.self, TargetsCommand.self,
            SupportedOperatorsCommand.self,
        ]
    )

    public init() {}
}

/// The version printed by `--version` and recorded in bundles.
public enum VTACVersion {
    public static let string = "0.1.0"
}
