import Bundle
import Foundation

/// `vtac report` as text (fits a 120-column terminal; the full figures are in CSV and JSON)
/// and CSV (one row per layer, every figure).
enum ReportRendering {
    static func text(_ r: PerformanceReport) -> String {
        var table = TextTable([
            ("#", .right), ("layer", .left), ("kind", .left), ("dev", .left), ("seg", .right),
            ("MACs", .right),
            ("insns", .right), ("in B", .right), ("out B", .right), ("cycles", .right), ("xbound", .right),
            ("requantization", .left),
        ])
        for l in r.layers {
            let vta = l.device == "vta" && l.instructions.total > 0
            table.add([
                l.operator.map(String.init) ?? "", shortName(l.name), l.kind, l.device,
                l.segment.map(String.init) ?? "", grouped(l.macs),
                vta ? grouped(l.instructions.total) : "",
                vta ? grouped(l.loadedBytes.values.reduce(0, +)) : "",
                vta ? grouped(l.storedBytes) : "", vta ? grouped(l.modelledCycles) : "",
                vta ? ratio(l.modelledCycles, l.rooflineCycles) : "", String(l.requantization.prefix(18)),
            ])
        }
        // The plan: how each accelerator layer runs and requantizes, in full.
        let plan = r.layers.filter { $0.device == "vta" && $0.instructions.total > 0 }.flatMap { l in
            wrapped(
                "\(l.operator.map { "#\($0)" } ?? "-") \(l.kind): \(l.lowering); requantization \(l.requantization)",
                width: 112
            ).enumerated().map { ($0.offset == 0 ? "  " : "      … ") + $0.element }
        }
        let t = r.totals
        let loaded = t.loadedBytes.sorted { $0.key < $1.key }.map { "\($0.key) \(grouped($0.value))" }
        return """
            \(r.model) on \(r.target) (\(r.profile) ISA)
            \(table.render(indent: ""))
            plan
            \(plan.joined(separator: "\n"))
              total       \(grouped(t.macs)) MACs (\(grouped(t.vtaMACs)) on VTA), \(grouped(t.instructions.total)) instructions
              DRAM        loaded \(loaded.joined(separator: ", ")) B; stored \(grouped(t.storedBytes)) B
              modelled    \(grouped(t.modelledCycles)) cycles; roofline bound \(grouped(t.rooflineCycles)) (\(ratio(t.modelledCycles, t.rooflineCycles)) the bound)
              traffic     \(grouped(t.trafficCycles)) cycles to move what the program moves at full bus rate
              per run     \(r.deviceRuns) device runs, \(r.deviceCopies) device copies

            """
    }

    /// `text` in lines of at most `width` characters, broken at spaces (a longer word stands alone).
    static func wrapped(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// TFLite names a fused operator by every op it absorbed, joined by ';': the text table shows
    /// the first, keeping its end (the distinctive part) within 20 characters.
    static func shortName(_ name: String, width: Int = 20) -> String {
        let first = name.split(separator: ";").first.map(String.init) ?? name
        return first.count <= width ? first : "…" + first.suffix(width - 1)
    }

    static func ratio(_ a: Int, _ b: Int) -> String {
        b == 0 ? "-" : String(format: "%.2fx", Double(a) / Double(b))
    }

    /// The memory types that appear anywhere, in a stable order, so every row has the same columns.
    static func memoryTypes(_ r: PerformanceReport) -> [String] {
        Set(r.layers.flatMap { Array($0.loadedBytes.keys) + Array($0.sramHighWater.keys) }).sorted()
    }

    static func csv(_ r: PerformanceReport) -> String {
        let types = memoryTypes(r)
        var header = [
            "operator", "layer", "kind", "device", "segment", "macs", "load", "gemm", "alu", "store",
            "finish",
        ]
        header += types.map { "loaded_\($0)" } + ["stored"] + types.map { "sram_high_\($0)" }
        header += [
            "cycles", "span_cycles", "busy_load", "busy_compute", "busy_store", "essential_bytes",
            "roofline_cycles",
            "traffic_cycles", "utilisation", "requantization", "lowering",
        ]
        var lines = [header.joined(separator: ",")]
        for l in r.layers {
            let i = l.instructions
            var row = [
                l.operator.map(String.init) ?? "", field(l.name), field(l.kind), l.device,
                l.segment.map(String.init) ?? "", String(l.macs),
                String(i.load), String(i.gemm), String(i.alu), String(i.store), String(i.finish),
            ]
            row += types.map { String(l.loadedBytes[$0] ?? 0) } + [String(l.storedBytes)]
            row += types.map { String(l.sramHighWater[$0] ?? 0) }
            row += [
                String(l.modelledCycles), String(l.spanCycles), String(l.busyCycles["load"] ?? 0),
                String(l.busyCycles["compute"] ?? 0),
                String(l.busyCycles["store"] ?? 0), String(l.essentialBytes), String(l.rooflineCycles),
                String(l.trafficCycles),
                String(format: "%.4f", l.utilisation),
                field(l.requantization), field(l.lowering),
            ]
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 quoting where a field needs it.
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
