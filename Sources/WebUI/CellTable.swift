import Analytics
import BatteryModel
import Foundation
import Hummingbird

/// A string's cells table: sorted by any column (cells without a value last), paged, as CSV.
struct CellTable {
    enum Column: String, CaseIterable {
        case cell, voltage, resistance, temperature, soc, soh, life

        var title: String {
            switch self {
            case .cell: "Cell"
            case .voltage: "Voltage V"
            case .resistance: "Resistance mΩ"
            case .temperature: "Temp °C"
            case .soc: "SoC %"
            case .soh: "SoH %"
            case .life: "Replace by"
            }
        }

        /// The columns a bar chart can show.
        static let measured: [Column] = [.voltage, .resistance, .temperature, .soc, .soh]

        var digits: Int { self == .voltage || self == .resistance ? 3 : 1 }
        var unit: String { ["cell": "", "voltage": "V", "resistance": "mΩ", "temperature": "°C", "soc": "%", "soh": "%"][rawValue] ?? "" }

        func value(_ c: PlantRoutes.Cell) -> Double? {
            switch self {
            case .cell: Double(c.cell)
            case .voltage: c.voltage
            case .resistance: c.resistance
            case .temperature: c.temperature
            case .soc: c.soc
            case .soh: c.soh
            case .life: nil
            }
        }
    }

    /// Each cell's remaining-life estimate (by cell number), and how its dates are shown.
    var life: [Int: CellLife] = [:]
    var now = Timestamp.now
    var time = SiteTime.utc

    /// The value a column sorts by: for `life`, days to the estimate (due first, no date last).
    func sortValue(_ column: Column, _ c: PlantRoutes.Cell) -> Double? {
        column == .life ? life[c.cell]?.sortKey(now: now) : column.value(c)
    }

    /// A cell's estimate in a table cell: a date (the interval as its title), or why there is none.
    func lifeText(_ cell: Int) -> String {
        guard let l = life[cell] else { return "" }
        switch l.status {
        case .due: return "<span class=\"commLost\">due now</span>"
        case .beyondHorizon: return "beyond 10 years"
        case .notEnoughHistory: return "not enough history"
        case .estimate:
            let range = "\(l.earliest.map(time.date) ?? "now") to \(l.latest.map(time.date) ?? "open")"
            return "<span title=\"\(HTML.escape(range)) (\(l.criterion == .resistance ? "resistance" : "SoH"))\">\(l.date.map(time.date) ?? "")</span>"
        }
    }

    var sort = Column.cell
    var descending = false
    var page = 1
    var size = 40
    var bar = Column.voltage
    var problems: [String: String] = [:]
    static let sizes = 10...500

    /// `sort`, `order`, `page`, `size` and `bar` from the query; a wrong one is named and its default used.
    init(_ request: Request) {
        let q = request.uri.queryParameters
        if let s = q["sort"].map(String.init) {
            if let c = Column(rawValue: s) { sort = c } else { problems["sort"] = "'\(s)' is not one of \(Column.allCases.map(\.rawValue).joined(separator: ", "))" }
        }
        if let o = q["order"].map(String.init) {
            if o == "asc" || o == "desc" { descending = o == "desc" } else { problems["order"] = "'\(o)' is not asc or desc" }
        }
        if let p = q["page"].map(String.init) {
            if let n = Int(p), n >= 1 { page = n } else { problems["page"] = "'\(p)' is not a page number from 1" }
        }
        if let z = q["size"].map(String.init) {
            if let n = Int(z), Self.sizes.contains(n) { size = n } else { problems["size"] = "'\(z)' is not a page size from 10 to 500" }
        }
        if let b = q["bar"].map(String.init) {
            if let c = Column(rawValue: b), Column.measured.contains(c) { bar = c } else { problems["bar"] = "'\(b)' is not one of voltage, resistance, temperature, soc, soh" }
        }
    }

    func sorted(_ cells: [PlantRoutes.Cell]) -> [PlantRoutes.Cell] {
        cells.sorted { a, b in
            switch (sortValue(sort, a), sortValue(sort, b)) {
            case let (x?, y?): return x == y ? a.cell < b.cell : (descending ? x > y : x < y)
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.cell < b.cell
            }
        }
    }

