import Analytics
import BatteryModel
import ConfigSupport
import Foundation
import Hummingbird
import Storage
import Alarms

/// One cell: its voltage, resistance, temperature and SoH over a period, one plot each and zoomed
/// together, and its alarms.
extension HistoryRoutes {
    func registerCellPage(_ router: Router<WebContext>) {
        router.get("/strings/:id/cells/:cell") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard let i = model.topology.stringIndex(id: id), let n = context.parameters.get("cell").flatMap(Int.init),
                  (1...model.topology.strings[i].cellCount).contains(n) else {
                return page.notFound(context)
            }
            return try await cellPage(id, n, request, context)
        }
    }

    private func cellPage(_ id: String, _ n: Int, _ request: Request, _ context: WebContext) async throws -> Response {
        let time = page.siteTime()
        let period = request.uri.queryParameters["period"].map(String.init) ?? "7d"
        guard Self.periods.contains(where: { $0.key == period && $0.key != "custom" }), let from = TimeText.parse(period), let to = TimeText.parse("now") else {
            return page.render(title: "Cell \(n)", session: context.session, status: .badRequest, body: Level.string(id).header(model.topology, active: .realTime)
                + "<p class=\"problem\" id=\"period-problem\">period: '\(HTML.escape(period))' is not one of 1h, 24h, 7d, 30d, 365d</p>")
        }
        let quantities: [CellQuantity] = [.voltage, .resistance, .temperature, .soh]
        let (series, alarms) = try await store.run { s -> ([Plot.Series], [AlarmRecord]) in
            let key = try s.stringKey(id: id)
            let series = try quantities.map { q in
                Plot.Series(label: "cell \(n)", points: try key.map { try s.series(stringKey: $0, .cell(q, index: n - 1), from: from, to: to, points: 600) } ?? [],
                            scale: q.displayScale)
            }
            let alarms = try AlarmLog(db: s.db).list(.string(id), limit: 5000).filter { $0.cell == n }
            return (series, alarms)
        }
        let plots = zip(quantities, series).map { q, s in
            Plot(id: "plot-\(q.rawValue)", title: "Cell \(n) \(q.title) (\(q.displayUnit))", unit: q.displayUnit, digits: q.digits, series: [s],
                 period: (from, to)).html(time: time)
        }.joined()
        let periods = Self.periods.filter { $0.key != "custom" }.map { p in
            "<option value=\"\(p.key)\"\(p.key == period ? " selected" : "")>\(p.title)</option>"
        }.joined()
        var rows = ""
        for r in alarms.prefix(200) {
            rows += "<tr><td class=\"text\">\(HTML.escape(r.type.title))</td><td>\(time.text(r.raisedAt))</td><td>\(r.clearedAt.map(time.text) ?? "")</td>"
                + "<td>\(r.value.map { r.type.display($0) } ?? "")</td><td>\(r.type.kind == .flag ? "" : r.type.display(r.limit))</td>"
                + "<td class=\"\(r.isActive ? "active" : "gone")\">\(r.isActive ? "active" : "gone")</td></tr>"
        }
        let body = """
            \(Level.string(id).header(model.topology, active: .realTime))
            <h1>String \(HTML.escape(id)), cell \(n)</h1>
            \(lifeBlock(id, n, time: time))
            <form class="period" method="get" action="/strings/\(HTML.escape(id))/cells/\(n)"><label for="period">Period</label>
            <select id="period" name="period">\(periods)</select><button>Show</button></form>
            \(plots)
            <h2>Alarms of this cell</h2>
            \(alarms.isEmpty ? "<p id=\"cell-alarms\">None recorded.</p>" : """
            <table id="cell-alarms"><thead><tr><th>Alarm</th><th>From</th><th>To</th><th>Value</th><th>Limit</th><th>Status</th></tr></thead><tbody>\(rows)</tbody></table>
            """)
            """
        return page.render(title: "Cell \(n)", session: context.session, plots: true, body: body)
    }

    /// The cell's remaining-life estimate and its basis (docs/analytics.md).
    func lifeBlock(_ id: String, _ n: Int, time: SiteTime) -> String {
        guard let l = life.cells(of: id)?.first(where: { $0.cell == n }) else {
            return "<p id=\"life\">Remaining life: not estimated yet (estimates are made at the start and every 6 hours).</p>"
        }
        let state: String
        switch l.status {
        case .due: state = "<strong class=\"commLost\">due for replacement now</strong> (\(l.criterion == .resistance ? "resistance" : "SoH") past its threshold)"
        case .beyondHorizon: state = "beyond 10 years: no trend towards a replacement threshold"
        case .notEnoughHistory: state = "not enough history for a trend (\(RemainingLife.minimumDays) days over a month are needed; \(l.days) logged)"
        case .estimate:
            state = "replace by <strong>\(l.date.map(time.date) ?? "")</strong> (between \(l.earliest.map(time.date) ?? "now") and "
                + "\(l.latest.map(time.date) ?? "an open end: the trend is too flat to bound it")), when its "
                + "\(l.criterion == .resistance ? "resistance reaches the baseline plus the allowed rise" : "SoH reaches the replacement SoH")"
        }
        let facts = [l.resistanceRise.map { "Resistance \(DecimalText.format($0, digits: 1)) % over its baseline" },
                     l.stateOfHealth.map { "SoH \(DecimalText.format($0, digits: 1)) %" }, "trend over \(l.days) days"].compactMap { $0 }
        return "<p id=\"life\">Remaining life: \(state). \(facts.joined(separator: ", ")).</p>"
    }
}
