/// Left/right-aligned plain-text columns for terminal output.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    /// Columns aligned right (numbers).
    var rightAligned: Set<Int> = []

    func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0.indices.contains(c) ? $0[c].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: max(0, widths[c] - cell.count))
                return rightAligned.contains(c) ? pad + cell : cell + pad
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// Formats a canonical integer with a scale, or "n/a".
func format(_ value: Int32?, scale: Double, digits: Int) -> String {
    guard let value else { return "n/a" }
    return formatNumber(Double(value) * scale, digits: digits)
}

func formatNumber(_ v: Double, digits: Int) -> String {
    var s = String(Int64((abs(v) * pow10(digits)).rounded()))
    if digits > 0 {
        while s.count <= digits { s = "0" + s }
        s.insert(".", at: s.index(s.endIndex, offsetBy: -digits))
    }
    return (v < 0 && s.contains(where: { $0 != "0" && $0 != "." }) ? "-" : "") + s
}

private func pow10(_ n: Int) -> Double {
    (0..<n).reduce(1.0) { r, _ in r * 10 }
}
