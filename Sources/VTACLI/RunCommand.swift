import ArgumentParser
import Bundle
import CSDHost
import CSDRuntime
import CVTASim
import Foundation
import NPY

/// `vtac run`: executes a bundle as the drive would, on the reference simulator.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a .csd bundle on inputs, as the drive does, over the reference simulator.",
        discussion: """
            The bundle's eBPF wrapper runs in our eBPF VM with the runtime's helpers; the \
            accelerator segments run on the reference VTA simulator configured as the bundle's \
            target. Give one --input per model input (in the model's order). A leading axis \
            beyond the model's shape holds several records, which run through the wrapper's \
            record loop; the outputs then carry that axis too. Give one -o per model output.
            """
    )

    @Argument(help: "The .csd bundle.")
    var bundle: String

    @Option(name: .customLong("input"), help: "An input .npy (repeat for several inputs).")
    var inputs: [String] = []

    @Option(name: .shortAndLong, help: "Where to write an output .npy (repeat for several outputs).")
    var output: [String] = []

    func run() throws {
        try ErrorReporting.run {
            let file = try FileIO.read(bundle)
            let decoded = try CSDBundle.decode(file, path: bundle)
            let io = try BundleIO(manifest: decoded.manifest, path: bundle)
            try io.checkInputCount(inputs.count, bundle: bundle)
            guard output.count == io.outputs.count else {
                throw BadInput(
                    message: "\(bundle): the model has \(io.outputs.count) outputs; \(output.count) -o given")
            }
            let arrays = try io.inputArrays(inputs, bundle: bundle)
            let (records, prepended, region) = try io.inputRegion(bundle: file, arrays: arrays, paths: inputs)
            let result = try HostRun.run(
                elf: decoded.bpfELF, input: region, manifest: decoded.manifest, records: records,
                outputRecordSize: Int(decoded.manifest.outputRecordSize), path: bundle)
            let outArrays = try io.outputs(from: result, records: records, prepended: prepended)
            for (array, path) in zip(outArrays, output) { try NPYFile.write(array, path: path) }
        }
    }
}

/// Runs a wrapper program over an input region with the runtime's helpers on the simulator
/// configured as the bundle's hardware.
enum HostRun {
    static func run(
        elf: [UInt8], input: [UInt8], manifest: Vtac_Bundle_Manifest, records: Int, outputRecordSize: Int,
        path: String
    ) throws -> [UInt8] {
        let h = manifest.hardware
        let config = try BundleReport.config(h, path: path)
        let extended = h.isaProfile == .extended
        var sim = DeviceConfigs.simulator(config, extended: extended)
        guard let device = VTASimDeviceAllocWithConfig(&sim) else {
            throw BadInput(message: "\(path): the simulator cannot model this bundle's hardware")
        }
        defer { VTADeviceFree(device) }
        var options = csd_host_options()
        csd_host_default_options(&options)
        options.runtime.device = device
        options.runtime.hardware = DeviceConfigs.runtime(config, extended: extended)
        var inputBuffer = input
        var output = [UInt8](repeating: 0, count: 16 + records * outputRecordSize)
        var report = csd_host_report()
        var err = [CChar](repeating: 0, count: 512)
        let status = inputBuffer.withUnsafeMutableBytes { inBytes in
            output.withUnsafeMutableBytes { outBytes in
                elf.withUnsafeBytes { elfBytes in
                    csd_host_run_with(
                        &options, elfBytes.baseAddress, elf.count, inBytes.baseAddress, inBytes.count,
                        outBytes.baseAddress, outBytes.count, &report, &err, err.count)
                }
            }
        }
        let message = SimulatorDevice.text(err)
        guard status == CSD_HOST_OK else {
            throw BadInput(message: "\(path): the drive's program failed: \(message)")
        }
        let done = Int(output[0]) | Int(output[1]) << 8 | Int(output[2]) << 16 | Int(output[3]) << 24
        let stop = Int(output[4]) | Int(output[5]) << 8 | Int(output[6]) << 16 | Int(output[7]) << 24
        guard done == records else {
            throw BadInput(message: "\(path): \(done) of \(records) records ran (stop reason \(stop))")
        }
        return Array(output[16...])
    }
}
