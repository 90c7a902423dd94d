import ArgumentParser
import Foundation
import VTATarget

/// `--target T`: a target folder name under `Schedules/` (or `$VTAC_SCHEDULES`), or a path to
/// a folder holding `vta_config.json` and `target.json`.
struct TargetOption: ParsableArguments {
    @Option(
        name: .customLong("target"),
        help: "Hardware target: a folder name under Schedules/ (alkali, pynq, fsim, cloud) or a folder path.")
    var name: String = Target.defaultName

    @Option(
        help: "Override the target's ISA profile: stock (MIN/MAX/ADD/SHR) or extended (adds MUL, ACC_8BIT).")
    var isa: ISAProfile?

    func load() throws -> Target { try Self.load(name: name, isa: isa) }

    /// A target by folder name or path, with the ISA profile optionally overridden.
    static func load(name: String, isa: ISAProfile?) throws -> Target {
        var target =
            name.contains("/")
            ? try Target.load(directory: URL(fileURLWithPath: name, isDirectory: true))
            : try Target.load(name: name)
        if let isa { target.profile = isa }
        return target
    }
}

/// Reading and writing whole files, with errors that name the file.
enum FileIO {
    static func read(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw BadInput(message: "\(path): cannot read the file: no such file")
        }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw BadInput(message: "\(path): cannot read the file: \(error.localizedDescription)")
        }
    }

    static func readText(_ path: String) throws -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Writes atomically (a temporary file renamed into place): a failed run leaves no
    /// half-written output behind.
    static func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw BadInput(message: "\(path): cannot write the file: \(error.localizedDescription)")
        }
    }
}
