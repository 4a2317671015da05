import BatteryModel

/// Left/right-aligned plain-text columns for terminal output.
///
/// Cells are made single-line (a controller's or a library's error text may hold a newline or a tab)
/// and measured in terminal columns, not characters: a wide (CJK) name takes two, a combining mark none.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    /// Columns aligned right (numbers).
    var rightAligned: Set<Int> = []

    func render() -> String {
        let all = ([header] + rows).map { $0.map(Self.singleLine) }
        let widths = header.indices.map { c in all.map { $0.indices.contains(c) ? Self.width($0[c]) : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: max(0, widths[c] - Self.width(cell)))
                return rightAligned.contains(c) ? pad + cell : cell + pad
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Control characters (newline, tab, …) as one space each.
    static func singleLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }

    /// Terminal columns of `text`: East Asian wide and full-width characters take two, marks and joiners none.
    static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { sum, u in
            switch u.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .format: return sum
            default: break
            }
            let v = u.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v) || (0x1F900...0x1F9FF).contains(v)
                || (0x20000...0x3FFFD).contains(v)
            return sum + (wide ? 2 : 1)
        }
    }
}

/// A canonical integer in display units (``DecimalText``, so every view rounds alike), or "n/a".
func format(_ value: Int32?, scale: Double, digits: Int) -> String {
    DecimalText.format(value.flatMap { Measurement.display($0, scale: scale) }, digits: digits, missing: "n/a")
}

func formatNumber(_ v: Double, digits: Int) -> String {
    DecimalText.format(v, digits: digits)
}
