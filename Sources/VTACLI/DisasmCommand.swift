import ArgumentParser
import VTATarget

/// `vtac disasm`: raw VTA instruction words (and micro-ops) as text.
struct DisasmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disasm",
        abstract: "Disassemble raw VTA instructions (16-byte little-endian words) into text.",
        discussion: """
            Prints one line per instruction with every field named (the syntax `vtac asm` reads, \
            documented in Sources/VTATarget/ASSEMBLY.md), each ending in `# <index>`. With \
            --uops, the micro-ops (4-byte words) follow as UOP lines. Field widths come from the \
            target's configuration.
            """
    )

    @Argument(help: "File of instruction words.")
    var instructions: String

    @Option(help: "File of micro-op words.")
    var uops: String?

    @OptionGroup var target: TargetOption

    func run() throws {
        try ErrorReporting.run {
            let config = try target.load().config
            let codec = InstructionCodec(config: config)
            let words = try FileIO.read(instructions)
            let stream: [Instruction]
            do {
                stream = try codec.decode(stream: words)
            } catch {
                throw BadInput(message: "\(instructions): \(error)")
            }
            var text = AssemblyText.disassemble(stream, numbered: true)
            if let uops {
                let uopWords = try FileIO.read(uops)
                let decoded: [MicroOp]
                do {
                    decoded = try codec.decode(uops: uopWords)
                } catch {
                    throw BadInput(message: "\(uops): \(error)")
                }
                text += "\n# micro-ops\n" + AssemblyText.disassemble(uops: decoded, numbered: true)
            }
            print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        }
    }
}
