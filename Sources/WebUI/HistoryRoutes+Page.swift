import Alarms
import BatteryModel
import ConfigSupport
import Foundation
import Hummingbird
import Storage

/// The History tab at each level: a quantity from a list (string quantities everywhere, cell
/// quantities at a string, several cells overlaid), a period preset or a custom range in the site's
/// time, one interactive plot.
extension HistoryRoutes {
    /// Period presets: label, how far back.
    static let periods: [(key: String, title: String)] = [("1h", "last hour"), ("24h", "last 24 hours"), ("7d", "last 7 days"),
                                                         ("30d", "last 30 days"), ("365d", "last year"), ("custom", "custom range")]
    /// Cells overlaid on one plot at most (more is unreadable; the heatmap shows them all).
    static let maxCells = 8

    struct PageQuery {
        var quantity: QuantityKind
        var cells: [Int]
        var from: Int64, to: Int64
    }

    func registerPages(_ router: Router<WebContext>) {
        registerCellPage(router)
        Level.get(router, "history", topology: model.topology, page: page) { level, request, context in
            try await historyPage(level, request, context)
        }
    }

    /// The strings a level shows: every string, a UPS's, or one.
    func strings(of level: Level) -> [Int] {
        let t = model.topology
        switch level {
        case .site: return Array(t.strings.indices)
        case let .ups(id): return t.upses.firstIndex { $0.id == id }.map { t.stringIndexes(ofUPS: $0) } ?? []
        case let .string(id): return t.stringIndex(id: id).map { [$0] } ?? []
        }
    }

    /// The form's values, each wrong one named (times in the site's zone).
    func pageQuery(_ request: Request, level: Level, time: SiteTime) -> (PageQuery?, [String: String]) {
        let q = request.uri.queryParameters
        var problems: [String: String] = [:]
        let text = q["quantity"].map(String.init) ?? "voltage"
        let choices = Self.quantities(level)
        guard let quantity = choices.first(where: { $0.key == text })?.kind else {
            return (nil, ["quantity": "'\(text)' is not one of \(choices.map(\.key).joined(separator: ", "))"])
        }
        var cells: [Int] = []
        if case .cell = quantity, case let .string(id) = level, let i = model.topology.stringIndex(id: id) {
            let count = model.topology.strings[i].cellCount
            let list = (q["cells"].map(String.init) ?? "1").split(whereSeparator: { $0 == "," || $0 == " " })
            for item in list {
                guard let n = Int(item), (1...count).contains(n) else {
                    problems["cells"] = "'\(item)' is not a cell number from 1 to \(count)"
                    break
                }
                if !cells.contains(n) { cells.append(n) }
            }
            if cells.isEmpty { problems["cells"] = "choose at least one cell" }
            if cells.count > Self.maxCells { problems["cells"] = "at most \(Self.maxCells) cells on one plot (the heatmap shows them all)" }
        }
        let period = q["period"].map(String.init) ?? "24h"
        var from: Int64?, to: Int64?
        if period == "custom" {
            let fromText = q["from"].map(String.init) ?? "", toText = q["to"].map(String.init) ?? "now"
            from = TimeText.parse(fromText, zone: time.zone)
            to = TimeText.parse(toText, zone: time.zone)
            if from == nil { problems["from"] = "'\(fromText)' is not a time (2026-11-25, 2026-11-25 08:00, 24h, now)" }
            if to == nil { problems["to"] = "'\(toText)' is not a time (2026-11-25 18:00, now)" }
            if let f = from, let t = to, t <= f { problems["to"] = "must be after from" }
        } else if Self.periods.contains(where: { $0.key == period }) {
            to = TimeText.parse("now")
            from = TimeText.parse(period)
        } else {
            problems["period"] = "'\(period)' is not one of \(Self.periods.map(\.key).joined(separator: ", "))"
        }
        guard problems.isEmpty, let from, let to else { return (nil, problems) }
        return (PageQuery(quantity: quantity, cells: cells, from: from, to: to), [:])
    }

    /// The quantity list of a level: string quantities everywhere; cell quantities at a string.
    static func quantities(_ level: Level) -> [(key: String, title: String, kind: QuantityKind)] {
        var out = StringQuantity.allCases.map { q in (q.rawValue, "String \(q.title) (\(q.displayUnit))", QuantityKind.string(q)) }
        if case .string = level {
            out += CellQuantity.allCases.map { q in ("cell-\(q.rawValue)", "Cell \(q.title) (\(q.displayUnit))", QuantityKind.cell(q)) }
        }
        return out
    }

