import ArgumentParser
import VTATarget

/// `vtac asm`: the text form back into raw instruction and micro-op words.
struct AsmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asm",
        abstract: "Assemble VTA assembly text into raw instruction words (and micro-ops).",
        discussion: """
            Reads the syntax `vtac disasm` prints. Instruction lines go to -o as 16-byte \
            little-endian words; UOP lines, if any, go to --uops-out as 4-byte words (required \
            when the file has UOP lines). Every value is checked against its field width for the \
            target; an error names the line. Outputs are written atomically, and nothing is \
            written on error.
            """
    )

    @Argument(help: "Assembly text file.")
    var source: String

    @Option(name: .shortAndLong, help: "Where to write the instruction words.")
    var output: String

    @Option(help: "Where to write the micro-op words.")
    var uopsOut: String?

    @OptionGroup var target: TargetOption

    func run() throws {
        try ErrorReporting.run {
            let config = try target.load().config
            let text = try FileIO.readText(source)
            // Split the listing by kind, keeping line numbers: the other kind's lines become blank.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let isUop = lines.map {
                $0.trimmingPrefix(while: { $0 == " " || $0 == "\t" }).uppercased().hasPrefix("UOP")
            }
            let instructionText = zip(lines, isUop).map { $1 ? "" : String($0) }.joined(separator: "\n")
            let uopText = zip(lines, isUop).map { $1 ? String($0) : "" }.joined(separator: "\n")
            let codec = InstructionCodec(config: config)
            let stream: [Instruction]
            let uops: [MicroOp]
            do {
                stream = try AssemblyText.assemble(instructionText, config: config)
                uops = try AssemblyText.assembleUops(uopText, config: config)
            } catch {
                throw BadInput(message: "\(source): \(error)")
            }
            if !uops.isEmpty && uopsOut == nil {
                throw BadInput(
                    message: "\(source): has \(uops.count) UOP lines: give --uops-out to write them")
            }
            let words: [UInt8]
            let uopWords: [UInt8]
            do {
                words = try codec.encode(stream: stream)
                uopWords = try codec.encode(uops: uops)
            } catch {
                throw BadInput(message: "\(source): \(error)")
            }
            try FileIO.write(words, to: output)
            if let uopsOut { try FileIO.write(uopWords, to: uopsOut) }
        }
    }
}
