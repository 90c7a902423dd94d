import ArgumentParser
import Bundle
import Foundation
import NPY

/// `vtac export --alkali`: the files the Alkali host application sends to the drive.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write what the Alkali host application sends: the firmware object and the input region.",
        discussion: """
            DIR/firmware.o is the bundle's eBPF wrapper (vendor command 0x85), DIR/input.bin \
            the input region (the bundle, a records header, the records; 0x88), and \
            DIR/regions.txt the input and output region sizes in 4 KiB pages (0x88, 0x8C). \
            `csd-run DIR/firmware.o DIR/input.bin out.bin` runs exactly these files.
            """
    )

    @Flag(help: "Export for Antmicro's Alkali platform (the only platform so far).")
    var alkali = false

    @Argument(help: "The .csd bundle.")
    var bundle: String

    @Option(name: .customLong("input"), help: "An input .npy (repeat for several inputs).")
    var inputs: [String] = []

    @Option(name: .shortAndLong, help: "The directory to write.")
    var output: String

    func run() throws {
        try ErrorReporting.run {
            guard alkali else { throw BadInput(message: "give --alkali: it is the only export format") }
            let file = try FileIO.read(bundle)
            let decoded = try CSDBundle.decode(file, path: bundle)
            let io = try BundleIO(manifest: decoded.manifest, path: bundle)
            let arrays = try io.inputArrays(inputs, bundle: bundle)
            let (records, _, region) = try io.inputRegion(bundle: file, arrays: arrays, paths: inputs)
            do {
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            } catch {
                throw BadInput(
                    message: "\(output): cannot create the directory: \(error.localizedDescription)")
            }
            let pages = { (bytes: Int) in (bytes + 4095) / 4096 }
            let outputBytes = 16 + records * io.outputRecordSize
            try FileIO.write(decoded.bpfELF, to: output + "/firmware.o")
            try FileIO.write(region, to: output + "/input.bin")
            let text = """
                input_region_bytes \(region.count)
                input_region_pages \(pages(region.count))
                output_region_bytes \(outputBytes)
                output_region_pages \(pages(outputBytes))
                records \(records)

                """
            try FileIO.write(Array(text.utf8), to: output + "/regions.txt")
        }
    }
}
