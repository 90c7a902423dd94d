import Bundle
import Foundation

/// `vtac report --html`: one self-contained page (inline CSS and SVG, no script, no network):
/// the operators in execution order coloured by device with the device copies between them,
/// a timeline of the load, compute and store modules over one inference, and the layer table.
enum ReportHTML {
    static func page(_ r: PerformanceReport) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>vtac report: \(escape(r.model)) on \(escape(r.target))</title>
        <style>
        body{font-family:sans-serif;margin:24px;color:#222}
        table{border-collapse:collapse;font-size:12px}
        td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
        td:first-child,th:first-child,td.l{text-align:left}
        .vta{fill:#3b7dd8}.cpu{fill:#e0913a}.copy{fill:#888}
        svg text{font-size:11px;font-family:sans-serif}
        </style></head><body>
        <h1>\(escape(r.model)) on \(escape(r.target)) (\(escape(r.profile)) ISA)</h1>
        <p>\(grouped(r.totals.macs)) MACs (\(grouped(r.totals.vtaMACs)) on VTA);
        \(grouped(r.totals.modelledCycles)) modelled cycles against a roofline bound of
        \(grouped(r.totals.rooflineCycles)) (MACs at full GEMM rate or the layers' tensors moved once
        at full bus rate; moving what the program moves takes \(grouped(r.totals.trafficCycles)));
        \(r.deviceRuns) device runs and \(r.deviceCopies) device copies per inference.</p>
        <h2>Partitioned graph (execution order; arrows are tensors)</h2>
        \(graph(r))
        <h2>Modules over one inference (cycle model)</h2>
        \(timeline(r))
        <h2>Layers</h2>
        \(table(r))
        </body></html>

        """
    }

    /// The partitioned graph: one box per operator in execution order, top to bottom, coloured
    /// by device (device copies, named after their destination `@vta` or `@cpu`, in grey), and
    /// an arrow per tensor edge: straight down to the next box, or an arc on the right for an
    /// edge that skips boxes (residual connections).
    static func graph(_ r: PerformanceReport) -> String {
        let (x, box, height, pitch) = (10, 300, 36, 52)
        func top(_ i: Int) -> Int { 10 + i * pitch }
        var edges: [String] = []
        var widest = x + box
        for (j, l) in r.layers.enumerated() {
            for p in l.inputsFrom where p < j {
                if p == j - 1 {
                    edges.append(
                        "<line x1=\"\(x + box / 2)\" y1=\"\(top(p) + height)\" x2=\"\(x + box / 2)\" "
                            + "y2=\"\(top(j) - 2)\" marker-end=\"url(#arrow)\"/>")
                } else {
                    let reach = x + box + 14 + 12 * min(j - p, 20)
                    widest = max(widest, reach + 10)
                    edges.append(
                        "<path d=\"M \(x + box) \(top(p) + height / 2) C \(reach) \(top(p) + height / 2), "
                            + "\(reach) \(top(j) + height / 2), \(x + box + 2) \(top(j) + height / 2)\" "
                            + "fill=\"none\" marker-end=\"url(#arrow)\"/>")
                }
            }
        }
        var boxes: [String] = []
        for (i, l) in r.layers.enumerated() {
            let y = top(i)
            let label = l.operator.map { "#\($0) " } ?? ""
            boxes.append(
                "<rect class=\"\(l.kind == "DEVICE_COPY" ? "copy" : l.device)\" x=\"\(x)\" y=\"\(y)\" "
                    + "width=\"\(box)\" height=\"\(height)\" rx=\"4\"><title>\(escape(l.name))</title></rect>"
            )
            boxes.append(
                "<text x=\"\(x + 6)\" y=\"\(y + 15)\" fill=\"#fff\">\(escape(label + l.kind))</text>")
            boxes.append(
                "<text x=\"\(x + 6)\" y=\"\(y + 30)\" fill=\"#fff\">\(escape(String(l.name.split(separator: ";").first?.suffix(44) ?? "")))</text>"
            )
        }
        let legend =
            "<p><svg width=\"12\" height=\"12\"><rect class=\"vta\" width=\"12\" height=\"12\"/></svg> VTA "
            + "<svg width=\"12\" height=\"12\"><rect class=\"cpu\" width=\"12\" height=\"12\"/></svg> CPU "
            + "<svg width=\"12\" height=\"12\"><rect class=\"copy\" width=\"12\" height=\"12\"/></svg> device_copy</p>"
        let marker =
            "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" "
            + "markerHeight=\"6\" orient=\"auto\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker></defs>"
        return "<svg width=\"\(widest + 10)\" height=\"\(top(r.layers.count))\">" + marker
            + "<g stroke=\"#555\" stroke-width=\"1.5\">" + edges.joined() + "</g>" + boxes.joined() + "</svg>"
            + legend
    }

    /// Segments side by side; in each, one lane per module with a bar per layer.
    static func timeline(_ r: PerformanceReport) -> String {
        let width = 1100.0
        let vta = r.layers.filter { $0.device == "vta" && $0.segment != nil }
        var segmentEnd: [Int: Int] = [:]
        for l in vta {
            for span in l.spans.values { segmentEnd[l.segment!] = max(segmentEnd[l.segment!] ?? 0, span[1]) }
        }
        var offset: [Int: Int] = [:]
        var total = 0
        for s in segmentEnd.keys.sorted() {
            offset[s] = total
            total += segmentEnd[s]!
        }
        guard total > 0 else { return "<p>No accelerator layers.</p>" }
        let scale = width / Double(total)
        let lanes = ["load", "compute", "store"]
        var parts: [String] = []
        for (row, lane) in lanes.enumerated() {
            let y = 10 + row * 30
            parts.append("<text x=\"0\" y=\"\(y + 15)\">\(lane)</text>")
            for (index, l) in vta.enumerated() {
                guard let span = l.spans[lane] else { continue }
                let x = 70 + Double(offset[l.segment!]! + span[0]) * scale
                let w = max(1, Double(span[1] - span[0]) * scale)
                let shade = index % 2 == 0 ? "#3b7dd8" : "#8fb8ee"
                parts.append(
                    String(
                        format: "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"22\" fill=\"%@\">", x, y,
                        w, shade)
                        + "<title>\(escape(l.name)): \(span[0])–\(span[1])</title></rect>")
            }
        }
        for s in segmentEnd.keys.sorted() where s > 0 {
            let x = 70 + Double(offset[s]!) * scale
            parts.append(
                String(format: "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"5\" y2=\"100\" stroke=\"#000\"/>", x, x))
        }
        parts.append("<text x=\"70\" y=\"118\">0</text>")
        parts.append("<text x=\"\(Int(width) - 10)\" y=\"118\">\(grouped(total)) cycles</text>")
        return "<svg width=\"\(Int(width) + 150)\" height=\"125\">" + parts.joined() + "</svg>"
            + "<p>Bars alternate shade per layer; vertical lines separate device runs; hover for names.</p>"
    }

    /// The buffers in the order the SRAM column lists them.
    static let sramOrder = ["INP", "WGT", "ACC", "UOP"]

    /// Each buffer's high-water mark as a whole per cent of its depth, in `sramOrder`.
    static func sramUse(_ l: LayerPerformance, depths: [String: Int]) -> String {
        guard l.device == "vta", !l.sramHighWater.isEmpty else { return "" }
        let shares: [String] = sramOrder.map { buffer in
            guard let top = l.sramHighWater[buffer], let depth = depths[buffer], depth > 0 else { return "-" }
            return String(100 * top / depth)
        }
        return shares.joined(separator: " ")
    }

    static func table(_ r: PerformanceReport) -> String {
        let header: [String] = [
            "layer", "kind", "device", "MACs", "instructions", "loaded B", "stored B",
            "<span title=\"highest element addressed, per cent of each buffer\">SRAM %</span><br>"
                + sramOrder.joined(separator: " "),
            "cycles", "roofline", "util %", "requantization", "lowering",
        ]
        var rows = ["<tr>" + header.map { "<th>\($0)</th>" }.joined() + "</tr>"]
        for l in r.layers {
            let name = escape(ReportRendering.shortName(l.name, width: 40))
            var cells = ["<td title=\"\(escape(l.name))\">\(name)</td>"]
            cells.append("<td class=\"l\">\(escape(l.kind))</td><td class=\"l\">\(l.device)</td>")
            cells.append("<td>\(grouped(l.macs))</td><td>\(l.instructions.total)</td>")
            cells.append(
                "<td>\(grouped(l.loadedBytes.values.reduce(0, +)))</td><td>\(grouped(l.storedBytes))</td>")
            cells.append("<td>\(sramUse(l, depths: r.sramDepths))</td>")
            cells.append("<td>\(grouped(l.modelledCycles))</td><td>\(grouped(l.rooflineCycles))</td>")
            cells.append("<td>\(String(format: "%.1f", 100 * l.utilisation))</td>")
            cells.append("<td class=\"l\">\(escape(l.requantization))</td>")
            cells.append("<td class=\"l\">\(escape(l.lowering))</td>")
            rows.append("<tr>" + cells.joined() + "</tr>")
        }
        return "<table>" + rows.joined(separator: "\n") + "</table>"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
