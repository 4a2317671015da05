import Alarms
import BatteryModel
import Foundation
import Hummingbird
import Storage

/// The discharge tab: events (start, end, duration, Ah, lowest voltages), CSV download, and per event
/// the string's voltage, current and SoC over the event and a chosen cell's voltage.
struct DischargeRoutes {
    let model: LiveModel
    let store: DatabaseQueue<GatewayDatabase>
    let page: PageRenderer

    struct EventJSON: Encodable {
        let id: Int64, ups: String, string: String, start: String, end: String?, durationSeconds: Double?
        let ampHours: Double, minVoltage: Double?, minCellVoltage: Double?, minCell: Int?

        init(_ d: DischargeRecord) {
            id = d.id
            (ups, string) = (d.upsId, d.stringId)
            (start, end) = (d.startAt.iso, d.endAt?.iso)
            durationSeconds = d.endAt.map { ($0 - d.startAt).seconds }
            ampHours = Double(d.chargeMilliAmpHours) / 1000
            minVoltage = d.minVoltage.map { Double($0) / 1000 }
            minCellVoltage = d.minCellVoltage.map { Double($0) / 1000 }
            minCell = d.minCell
        }
    }

    func events(_ scope: ListScope = .site) async throws -> [DischargeRecord] {
        try await store.run { try DischargeLog(db: $0.db).list(scope, limit: 1000) }
    }

    func register(_ router: Router<WebContext>) {
        Level.get(router, "discharges", topology: model.topology, page: page) { level, _, context in try await listPage(level, context) }
        router.get("/discharges.csv") { request, _ -> Response in
            let text = DischargeCSV.text(try await events(Level.scope(request)), now: .now, time: page.siteTime())
            var r = Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: .init(string: text)))
            r.headers[.contentDisposition] = "attachment; filename=\"discharges.csv\""
            return r
        }
        router.get("/api/v1/discharges") { _, _ -> Response in WebResponse.json(try await events().map(EventJSON.init)) }
        router.get("/discharges/:id") { request, context -> Response in
            guard let id = context.parameters.get("id").flatMap(Int64.init), let e = try await events().first(where: { $0.id == id }) else {
                return page.notFound(context)
            }
            return try await eventPage(e, request, context)
        }
    }

    /// The discharge events of a level, newest first.
    private func listPage(_ level: Level, _ context: WebContext) async throws -> Response {
        var rows = ""
        let time = page.siteTime()
        func volts(_ v: Double?) -> String { DecimalText.format(v, digits: 3, missing: "") }
        for d in try await events(level.scope) {
            let e = EventJSON(d)
            rows += "<tr><td><a href=\"/discharges/\(e.id)\">\(e.id)</a></td><td>\(HTML.escape(e.ups))</td><td>\(HTML.escape(e.string))</td>"
                + "<td>\(time.text(d.startAt))</td><td>\(d.endAt.map(time.text) ?? "ongoing")</td><td>\(d.endAt.map { ElapsedText.clock($0 - d.startAt) } ?? "")</td>"
                + "<td>\(DecimalText.format(e.ampHours, digits: 3))</td><td>\(volts(e.minVoltage))</td>"
                + "<td>\(volts(e.minCellVoltage))</td><td>\(e.minCell.map(String.init) ?? "")</td>"
                + "<td><a href=\"/discharges/\(e.id)/report\">report</a></td></tr>"
        }
        let csv = "/discharges.csv" + level.csvQuery
        return page.render(title: "Discharges", session: context.session, body: """
            \(level.header(model.topology, active: .discharge))
            <h1>Discharge events</h1><p><a href="\(csv)">download CSV</a> · each event's capacity-test report is linked from its row</p>
            <table id="discharges"><thead><tr><th>Id</th><th>UPS</th><th>String</th><th>Start</th><th>End</th><th>Duration h:mm:ss</th><th>Ah</th>
            <th>Min string V</th><th>Min cell V</th><th>Min cell</th><th>Report</th></tr></thead><tbody>\(rows)</tbody></table>
            """)
    }

    private func eventPage(_ e: DischargeRecord, _ request: Request, _ context: WebContext) async throws -> Response {
        let end = e.endAt ?? .now
        let cells = model.topology.stringIndex(id: e.stringId).map { model.topology.strings[$0].cellCount } ?? 1
        let cellText = request.uri.queryParameters["cell"].map { String($0) }
        let cell = cellText.flatMap(Int.init).flatMap { (1...cells).contains($0) ? $0 : nil } ?? e.minCell ?? 1
        let problem = cellText != nil && cellText.flatMap(Int.init).flatMap({ (1...cells).contains($0) ? $0 : nil }) == nil
            ? "'\(cellText ?? "")' is not a cell number from 1 to \(cells)" : nil
        let time = page.siteTime()
        func series(_ q: HistoryQuantity, _ label: String, _ scale: Double) async throws -> Plot.Series {
            let points = try await store.run { s -> [HistoryPoint] in
                guard let key = try s.stringKey(id: e.stringId) else { return [] }
                return try s.series(stringKey: key, q, from: e.startAt.millis, to: end.millis + 1, points: 600)
            }
            return Plot.Series(label: label, points: points, scale: scale)
        }
        // As the manual shows a discharge: the string's voltage and current together (current on the
        // right axis), its state of charge, and one cell's voltage (the lowest by default), zoomed together.
        let voltage = try await series(.string(.voltage), "voltage", StringQuantity.voltage.displayScale)
        let current = try await series(.string(.current), "current", StringQuantity.current.displayScale)
        let soc = try await series(.string(.soc), "SoC", StringQuantity.soc.displayScale)
        let cellVoltage = try await series(.cell(.voltage, index: cell - 1), "cell \(cell)", CellQuantity.voltage.displayScale)
        let plots = [
            Plot(id: "plot-string", title: "String voltage and current", unit: "V", digits: 3, series: [voltage, current],
                 rightAxis: (unit: "A", digits: 3, labels: ["current"])),
            Plot(id: "plot-soc", title: "State of charge", unit: "%", digits: 1, series: [soc]),
            Plot(id: "plot-cell", title: "Cell \(cell) voltage", unit: "V", digits: 3, series: [cellVoltage]),
        ].map { $0.html(time: time) }.joined()
        let j = EventJSON(e)
        return page.render(title: "Discharge \(e.id)", session: context.session, status: problem == nil ? .ok : .badRequest, plots: true, body: """
            \(Level.string(e.stringId).header(model.topology, active: .discharge))
            <h1>Discharge \(e.id): string \(HTML.escape(e.stringId))</h1>
            <p>\(time.text(e.startAt)) – \(e.endAt.map(time.text) ?? "ongoing") · \(DecimalText.format(j.ampHours, digits: 3)) Ah · lowest cell \(j.minCell.map(String.init) ?? "n/a")
            · <a id="report-link" href="/discharges/\(e.id)/report">capacity-test report</a></p>
            <form class="period" method="get" action="/discharges/\(e.id)">\(HTML.field("cell", label: "Cell", value: cellText ?? String(cell), problem: problem))
            <button type="submit">Show</button></form>\(plots)
            """)
    }
}
