import Alarms
import BatteryModel
import Foundation
import Hummingbird
import Storage
import Notifications

/// The alarm tab: alarms newest first, paged, reload, CSV download; the e-mail and SMS logs; the
/// remote writes (AlarmRoutes+RemoteWrites.swift).
struct AlarmRoutes {
    let model: LiveModel
    let store: DatabaseQueue<GatewayDatabase>
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
            (from, to) = (r.raisedAt.iso, r.clearedAt?.iso)
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
            (time, channel, contact, status, error, attempt, subject) = (Timestamp(millis: e.at).iso, e.channel.rawValue, e.contact, e.status, e.error, e.attempt, e.subject)
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
        registerRemoteWrites(router)
        Level.get(router, "alarms", topology: model.topology, page: page) { level, request, context in
            try await listPage(level, request, context)
        }
        router.get("/alarms.csv") { request, _ -> Response in
            let active = Self.query(request).active
            let scope = Level.scope(request)
            let rows = try await store.run { try AlarmLog(db: $0.db).list(scope, activeOnly: active, limit: Int(Int32.max)) }
            var r = Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: .init(string: AlarmCSV.text(rows, time: page.siteTime()))))
            r.headers[.contentDisposition] = "attachment; filename=\"alarms.csv\""
            return r
        }
        router.get("/api/v1/alarms") { request, _ -> Response in
            let (n, active, problem) = Self.query(request)
            if let problem { return WebResponse.json(["error": problem], status: .badRequest) }
            let (total, rows) = try await alarms(.site, page: n, active: active)
            return WebResponse.json(Page(total: total, page: n, perPage: Self.perPage, alarms: rows.map(AlarmJSON.init)))
        }
        router.get("/api/v1/notifications") { request, _ -> Response in
            let asked = request.uri.queryParameters["channel"].map(String.init)
            let channel = asked.flatMap(NotificationChannel.init(rawValue:))
            if let asked, channel == nil {
                return WebResponse.json(["error": "channel: '\(asked)' is not email or sms"], status: .badRequest)
            }
            let entries = try await store.run { try NotificationStore(db: $0.db).log(channel: channel, limit: 200) }
            return WebResponse.json(entries.map(DeliveryJSON.init))
        }
        for (path, channel, title) in [("/alarms/email", NotificationChannel.email, "E-mail log"), ("/alarms/sms", .sms, "SMS log")] {
            router.get(RouterPath(stringLiteral: path)) { _, context -> Response in
                let (entries, alarms) = try await store.run { s in
                    let entries = try NotificationStore(db: s.db).log(channel: channel, limit: 200)
                    return (entries, try AlarmLog(db: s.db).records(ids: entries.flatMap(\.alarmIds)))
                }
                var rows = ""
                let time = page.siteTime()
                for e in entries {
                    // What the message was about, as the manual's logs show it: UPS, string, cell, alarm.
                    let about = e.alarmIds.compactMap { alarms[$0] }
                    func column(_ text: (AlarmRecord) -> String) -> String {
                        about.isEmpty ? "" : about.prefix(5).map { HTML.escape(text($0)) }.joined(separator: "<br>") + (about.count > 5 ? "<br>… \(about.count - 5) more" : "")
                    }
                    rows += "<tr><td>\(time.text(Timestamp(millis: e.at)))</td><td class=\"text\">\(column { $0.upsId })</td><td class=\"text\">\(column { $0.stringId })</td>"
                        + "<td>\(column { $0.cell.map(String.init) ?? "" })</td><td class=\"text\">\(column { $0.type.title })</td>"
                        + "<td class=\"text\">\(about.isEmpty ? HTML.escape(e.subject) : "")</td>"
                        + "<td class=\"text\">\(HTML.escape(e.contact))</td><td>\(HTML.escape(e.status))</td><td class=\"text\">\(HTML.escape(e.error ?? ""))</td></tr>"
                }
                return page.render(title: title, session: context.session, body: """
                    \(Level.site.header(model.topology, active: .alarm))<h1>\(title)</h1>
                    <table id="log"><thead><tr><th>Time</th><th>UPS</th><th>String</th><th>Cell</th><th>Alarm</th><th>Message</th><th>Contact</th>
                    <th>Status</th><th>Error</th></tr></thead><tbody>\(rows)</tbody></table>
                    """)
            }
        }
    }

    private func alarms(_ scope: ListScope, page n: Int, active: Bool) async throws -> (Int, [AlarmRecord]) {
        try await store.run { s in
            let log = AlarmLog(db: s.db)
            return (try log.count(scope, activeOnly: active),
                    try log.list(scope, activeOnly: active, limit: Self.perPage, offset: (n - 1) * Self.perPage))
        }
    }

    private func listPage(_ level: Level, _ request: Request, _ context: WebContext) async throws -> Response {
        let (n, active, problem) = Self.query(request)
        if let problem {
            return page.render(title: "Alarms", session: context.session, status: .badRequest,
                               body: level.header(model.topology, active: .alarm) + "<p class=\"problem\">\(HTML.escape(problem))</p>")
        }
        let (total, rows) = try await alarms(level.scope, page: n, active: active)
        return page.render(title: "Alarms", session: context.session,
                           body: level.header(model.topology, active: .alarm) + alarmsPage(level, total: total, page: n, active: active, rows: rows)
                               + (try await remoteWritesSection(level)))
    }

    private func alarmsPage(_ level: Level, total: Int, page n: Int, active: Bool, rows: [AlarmRecord]) -> String {
        var body = ""
        let time = page.siteTime()
        for r in rows {
            let a = AlarmJSON(r)
            body += "<tr><td>\(a.id)</td><td>\(HTML.escape(a.ups))</td><td>\(HTML.escape(a.string))</td><td>\(a.cell.map(String.init) ?? "")</td>"
                + "<td>\(time.text(r.raisedAt))</td><td>\(r.clearedAt.map(time.text) ?? "")</td><td>\(HTML.escape(a.title))</td><td class=\"\(a.status)\">\(a.status)</td></tr>"
        }
        let pages = max(1, (total + Self.perPage - 1) / Self.perPage)
        let flag = active ? "&active=1" : ""
        let here = level.path(.alarm)
        let prev = n > 1 ? "<a href=\"\(here)?page=\(n - 1)\(flag)\">‹ newer</a>" : ""
        let next = n < pages ? "<a href=\"\(here)?page=\(n + 1)\(flag)\">older ›</a>" : ""
        let scope = level.csvQuery
        let csv = "/alarms.csv" + (scope.isEmpty ? (active ? "?active=1" : "") : scope + (active ? "&active=1" : ""))
        return """
            <h1>Alarms</h1>
            <p>\(total) alarm(s)\(active ? " active" : ""), page \(n) of \(pages) · \(prev) \(next) ·
            <a href="\(here)?page=\(n)\(flag)">reload</a> · <a href="\(here)\(active ? "" : "?active=1")">\(active ? "all" : "active only")</a> ·
            <a href="\(csv)">download CSV</a> · <a href="/alarms/email">e-mail log</a> · <a href="/alarms/sms">SMS log</a> · <a href="/alarms/remote-writes">remote writes</a></p>
            <table id="alarms"><thead><tr><th>Id</th><th>UPS</th><th>String</th><th>Cell</th><th>From</th><th>To</th><th>Alarm</th>
            <th>Status</th></tr></thead><tbody>\(body)</tbody></table>
            """
    }
}
