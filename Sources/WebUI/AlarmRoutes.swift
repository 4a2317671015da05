import Alarms
import BatteryModel
import Foundation
import Hummingbird
import Storage

/// The alarm tab: alarms newest first, paged, reload, CSV download; the e-mail and SMS logs.
struct AlarmRoutes {
    let store: DatabaseQueue<HistoryStore>
    let page: PageRenderer
    static let perPage = 50

    struct AlarmJSON: Encodable {
        let id: Int64, ups: String, string: String, cell: Int?, type: String, title: String, status: String
        let from: String, to: String?, value: Double?, limit: Double?, unit: String

        init(_ r: AlarmRecord) {
            let u = r.type.limitUnit
            id = r.id
            (ups, string, cell, type, title) = (r.upsId, r.stringId, r.cell, r.type.rawValue, r.type.title)
            status = r.isActive ? "active" : "gone"
            (from, to) = (AlarmCSV.time(r.raisedAt), r.clearedAt.map(AlarmCSV.time))
            let numeric = r.type.kind != .flag
            value = numeric ? r.value.map { Double($0) * u.scale } : nil
            limit = numeric ? Double(r.limit) * u.scale : nil
            unit = u.display.replacingOccurrences(of: " per cell", with: "")
        }
    }

    /// A line of the e-mail / SMS log.
    struct DeliveryJSON: Encodable {
        let time: String, channel: String, contact: String, status: String, error: String?, attempt: Int, subject: String

        init(_ e: NotificationStore.LogEntry) {
            (time, channel, contact, status, error, attempt, subject) = (AlarmCSV.time(e.at), e.channel, e.contact, e.status, e.error, e.attempt, e.subject)
        }
    }

    struct Page: Encodable {
        let total: Int, page: Int, perPage: Int, alarms: [AlarmJSON]
    }

    /// `page` and `active` from the query; a wrong one is named.
    static func query(_ request: Request) -> (page: Int, active: Bool, problem: String?) {
        let q = request.uri.queryParameters
        let active = q["active"].map { $0 == "1" || $0 == "true" } ?? false
        guard let text = q["page"].map(String.init) else { return (1, active, nil) }
        guard let n = Int(text), (1...1_000_000).contains(n) else { return (1, active, "page: '\(text)' is not a whole number from 1 to 1000000") }
        return (n, active, nil)
    }

    func register(_ router: Router<WebContext>) {
        router.get("/alarms") { request, context -> Response in
            let (n, active, problem) = Self.query(request)
            if let problem { return page.render(title: "Alarms", session: context.session, status: .badRequest, body: "<p class=\"problem\">\(HTML.escape(problem))</p>") }
            let (total, rows) = try await alarms(page: n, active: active)
            return page.render(title: "Alarms", session: context.session, body: alarmsPage(total: total, page: n, active: active, rows: rows))
        }
        router.get("/alarms.csv") { request, _ -> Response in
            let active = Self.query(request).active
            let rows = try await store.run { try AlarmLog(db: $0.db).list(.site, activeOnly: active, limit: Int(Int32.max)) }
            var r = Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: .init(string: AlarmCSV.text(rows))))
            r.headers[.contentDisposition] = "attachment; filename=\"alarms.csv\""
            return r
        }
        router.get("/api/v1/alarms") { request, _ -> Response in
            let (n, active, problem) = Self.query(request)
            if let problem { return WebResponse.json(["error": problem], status: .badRequest) }
            let (total, rows) = try await alarms(page: n, active: active)
            return WebResponse.json(Page(total: total, page: n, perPage: Self.perPage, alarms: rows.map(AlarmJSON.init)))
        }
        router.get("/api/v1/notifications") { request, _ -> Response in
            let channel = request.uri.queryParameters["channel"].map(String.init)
            if let channel, channel != "email" && channel != "sms" {
                return WebResponse.json(["error": "channel: '\(channel)' is not email or sms"], status: .badRequest)
            }
            let entries = try await store.run { try NotificationStore(db: $0.db).log(channel: channel, limit: 200) }
            return WebResponse.json(entries.map(DeliveryJSON.init))
        }
        for (path, channel, title) in [("/alarms/email", "email", "E-mail log"), ("/alarms/sms", "sms", "SMS log")] {
            router.get(RouterPath(stringLiteral: path)) { _, context -> Response in
                let entries = try await store.run { try NotificationStore(db: $0.db).log(channel: channel, limit: 200) }
                var rows = ""
                for e in entries {
                    rows += "<tr><td>\(AlarmCSV.time(e.at))</td><td>\(HTML.escape(e.contact))</td><td>\(HTML.escape(e.status))</td>"
                        + "<td>\(HTML.escape(e.error ?? ""))</td></tr>"
                }
                return page.render(title: title, session: context.session, body: """
                    <p><a href="/alarms">Alarms</a> › \(title)</p><h1>\(title)</h1>
                    <table id="log"><thead><tr><th>Time</th><th>Contact</th><th>Status</th><th>Error</th></tr></thead><tbody>\(rows)</tbody></table>
                    """)
            }
        }
    }

    private func alarms(page n: Int, active: Bool) async throws -> (Int, [AlarmRecord]) {
        try await store.run { s in
            let log = AlarmLog(db: s.db)
            return (try log.count(.site, activeOnly: active),
                    try log.list(.site, activeOnly: active, limit: Self.perPage, offset: (n - 1) * Self.perPage))
        }
    }

    private func alarmsPage(total: Int, page n: Int, active: Bool, rows: [AlarmRecord]) -> String {
        var body = ""
        for r in rows {
            let a = AlarmJSON(r)
            body += "<tr><td>\(a.id)</td><td>\(HTML.escape(a.ups))</td><td>\(HTML.escape(a.string))</td><td>\(a.cell.map(String.init) ?? "")</td>"
                + "<td>\(a.from)</td><td>\(a.to ?? "")</td><td>\(HTML.escape(a.title))</td><td class=\"\(a.status)\">\(a.status)</td></tr>"
        }
        let pages = max(1, (total + Self.perPage - 1) / Self.perPage)
        let flag = active ? "&active=1" : ""
        let prev = n > 1 ? "<a href=\"/alarms?page=\(n - 1)\(flag)\">‹ newer</a>" : ""
        let next = n < pages ? "<a href=\"/alarms?page=\(n + 1)\(flag)\">older ›</a>" : ""
        return """
            <h1>Alarms</h1>
            <p>\(total) alarm(s)\(active ? " active" : ""), page \(n) of \(pages) · \(prev) \(next) ·
            <a href="/alarms?page=\(n)\(flag)">reload</a> · <a href="/alarms\(active ? "" : "?active=1")">\(active ? "all" : "active only")</a> ·
            <a href="/alarms.csv\(active ? "?active=1" : "")">download CSV</a> · <a href="/alarms/email">e-mail log</a> · <a href="/alarms/sms">SMS log</a></p>
            <table id="alarms"><thead><tr><th>Id</th><th>UPS</th><th>String</th><th>Cell</th><th>From</th><th>To</th><th>Alarm</th>
            <th>Status</th></tr></thead><tbody>\(body)</tbody></table>
            """
    }
}
