/// The human view of a `ModelReport`: a header, the operators, the tensors, the totals.
extension ModelReport {
    func renderText() -> String {
        var out: [String] = []
        let descriptionText = description.isEmpty ? "" : ", \"\(description)\""
        out.append(
            "model     \(file) (\(grouped(sizeBytes)) bytes), TFLite schema v\(schemaVersion)\(descriptionText)"
        )
        for s in subgraphs {
            let role = s.index == 0 ? "main" : "not compiled"
            let name = s.name.isEmpty ? "" : " \"\(s.name)\""
            out.append(
                "subgraph  \(s.index)\(name): \(s.operators) operators, \(s.tensors) tensors (\(role))")
        }
        out.append("inputs    " + inputs.map(tensorLabel).joined(separator: ", "))
        out.append("outputs   " + outputs.map(tensorLabel).joined(separator: ", "))

        out.append("")
        out.append("Operators")
        var ops = TextTable([
            ("#", .right), ("kind", .left), ("inputs", .left), ("outputs", .left), ("MACs", .right),
            ("options", .left),
        ])
        for op in operators {
            ops.add([
                String(op.index), op.kind,
                op.inputs.map { $0.map { "t\($0)" } ?? "-" }.joined(separator: " "),
                op.outputs.map { "t\($0)" }.joined(separator: " "), grouped(op.macs),
                op.options.fields.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
            ])
        }
        out.append(ops.render())

        out.append("")
        out.append("Tensors")
        var table = TextTable([
            ("#", .right), ("shape", .left), ("type", .left), ("quantization", .left), ("data", .right),
            ("name", .left),
        ])
        for t in tensors {
            table.add([
                "t\(t.index)", "[" + t.shape.map(String.init).joined(separator: ",") + "]", t.type,
                t.quantization.map(Self.quantizationText) ?? "-",
                t.constantBytes.map { "\(grouped($0)) B" } ?? "-", t.name,
            ])
        }
        out.append(table.render())

        out.append("")
        out.append("Totals")
        let kinds = totals.byKind.fields.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        out.append("  operators       \(totals.operators) (\(kinds))")
        out.append("  tensors         \(totals.tensors)")
        out.append("  MACs            \(grouped(totals.macs))")
        out.append("  constant bytes  \(grouped(totals.constantBytes))")
        return out.joined(separator: "\n") + "\n"
    }

    private func tensorLabel(_ index: Int) -> String {
        let t = tensors[index]
        return "t\(index) \(t.type)[" + t.shape.map(String.init).joined(separator: ",") + "] '\(t.name)'"
    }

    /// Per-tensor: `scale 0.0235 zp -128`; per-axis, compactly:
    /// `axis 0 x16: scale 0.0012..0.0045 zp 0`.
    static func quantizationText(_ q: QuantizationEntry) -> String {
        guard let axis = q.axis else {
            return
                "scale \(q.scale.first.map { String($0) } ?? "?") zp \(q.zeroPoint.first.map { String($0) } ?? "?")"
        }
        let lo = q.scale.min() ?? 0
        let hi = q.scale.max() ?? 0
        let zps = Set(q.zeroPoint)
        let zp = zps.count == 1 ? String(zps.first!) : "\(q.zeroPoint.min()!)..\(q.zeroPoint.max()!)"
        return "axis \(axis) x\(q.scale.count): scale \(lo)..\(hi) zp \(zp)"
    }
}
