import Bundle
import Foundation
import VTATarget

/// `vtac inspect bundle.csd`: the manifest in words, and the microcode on request.
enum BundleReport {
    static func isBundle(_ bytes: [UInt8]) -> Bool { bytes.starts(with: BundleContainer.magic) }

    /// The hardware the bundle was compiled for, as a configuration the codec can use.
    static func config(_ h: Vtac_Bundle_Hardware, path: String) throws -> HardwareConfig {
        do {
            return try h.hardwareConfig()
        } catch {
            throw BadInput(message: "\(path): the bundle's hardware configuration is invalid: \(error)")
        }
    }

    static func text(_ b: CSDBundle, path: String, size: Int) -> String {
        let m = b.manifest
        let h = m.hardware
        var out: [String] = []
        out.append("bundle    \(path) (\(grouped(size)) bytes), by \(m.producer) \(m.producerVersion)")
        out.append(
            "model     \(m.modelName), SHA-256 \(m.modelSha256.map { String(format: "%02x", $0) }.joined())")
        out.append(
            "target    \(h.targetName): BLOCK \(1 << h.logBlockIn)x\(1 << h.logBlockOut), BATCH \(1 << h.logBatch), "
                + "\(h.isaProfile) ISA, \(h.clockMhz) MHz, \(h.busWidthBits)-bit bus"
        )
        out.append(
            "sections  BPF \(grouped(b.bpfELF.count)) B, instructions \(grouped(b.instructions.count)) B, "
                + "micro-ops \(grouped(b.uops.count)) B, constants \(grouped(b.constants.count)) B")
        out.append(
            "memory    constants \(grouped(Int(m.memory.constantsSize))) B, activations \(grouped(Int(m.memory.activationsSize))) B "
                + "(\(grouped(Int(m.memory.activationsWithoutReuse))) without reuse), scratch \(grouped(Int(m.memory.scratchSize))) B, "
                + "host \(grouped(Int(m.memory.hostSize))) B, alignment \(m.memory.alignment)")
        for (role, list, size) in [
            ("inputs ", m.inputs, m.inputRecordSize), ("outputs", m.outputs, m.outputRecordSize),
        ] {
            out.append("\(role)   one record of \(size) B:")
            for t in list {
                out.append(
                    "            \(t.name) \(t.type)[\(t.shape.map(String.init).joined(separator: ","))] at +\(t.recordOffset), "
                        + "scale \(t.scale.first.map { String($0) } ?? "-") zp \(t.zeroPoint.first.map { String($0) } ?? "-")"
                )
            }
        }
        out.append("")
        out.append("Steps (one inference)")
        for (i, step) in m.steps.enumerated() {
            switch step.kind {
            case .runSegment(let r):
                let s = m.segments[Int(r.segment)]
                out.append(
                    "  \(i)  run segment \(r.segment): \(s.instructionCount) instructions, \(s.relocations.count) relocations"
                )
            case .runKernel(let k):
                let kernel = m.kernels[Int(k.kernel)]
                out.append("  \(i)  CPU kernel \(kernelKind(kernel)) '\(kernel.name)'")
            case .copy(let c):
                out.append("  \(i)  copy '\(c.name)' \(region(c.from)) → \(region(c.to))")
            case nil:
                out.append("  \(i)  (empty)")
            }
        }
        out.append("")
        out.append("Layers")
        var table = TextTable([
            ("#", .right), ("kind", .left), ("device", .left), ("segment", .right), ("instructions", .left),
            ("MACs", .right), ("requantization", .left), ("name", .left),
        ])
        for (i, l) in m.layers.enumerated() {
            let vta = l.device == .vta && l.kind != "DEVICE_COPY"
            table.add([
                String(i), l.kind, l.device == .vta ? "VTA" : "CPU", vta ? String(l.segment) : "-",
                vta ? "\(l.instructionBegin)..<\(l.instructionEnd)" : "-", grouped(Int(l.macs)),
                l.requantization.isEmpty ? "-" : l.requantization, l.name,
            ])
        }
        out.append(table.render())
        if !m.fills.isEmpty {
            out.append("")
            out.append(
                "Fills at load: "
                    + m.fills.map { "\($0.size) B of \($0.value) at activations+\($0.offset)" }.joined(
                        separator: "; "))
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func region(_ t: Vtac_Bundle_TensorRef) -> String {
        let layout = t.layout == .vtaPacked ? "packed" : "NHWC"
        return "\(t.region)+\(t.offset) (\(layout) [\(t.shape.map(String.init).joined(separator: ","))])"
    }

    static func kernelKind(_ k: Vtac_Bundle_CpuKernel) -> String {
        switch k.params {
        case .softmax: "SOFTMAX"
        case .quantize: "QUANTIZE"
        case .dequantize: "DEQUANTIZE"
        case .reshape: "RESHAPE"
        case .conv(let c): c.depthwise ? "DEPTHWISE_CONV_2D" : "CONV_2D"
        case .fullyConnected: "FULLY_CONNECTED"
        case .add: "ADD"
        case .pool(let p): p.average ? "AVERAGE_POOL_2D" : "MAX_POOL_2D"
        case nil: "?"
        }
    }

    /// The accelerator layer `query` names: its full name, its source operator index (`7` or
    /// `#7`, as `inspect --placement` and `report` number operators), or a part of its name
    /// that no other accelerator layer's name contains.
    static func resolveLayer(_ query: String, in m: Vtac_Bundle_Manifest, path: String) throws -> String {
        let vta = m.layers.filter { $0.device == .vta && $0.instructionEnd > $0.instructionBegin }
        if let exact = vta.first(where: { $0.name == query }) { return exact.name }
        let digits = query.hasPrefix("#") ? String(query.dropFirst()) : query
        if let index = Int(digits), let match = vta.first(where: { Int($0.sourceOperator) == index }) {
            return match.name
        }
        let matches = vta.filter { $0.name.contains(query) }
        if matches.count == 1 { return matches[0].name }
        if let cpu = m.layers.first(where: { $0.name == query || $0.name.contains(query) }),
            cpu.device != .vta
        {
            throw BadInput(message: "\(path): layer \(cpu.name) runs on the CPU: it has no microcode")
        }
        let listed = (matches.isEmpty ? vta : matches).map { "#\($0.sourceOperator) \($0.name)" }
        throw BadInput(
            message: "\(path): "
                + (matches.isEmpty
                    ? "no accelerator layer matches '\(query)'" : "'\(query)' matches several layers")
                + "; give a name, a part of one, or an operator number:\n  "
                + listed.joined(separator: "\n  "))
    }

    /// The microcode of every segment (or one), each instruction annotated with its layer, the
    /// micro-op image, and the eBPF wrapper.
    static func disassembly(
        _ b: CSDBundle, path: String, segment only: Int?, layer query: String?
    ) throws -> String {
        let m = b.manifest
        let layer = try query.map { try resolveLayer($0, in: m, path: path) }
        let codec = InstructionCodec(config: try config(m.hardware, path: path))
        var out: [String] = []
        for (index, segment) in m.segments.enumerated() {
            if let only, only != index { continue }
            let start = Int(segment.instructionOffset) * 16
            let end = start + Int(segment.instructionCount) * 16
            guard end <= b.instructions.count else {
                throw BadInput(message: "\(path): segment \(index) is outside the section")
            }
            let stream: [Instruction]
            do {
                stream = try codec.decode(stream: Array(b.instructions[start..<end]))
            } catch {
                throw BadInput(message: "\(path): segment \(index): \(error)")
            }
            let layers = m.layers.filter {
                $0.device == .vta && Int($0.segment) == index && $0.instructionEnd > $0.instructionBegin
            }
            func owner(_ i: Int) -> String? {
                layers.first { Int($0.instructionBegin) <= i && i < Int($0.instructionEnd) }?.name
            }
            let relocated = Set(segment.relocations.map { Int($0.instruction) })
            out.append("# segment \(index): \(stream.count) instructions")
            var current: String? = nil
            for (i, instruction) in stream.enumerated() {
                let name = owner(i)
                if let layer, name != layer { continue }
                if name != current, let name {
                    out.append("# layer \(name)")
                    current = name
                }
                let arrows = tokenArrows(instruction)
                let reloc = relocated.contains(i) ? " reloc" : ""
                out.append(AssemblyText.line(for: instruction) + "  # \(i)" + arrows + reloc)
            }
        }
        if layer == nil && only == nil {
            out.append("")
            out.append("# micro-ops (\(b.uops.count / 4))")
            if let uops = try? codec.decode(uops: b.uops) {
                for (i, u) in uops.enumerated() { out.append(AssemblyText.line(for: u) + "  # \(i)") }
            }
            out.append("")
            out.append("# eBPF wrapper")
            do {
                let listing = try EBPFDisassembler.listing(elf: b.bpfELF)
                out.append(
                    listing.split(separator: "\n", omittingEmptySubsequences: false).map { "# " + $0 }.joined(
                        separator: "\n"))
            } catch {
                out.append("# (the wrapper cannot be read: \(error))")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Dependency tokens as arrows between modules: `ld→cmp` for a push from load to compute…
    static func tokenArrows(_ instruction: Instruction) -> String {
        let module = instruction.module
        var parts: [String] = []
        let deps = instruction.deps
        func name(_ m: ExecutionModule) -> String { m == .load ? "ld" : m == .compute ? "cmp" : "st" }
        let prev: ExecutionModule? = module == .compute ? .load : module == .store ? .compute : nil
        let next: ExecutionModule? = module == .load ? .compute : module == .compute ? .store : nil
        if deps.contains(.popPrev), let prev { parts.append("\(name(prev))→") }
        if deps.contains(.popNext), let next { parts.append("←\(name(next))") }
        if deps.contains(.pushPrev), let prev { parts.append("→\(name(prev))") }
        if deps.contains(.pushNext), let next { parts.append("→\(name(next))") }
        return parts.isEmpty ? "" : " " + parts.joined(separator: " ")
    }
}
