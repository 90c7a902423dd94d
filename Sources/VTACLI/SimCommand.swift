import ArgumentParser
import CVTASim
import Foundation
import VTATarget

/// `vtac sim`: runs a raw instruction stream on the reference simulator.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run a raw VTA instruction stream on the reference functional simulator.",
        discussion: """
            The DRAM image is placed at --dram-base (default 0x1000), the micro-ops at the next \
            4 KiB boundary after it unless --uop-base is given. dram_base fields in the stream are \
            absolute element addresses (byte address / element size), so a program written for \
            the image at 0x1000 reads its first INP element at 0x100. After the run, --out receives \
            the --dump regions one after another (default: the whole image). The report gives the \
            simulator's counters and the cycle model's timing for the target.
            """
    )

    @Option(help: "Instruction words (16 bytes each).")
    var insn: String

    @Option(help: "Micro-op words (4 bytes each).")
    var uops: String?

    @Option(help: "DRAM image file.")
    var dram: String

    @Option(name: .shortAndLong, help: "Where to write the dumped memory.")
    var out: String

    @Option(help: "Physical address of the DRAM image (hex with 0x, or decimal).")
    var dramBase: String = "0x1000"

    @Option(help: "Physical address of the micro-ops.")
    var uopBase: String?

    @Option(help: "A region to write to --out, as ADDR:LEN (repeatable).")
    var dump: [String] = []

    @Flag(help: "Poison never-written SRAM, so that reading it is an error.")
    var poison = false

    @Flag(help: "Run each module as far ahead as its tokens allow (exposes missing dependencies).")
    var eager = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var target: TargetOption

    func run() throws {
        try ErrorReporting.run {
            let target = try target.load()
            let words = try FileIO.read(insn)
            let stream: [Instruction]
            do {
                stream = try target.codec.decode(stream: words)
            } catch {
                throw BadInput(message: "\(insn): \(error)")
            }
            let image = try FileIO.read(dram)
            let imageBase = try Self.address(dramBase, option: "--dram-base")
            let device = try SimulatorDevice(target: target, poison: poison, eager: eager)
            _ = try device.place(image, at: imageBase, name: dram)
            if let uops {
                let uopWords = try FileIO.read(uops)
                let end = UInt64(imageBase) + UInt64(max(image.count, 1))
                let base =
                    try uopBase.map { try Self.address($0, option: "--uop-base") }
                    ?? UInt32(clamping: (end + 4095) & ~4095)
                _ = try device.place(uopWords, at: base, name: uops)
            }
            let program = try device.place(words, at: nil, name: insn)
            do {
                try device.run(instructionsAt: program, count: stream.count)
            } catch let failure as SimulatorDevice.Failure {
                throw BadInput(message: "\(insn): the simulator stopped: \(failure.message)")
            }
            var output: [UInt8] = []
            let regions = try dump.map { try Self.region($0) }
            for (address, length) in regions.isEmpty ? [(imageBase, image.count)] : regions {
                do {
                    output += try device.read(at: address, length: length)
                } catch {
                    throw BadInput(message: "--dump: \(error)")
                }
            }
            try FileIO.write(output, to: out)
            let timing = try? target.timing(of: stream)
            let report = SimReport(counters: device.counters, timing: timing, target: target)
            print(json ? try JSONOutput.encode(report) : report.text, terminator: json ? "\n" : "")
        }
    }

    static func address(_ text: String, option: String) throws -> UInt32 {
        let value = text.lowercased().hasPrefix("0x") ? UInt32(text.dropFirst(2), radix: 16) : UInt32(text)
        guard let value else { throw BadInput(message: "\(option): '\(text)' is not a 32-bit address") }
        return value
    }

    static func region(_ text: String) throws -> (UInt32, Int) {
        let parts = text.split(separator: ":")
        guard parts.count == 2,
            let length = Int(
                parts[1].lowercased().hasPrefix("0x")
                    ? String(Int(parts[1].dropFirst(2), radix: 16) ?? -1) : String(parts[1])), length >= 0
        else { throw BadInput(message: "--dump: '\(text)' is not ADDR:LEN") }
        return (try address(String(parts[0]), option: "--dump"), length)
    }
}

