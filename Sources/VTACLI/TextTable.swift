/// A plain-text table with left- or right-aligned columns, sized to its contents.
struct TextTable {
    enum Alignment { case left, right }

    var headers: [String]
    var alignments: [Alignment]
    var rows: [[String]] = []

    init(_ columns: [(String, Alignment)]) {
        headers = columns.map(\.0)
        alignments = columns.map(\.1)
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render(indent: String = "  ") -> String {
        let all = [headers] + rows
        let widths = headers.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        return all.map { row in
            var line = indent
            for (c, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                let last = c == row.count - 1
                switch alignments[c] {
                case .left: line += last ? cell : cell + pad
                case .right: line += pad + cell
                }
                if !last { line += "  " }
            }
            return line
        }.joined(separator: "\n")
    }
}

/// Thousands separators for counts people read (MACs, bytes).
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
        out.append(ch)
    }
    return value < 0 ? "-" + out : out
}