    private func link(_ base: String, sort: Column? = nil, descending: Bool? = nil, page: Int? = nil) -> String {
        "\(base)?sort=\((sort ?? self.sort).rawValue)&order=\((descending ?? self.descending) ? "desc" : "asc")&page=\(page ?? self.page)&size=\(size)&bar=\(bar.rawValue)"
    }

    /// The table with sortable headers (a second click reverses), page links and the CSV link.
    func render(_ cells: [PlantRoutes.Cell], stringId: String, base: String, format: (Double?, Int) -> String) -> String {
        let all = sorted(cells)
        let pages = max(1, (all.count + size - 1) / size)
        let current = min(page, pages)
        let shown = all.dropFirst((current - 1) * size).prefix(size)
        var head = ""
        for c in Column.allCases {
            let active = c == sort
            let mark = active ? (descending ? " ▼" : " ▲") : ""
            let href = HTML.escape(link(base, sort: c, descending: active ? !descending : false, page: 1))
            head += "<th\(active ? " aria-sort=\"\(descending ? "descending" : "ascending")\"" : "")><a href=\"\(href)\">\(c.title)\(mark)</a></th>"
        }
        var rows = ""
        for c in shown {
            rows += "<tr data-cell=\"\(c.cell)\"><td><a href=\"/strings/\(HTML.escape(stringId))/cells/\(c.cell)\">\(c.cell)</a></td><td data-key=\"voltage\">\(format(c.voltage, 3))</td><td data-key=\"resistance\">\(format(c.resistance, 3))</td>"
                + "<td data-key=\"temperature\">\(format(c.temperature, 1))</td><td data-key=\"soc\">\(format(c.soc, 1))</td><td data-key=\"soh\">\(format(c.soh, 1))</td>"
                + "<td data-key=\"life\">\(lifeText(c.cell))</td><td data-key=\"flags\">\(HTML.escape(c.flags.joined(separator: ", ")))</td></tr>"
        }
        var nav = "<p class=\"pages\" id=\"cell-pages\">Cells \(all.isEmpty ? 0 : (current - 1) * size + 1)–\((current - 1) * size + shown.count) of \(all.count)"
        if pages > 1 {
            nav += " · page "
            for p in 1...pages {
                nav += p == current ? " <strong>\(p)</strong>" : " <a href=\"\(HTML.escape(link(base, page: p)))\">\(p)</a>"
            }
        }
        let csv = "\(base)/cells.csv?sort=\(sort.rawValue)&order=\(descending ? "desc" : "asc")"
        nav += " · <a href=\"\(HTML.escape(csv))\" id=\"cells-csv\">download CSV</a></p>"
        let problem = problems.isEmpty ? "" : "<p class=\"problem\" id=\"query-problem\">\(HTML.escape(problems.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")))</p>"
        return problem + nav + """
            <table id="cells" data-live-cells="\(HTML.escape(stringId))"><thead><tr>\(head)<th>Flags</th></tr></thead><tbody>\(rows)</tbody></table>
            """
    }

    /// Every cell in the chosen order, display units.
    func csv(_ cells: [PlantRoutes.Cell]) -> String {
        func v(_ d: Double?, _ digits: Int) -> String { DecimalText.format(d, digits: digits, missing: "") }
        var out = "cell,voltage_V,resistance_mOhm,temperature_C,soc_pct,soh_pct,flags,replace_status,replace_by,replace_earliest,replace_latest\n"
        for c in sorted(cells) {
            let l = life[c.cell]
            out += "\(c.cell),\(v(c.voltage, 3)),\(v(c.resistance, 3)),\(v(c.temperature, 1)),\(v(c.soc, 1)),\(v(c.soh, 1)),\(c.flags.joined(separator: " ")),"
                + "\(l?.status.rawValue ?? ""),\(l?.date.map(time.date) ?? ""),\(l?.earliest.map(time.date) ?? ""),\(l?.latest.map(time.date) ?? "")\n"
        }
        return out
    }
}