/// What `vtac sim` reports: what the simulator counted, and what the cycle model predicts.
struct SimReport: Encodable {
    var instructions: [String: UInt64]
    var gemmUopIterations: UInt64
    var aluUopIterations: UInt64
    var macs: UInt64
    var bytesRead: [String: UInt64]
    var bytesWritten: UInt64
    /// One past the highest element addressed, per SRAM buffer.
    var sramHighWater: [String: UInt64]
    var modelledCycles: Int?
    var busyCycles: [String: Int]?
    var gemmUtilization: Double?
    var modelledMicroseconds: Double?

    enum CodingKeys: String, CodingKey {
        case instructions
        case gemmUopIterations = "gemm_uop_iterations"
        case aluUopIterations = "alu_uop_iterations"
        case macs
        case bytesRead = "bytes_read"
        case bytesWritten = "bytes_written"
        case sramHighWater = "sram_high_water"
        case modelledCycles = "modelled_cycles"
        case busyCycles = "busy_cycles"
        case gemmUtilization = "gemm_utilization"
        case modelledMicroseconds = "modelled_microseconds"
    }

    init(counters c: VTASimCounters, timing: StreamTiming?, target: Target) {
        instructions = [
            "load_uop": c.load_uop, "load_wgt": c.load_wgt, "load_inp": c.load_inp, "load_acc": c.load_acc,
            "load_acc_8bit": c.load_acc_8bit, "store": c.store, "gemm": c.gemm, "alu_min": c.alu_min,
            "alu_max": c.alu_max, "alu_add": c.alu_add, "alu_shr": c.alu_shr, "alu_mul": c.alu_mul,
            "finish": c.finish, "total": c.insns,
        ]
        gemmUopIterations = c.gemm_uop_iters
        aluUopIterations = c.alu_uop_iters
        macs = c.macs
        bytesRead = [
            "insn": c.bytes_insn, "uop": c.bytes_uop, "wgt": c.bytes_wgt, "inp": c.bytes_inp,
            "acc": c.bytes_acc,
            "acc_8bit": c.bytes_acc_8bit,
        ]
        bytesWritten = c.bytes_out
        sramHighWater = [
            "UOP": c.sram_top_uop, "INP": c.sram_top_inp, "WGT": c.sram_top_wgt, "ACC": c.sram_top_acc,
        ]
        if let timing {
            modelledCycles = timing.totalCycles
            busyCycles = Dictionary(
                uniqueKeysWithValues: timing.busyCycles.map { ($0.key.rawValue, $0.value) })
            gemmUtilization = timing.gemmUtilization
            modelledMicroseconds = Double(timing.totalCycles) / target.clockMHz
        }
    }

    var text: String {
        var lines: [String] = []
        let kinds = instructions.filter { $0.key != "total" && $0.value > 0 }.sorted { $0.key < $1.key }
        lines.append(
            "instructions  \(instructions["total"]!) ("
                + kinds.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")")
        lines.append(
            "uop runs      GEMM \(grouped(Int(gemmUopIterations))), ALU \(grouped(Int(aluUopIterations)))")
        lines.append("MACs          \(grouped(Int(macs)))")
        let read = bytesRead.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        lines.append(
            "bytes read    " + read.map { "\($0.key) \(grouped(Int($0.value)))" }.joined(separator: ", "))
        lines.append("bytes written \(grouped(Int(bytesWritten)))")
        let high = ["INP", "WGT", "ACC", "UOP"].map { "\($0) \(grouped(Int(sramHighWater[$0] ?? 0)))" }
        lines.append("SRAM reached  " + high.joined(separator: ", ") + " elements")
        if let modelledCycles, let busyCycles, let gemmUtilization, let modelledMicroseconds {
            lines.append(
                "modelled      \(grouped(modelledCycles)) cycles (\(String(format: "%.2f", modelledMicroseconds)) µs); busy: load \(grouped(busyCycles["load"] ?? 0)), compute \(grouped(busyCycles["compute"] ?? 0)), store \(grouped(busyCycles["store"] ?? 0)); GEMM utilisation \(String(format: "%.1f", gemmUtilization * 100)) %"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
