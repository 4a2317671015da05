import BatteryModel
import Hummingbird
import RemoteAccess
import Storage

/// Controller writes made through remote access, in the alarm tab beside the alarms: a site log
/// (/alarms/remote-writes, /api/v1/remote-writes) and the latest writes of a level on its alarm page.
/// Refused writes are not here: they changed nothing and are in the audit log.
extension AlarmRoutes {
    struct RemoteWriteJSON: Encodable {
        let time: String, ups: String, string: String, client: String, role: String, detail: String
    }

    func registerRemoteWrites(_ router: Router<WebContext>) {
        router.get("/api/v1/remote-writes") { _, _ -> Response in
            WebResponse.json(try await remoteWrites(.site, limit: 200).map(json))
        }
        router.get("/alarms/remote-writes") { _, context -> Response in
            let rows = try await remoteWrites(.site, limit: 200)
            return page.render(title: "Remote writes", session: context.session, body: """
                \(Level.site.header(model.topology, active: .alarm))<h1>Remote writes</h1>
                <p>Controller registers written by service engineers through remote access (newest first, last 200).
                Refused requests and connections are in the <a href="/settings/audit">audit log</a>.</p>
                \(table(rows))
                """)
        }
    }

    /// The level's latest remote writes for its alarm page, or nothing when there are none.
    func remoteWritesSection(_ level: Level) async throws -> String {
        let rows = try await remoteWrites(level, limit: 10)
        guard !rows.isEmpty else { return "" }
        return "<h2>Remote writes</h2><p>The latest controller writes through remote access · <a href=\"/alarms/remote-writes\">all</a></p>"
            + table(rows)
    }

    private func remoteWrites(_ level: Level, limit: Int) async throws -> [RemoteWriteEntry] {
        let topology = model.topology
        let strings: [String]? = switch level {
        case .site: nil
        case let .ups(id): topology.strings.filter { topology.upses[$0.upsIndex].id == id }.map(\.id)
        case let .string(id): [id]
        }
        return try await store.run { try RemoteWriteLog(db: $0.db).list(strings: strings, limit: limit) }
    }

    private func json(_ e: RemoteWriteEntry) -> RemoteWriteJSON {
        RemoteWriteJSON(time: Timestamp(millis: e.at).iso, ups: ups(of: e.stringId), string: e.stringId,
                        client: String(e.client.trimmingPrefix("remote:")), role: e.role, detail: e.detail)
    }

    private func ups(of stringId: String) -> String {
        let topology = model.topology
        return topology.strings.first { $0.id == stringId }.map { topology.upses[$0.upsIndex].id } ?? ""
    }

    private func table(_ rows: [RemoteWriteEntry]) -> String {
        let time = page.siteTime()
        let body = rows.map { e in
            let j = json(e)
            return "<tr><td>\(time.text(Timestamp(millis: e.at)))</td><td>\(HTML.escape(j.ups))</td><td>\(HTML.escape(j.string))</td>"
                + "<td class=\"text\">\(HTML.escape(j.client))</td><td>\(HTML.escape(j.role))</td><td class=\"text\">\(HTML.escape(j.detail))</td></tr>"
        }.joined()
        return """
            <table id="remote-writes"><thead><tr><th>Time</th><th>UPS</th><th>String</th><th>Engineer</th><th>Role</th><th>Written</th></tr></thead>
            <tbody>\(body.isEmpty ? "<tr><td colspan=\"6\">none</td></tr>" : body)</tbody></table>
            """
    }
}