    func historyPage(_ level: Level, _ request: Request, _ context: WebContext) async throws -> Response {
        let time = page.siteTime()
        let (query, problems) = pageQuery(request, level: level, time: time)
        let topology = model.topology
        var body = level.header(topology, active: .history) + "<h1>History</h1>" + form(level, request, problems)
        var plots = false
        if let query {
            let indexes = strings(of: level)
            // At most 600 points a series: a year becomes 14.6 h buckets, each with its min–max band.
            let specs: [(label: String, stringId: String, quantity: HistoryQuantity)] = switch query.quantity {
            case let .string(q):
                indexes.map { i in (topology.strings[i].id, topology.strings[i].id, HistoryQuantity.string(q)) }
            case let .cell(q):
                indexes.flatMap { i in query.cells.map { n in ("cell \(n)", topology.strings[i].id, HistoryQuantity.cell(q, index: n - 1)) } }
            }
            let from = query.from, to = query.to
            let series = try await store.run { s in
                try specs.map { spec -> Plot.Series in
                    let points = try s.stringKey(id: spec.stringId).map { try s.series(stringKey: $0, spec.quantity, from: from, to: to, points: 600) } ?? []
                    return Plot.Series(label: spec.label, points: points, scale: query.quantity.displayScale)
                }
            }
            let title = Self.quantities(level).first { $0.kind == query.quantity }?.title ?? ""
            let plot = Plot(id: "plot", title: "\(title) · \(time.text(Timestamp(millis: from))) – \(time.text(Timestamp(millis: to)))", unit: query.quantity.displayUnit,
                            digits: query.quantity.digits, series: series, period: (from, to))
            body += plot.html(time: time)
            plots = true
            if case let .string(id) = level, let first = specs.first {
                // The CSV of the first series, for the same period (absolute times, so the link means what the page shows).
                var csv = "/strings/\(HTML.escape(id))/history.csv?from=\(Timestamp(millis: from).iso)&to=\(Timestamp(millis: to).iso)&points=1000"
                switch first.quantity {
                case let .string(q): csv += "&quantity=\(q.rawValue)"
                case let .cell(q, index): csv += "&quantity=\(q.rawValue)&cell=\(index + 1)"
                }
                body += "<p><a id=\"history-csv\" href=\"\(csv)\">download CSV of \(HTML.escape(first.label))</a></p>"
            }
            if let first = series.first {
                body += Self.table(first.points, scale: first.scale, time: time)
            }
        }
        return page.render(title: "History", session: context.session, status: query == nil ? .badRequest : .ok, plots: plots, body: body)
    }

    private func form(_ level: Level, _ request: Request, _ problems: [String: String]) -> String {
        let q = request.uri.queryParameters
        func value(_ k: Substring, _ d: String) -> String { q[k].map { String($0) } ?? d }
        let quantity = value("quantity", "voltage"), period = value("period", "24h")
        let options = Self.quantities(level).map { c in
            "<option value=\"\(c.key)\"\(c.key == quantity ? " selected" : "")>\(HTML.escape(c.title))</option>"
        }.joined()
        let periods = Self.periods.map { p in "<option value=\"\(p.key)\"\(p.key == period ? " selected" : "")>\(p.title)</option>" }.joined()
        func problem(_ key: String) -> String {
            problems[key].map { "<span class=\"problem\" id=\"\(key)-problem\">\(HTML.escape($0))</span>" } ?? ""
        }
        var cells = ""
        if case .string = level {
            cells = "<div class=\"field\">" + HTML.field("cells", label: "Cells (for cell quantities, e.g. 3, 17, 40)", value: value("cells", "1"),
                                                         problem: problems["cells"]) + "</div>"
        }
        return """
            <form class="period" id="history-form" method="get" action="\(HTML.escape(level.path(.history)))">
            <div class="field"><label for="quantity">Quantity</label><select id="quantity" name="quantity">\(options)</select>\(problem("quantity"))</div>
            \(cells)
            <div class="field"><label for="period">Period</label><select id="period" name="period">\(periods)</select>\(problem("period"))</div>
            <div class="field">\(HTML.field("from", label: "From (custom range, site time)", value: value("from", ""), problem: problems["from"]))</div>
            <div class="field">\(HTML.field("to", label: "To", value: value("to", "now"), problem: problems["to"]))</div>
            <button type="submit">Show</button></form>
            """
    }
}

/// A string or a cell quantity, without the cell (the history form's choice).
enum QuantityKind: Equatable {
    case string(StringQuantity)
    case cell(CellQuantity)

    var displayScale: Double {
        switch self {
        case let .string(q): q.displayScale
        case let .cell(q): q.displayScale
        }
    }

    var displayUnit: String {
        switch self {
        case let .string(q): q.displayUnit
        case let .cell(q): q.displayUnit
        }
    }

    var digits: Int {
        switch self {
        case let .string(q): q.digits
        case let .cell(q): q.digits
        }
    }
}
