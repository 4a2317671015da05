import BatteryModel

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

/// A canonical integer in display units (``DecimalText``, so every view rounds alike), or "n/a".
func format(_ value: Int32?, scale: Double, digits: Int) -> String {
    DecimalText.format(value.flatMap { Measurement.display($0, scale: scale) }, digits: digits, missing: "n/a")
}

func formatNumber(_ v: Double, digits: Int) -> String {
    DecimalText.format(v, digits: digits)
}
