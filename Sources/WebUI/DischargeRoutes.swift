import Alarms
import BatteryModel
import Foundation
import Hummingbird
import Storage

/// The discharge tab: events (start, end, duration, Ah, lowest voltages), CSV download, and per event
/// the string's voltage, current and SoC over the event and a chosen cell's voltage.
struct DischargeRoutes {
    let model: LiveModel
    let store: DatabaseQueue<HistoryStore>
    let page: PageRenderer

    struct EventJSON: Encodable {
        let id: Int64, ups: String, string: String, start: String, end: String?, durationSeconds: Double?
        let ampHours: Double, minVoltage: Double?, minCellVoltage: Double?, minCell: Int?

        init(_ d: DischargeRecord) {
            id = d.id
            (ups, string) = (d.upsId, d.stringId)
            (start, end) = (AlarmCSV.time(d.startAt), d.endAt.map(AlarmCSV.time))
            durationSeconds = d.endAt.map { Double($0 - d.startAt) / 1000 }
            ampHours = Double(d.chargeMilliAmpHours) / 1000
            minVoltage = d.minVoltage.map { Double($0) / 1000 }
            minCellVoltage = d.minCellVoltage.map { Double($0) / 1000 }
            minCell = d.minCell
        }
    }

    func events() async throws -> [DischargeRecord] {
        try await store.run { try DischargeLog(db: $0.db).list(.site, limit: 1000) }
    }

    func register(_ router: Router<WebContext>) {
        router.get("/discharges") { _, context -> Response in
            var rows = ""
            for d in try await events() {
                let e = EventJSON(d)
                func volts(_ v: Double?) -> String { DecimalText.format(v, digits: 3, missing: "") }
                rows += "<tr><td><a href=\"/discharges/\(e.id)\">\(e.id)</a></td><td>\(HTML.escape(e.ups))</td><td>\(HTML.escape(e.string))</td>"
                    + "<td>\(e.start)</td><td>\(e.end ?? "ongoing")</td><td>\(d.endAt.map { ElapsedText.clock($0 - d.startAt) } ?? "")</td>"
                    + "<td>\(DecimalText.format(e.ampHours, digits: 3))</td><td>\(volts(e.minVoltage))</td>"
                    + "<td>\(volts(e.minCellVoltage))</td><td>\(e.minCell.map(String.init) ?? "")</td></tr>"
            }
            return page.render(title: "Discharges", session: context.session, body: """
                <h1>Discharge events</h1><p><a href="/discharges.csv">download CSV</a></p>
                <table id="discharges"><thead><tr><th>Id</th><th>UPS</th><th>String</th><th>Start</th><th>End</th><th>Duration h:mm:ss</th><th>Ah</th>
                <th>Min string V</th><th>Min cell V</th><th>Min cell</th></tr></thead><tbody>\(rows)</tbody></table>
                """)
        }
        router.get("/discharges.csv") { _, _ -> Response in
            let text = DischargeCSV.text(try await events(), now: Int64(Date().timeIntervalSince1970 * 1000))
            var r = Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: .init(string: text)))
            r.headers[.contentDisposition] = "attachment; filename=\"discharges.csv\""
            return r
        }
        router.get("/api/v1/discharges") { _, _ -> Response in WebResponse.json(try await events().map(EventJSON.init)) }
        router.get("/discharges/:id") { request, context -> Response in
            guard let id = context.parameters.get("id").flatMap(Int64.init), let e = try await events().first(where: { $0.id == id }) else {
                return page.render(title: "Not found", session: context.session, status: .notFound, body: "<h1>Not found</h1>")
            }
            return try await eventPage(e, request, context)
        }
    }

    private func eventPage(_ e: DischargeRecord, _ request: Request, _ context: WebContext) async throws -> Response {
        let end = e.endAt ?? Int64(Date().timeIntervalSince1970 * 1000)
        let cells = model.topology.stringIndex(id: e.stringId).map { model.topology.strings[$0].cellCount } ?? 1
        let cellText = request.uri.queryParameters["cell"].map { String($0) }
        let cell = cellText.flatMap(Int.init).flatMap { (1...cells).contains($0) ? $0 : nil } ?? e.minCell ?? 1
        let problem = cellText != nil && cellText.flatMap(Int.init).flatMap({ (1...cells).contains($0) ? $0 : nil }) == nil
            ? "'\(cellText ?? "")' is not a cell number from 1 to \(cells)" : nil
        let quantities: [(HistoryQuantity, String, Double, String)] = [
            (.string(.voltage), "String voltage", StringQuantity.voltage.displayScale, "V"),
            (.string(.current), "String current", StringQuantity.current.displayScale, "A"),
            (.string(.soc), "State of charge", StringQuantity.soc.displayScale, "%"),
            (.cell(.voltage, index: cell - 1), "Cell \(cell) voltage", CellQuantity.voltage.displayScale, "V"),
        ]
        var plots = ""
        for (q, title, scale, unit) in quantities {
            let points = try await store.run { s -> [HistoryPoint] in
                guard let key = try s.stringKey(id: e.stringId) else { return [] }
                return try s.series(stringKey: key, q, from: e.startAt, to: end + 1, points: 300)
            }
            plots += "<h2>\(HTML.escape(title))</h2>" + HistoryRoutes.svg(points, from: e.startAt, to: end + 1, scale: scale, unit: unit)
        }
        let j = EventJSON(e)
        return page.render(title: "Discharge \(e.id)", session: context.session, status: problem == nil ? .ok : .badRequest, body: """
            <p><a href="/discharges">Discharge events</a> › \(e.id)</p>
            <h1>Discharge \(e.id): string \(HTML.escape(e.stringId))</h1>
            <p>\(j.start) – \(j.end ?? "ongoing") · \(DecimalText.format(j.ampHours, digits: 3)) Ah · lowest cell \(j.minCell.map(String.init) ?? "n/a")</p>
            <form class="period" method="get" action="/discharges/\(e.id)">\(HTML.field("cell", label: "Cell", value: cellText ?? String(cell), problem: problem))
            <button type="submit">Show</button></form>\(plots)
            """)
    }
}
