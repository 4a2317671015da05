import Alarms
import BatteryModel
import ConfigSupport
import Foundation
import GatewayConfig
import Hummingbird
import Logging
import Storage

/// Settings of a string: its alarm limits and SMS / e-mail switches. Everybody logged in sees them;
/// only administrators change them, through the same checks as `bmgw limits --set` and SNMP SET.
/// A change is stored as a run-time override (the alarm engine applies it within seconds) and audited.
struct LimitRoutes {
    let model: LiveModel
    let alarmLimits: LimitOverrides
    let store: DatabaseQueue<GatewayDatabase>
    let page: PageRenderer
    let logger: Logger

    static let fields = ["enabled", "limit", "hysteresis", "onDelay", "offDelay", "sms", "email"]
    /// Shown as checkboxes: an unticked box sends nothing, so the form says which switches it had.
    static let switches: Set<String> = ["enabled", "sms", "email"]

    func register(_ router: Router<WebContext>) {
        router.get("/strings/:id/limits") { _, context -> Response in
            guard let id = context.parameters.get("id"), model.topology.stringIndex(id: id) != nil else { return notFound(context) }
            return try await limitsPage(id, context, edited: nil)
        }
        router.post("/strings/:id/limits/:type") { request, context in try await save(request, context) }
        // A UPS's settings: its strings' alarm limits, one page per string.
        router.get("/ups/:id/settings") { _, context -> Response in
            let t = model.topology
            guard let id = context.parameters.get("id"), let u = t.upses.firstIndex(where: { $0.id == id }) else { return notFound(context) }
            let rows = t.stringIndexes(ofUPS: u).map { i in
                "<tr><td><a href=\"/strings/\(HTML.escape(t.strings[i].id))/limits\">\(HTML.escape(t.strings[i].name))</a></td><td>\(t.strings[i].cellCount)</td></tr>"
            }.joined()
            return page.render(title: "Settings", session: context.session, body: """
                \(Level.ups(id).header(t, active: .settings))<h1>Settings of \(HTML.escape(t.upses[u].name))</h1>
                <p>Alarm limits are set per string. Site-wide settings (network, e-mail, SNMP, MQTT, users) are under the data centre's <a href="/settings">Settings</a>.</p>
                <table id="ups-strings"><thead><tr><th>String: alarm limits</th><th>Cells</th></tr></thead><tbody>\(rows)</tbody></table>
                """)
        }
        router.get("/api/v1/strings/:id/limits") { _, context -> Response in
            guard let id = context.parameters.get("id"), model.topology.stringIndex(id: id) != nil else {
                return WebResponse.json(["error": "no such string"], status: .notFound)
            }
            let (effective, overridden) = limits(id)
            return WebResponse.json(AlarmType.allCases.compactMap { t -> LimitJSON? in
                effective[t].map { LimitJSON(type: t.rawValue, $0, runtime: overridden.contains(t)) }
            })
        }
    }

    struct LimitJSON: Encodable {
        let type: String, enabled: Bool, limit: Double?, hysteresis: Double?, unit: String
        let onDelaySeconds: Double, offDelaySeconds: Double, sms: Bool, email: Bool, source: String

        init(type: String, _ l: AlarmLimit, runtime: Bool) {
            let t = AlarmType(rawValue: type) ?? .commLost
            let numeric = t.kind != .flag
            self.type = type
            enabled = l.enabled
            limit = numeric ? Double(l.limit) * t.limitUnit.scale : nil
            hysteresis = numeric ? Double(l.hysteresis) * t.limitUnit.scale : nil
            unit = t.limitUnit.display
            onDelaySeconds = Double(l.onDelay.milliseconds) / 1000
            offDelaySeconds = Double(l.offDelay.milliseconds) / 1000
            sms = l.sms
            email = l.email
            source = runtime ? "run-time" : "config"
        }
    }

    /// The limits in force for a string, and which types are run-time overrides.
    private func limits(_ id: String) -> ([AlarmType: AlarmLimit], Set<AlarmType>) {
        (alarmLimits.effective(forString: id), Set((alarmLimits.overrides[id] ?? [:]).keys))
    }

    /// What an edited row looks like after a refused save: the submitted text and a problem per field.
    struct Edited {
        let type: AlarmType
        let values: [String: String]
        let problems: [String: String]
    }

    private func limitsPage(_ id: String, _ context: WebContext, edited: Edited?, notice: String? = nil,
                            status: HTTPResponse.Status = .ok) async throws -> Response {
        let (effective, overridden) = limits(id)
        let admin = context.session?.isAdmin == true
        var rows = ""
        for t in AlarmType.allCases {
            guard let l = effective[t] else { continue }
            let e = edited?.type == t ? edited : nil
            func text(_ field: String, _ current: String) -> String { e?.values[field] ?? current }
            let numeric = t.kind != .flag
            let current: [String: String] = [
                "enabled": l.enabled ? "true" : "false",
                "limit": numeric ? t.number(l.limit) : "",
                "hysteresis": numeric ? t.number(l.hysteresis) : "",
                "onDelay": DurationText.format(l.onDelay), "offDelay": DurationText.format(l.offDelay),
                "sms": l.sms ? "true" : "false", "email": l.email ? "true" : "false",
            ]
            var cells = ""
            for f in Self.fields {
                let value = text(f, current[f] ?? "")
                let problem = e?.problems[f].map { "<span class=\"problem\" id=\"\(t.rawValue)-\(f)-problem\">\(HTML.escape($0))</span>" } ?? ""
                let label = "aria-label=\"\(t.rawValue) \(f)\""
                if Self.switches.contains(f) {
                    let on = value == "true"
                    cells += "<td class=\"switch\"><input type=\"checkbox\" form=\"f-\(t.rawValue)\" name=\"\(f)\" value=\"true\"\(on ? " checked" : "")"
                        + "\(admin ? "" : " disabled") \(label)>\(problem)</td>"
                } else if !admin || (!numeric && (f == "limit" || f == "hysteresis")) {
                    cells += "<td>\(HTML.escape(value))</td>"
                } else if f == "limit" || f == "hysteresis" {
                    cells += "<td><input type=\"number\" step=\"any\" inputmode=\"decimal\" class=\"number\" form=\"f-\(t.rawValue)\" name=\"\(f)\" "
                        + "value=\"\(HTML.escape(value))\" \(label)><span class=\"unit\">\(HTML.escape(t.limitUnit.display.replacingOccurrences(of: " per cell", with: "")))</span>\(problem)</td>"
                } else {
                    cells += "<td><input class=\"delay\" form=\"f-\(t.rawValue)\" name=\"\(f)\" value=\"\(HTML.escape(value))\" size=\"5\" \(label)>\(problem)</td>"
                }
            }
            let save = admin ? """
                <td><form id="f-\(t.rawValue)" method="post" action="/strings/\(HTML.escape(id))/limits/\(t.rawValue)">\
                <input type="hidden" name="csrf" value="\(HTML.escape(context.session?.csrf ?? ""))"><input type="hidden" name="switches" value="1">\
                <button>Save</button></form>\
                \(e?.problems["form"].map { "<span class=\"problem\" id=\"\(t.rawValue)-form-problem\">\(HTML.escape($0))</span>" } ?? "")</td>
                """ : ""
            rows += "<tr id=\"row-\(t.rawValue)\"><td class=\"text\">\(HTML.escape(t.title))\(t.limitUnit.display.hasSuffix("per cell") ? " <span class=\"hint\">per cell</span>" : "")</td>\(cells)"
                + "<td>\(overridden.contains(t) ? "run-time" : "config")</td>\(save)</tr>"
        }
        let info = notice.map { "<p class=\"notice\" role=\"status\">\(HTML.escape($0))</p>" } ?? ""
        let viewer = admin ? "" : "<p>Only administrators change alarm limits.</p>"
        return page.render(title: "Alarm limits", session: context.session, status: status, body: """
            \(Level.string(id).header(model.topology, active: .settings))
            <h1>Alarm limits of string \(HTML.escape(id))</h1>\(info)\(viewer)
            <table id="limits"><thead><tr><th>Alarm</th><th>On</th><th>Limit</th><th>Hysteresis</th><th>On delay</th>
            <th>Off delay</th><th>SMS</th><th>E-mail</th><th>Source</th>\(admin ? "<th></th>" : "")</tr></thead><tbody>\(rows)</tbody></table>
            """)
    }

    private func save(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await WebResponse.form(request)
        guard let session = context.session, form["csrf"] == session.csrf else { return CSRF.refused() }
        guard session.isAdmin else {
            return page.render(title: "Not allowed", session: session, status: .forbidden, body: "<h1>Not allowed</h1><p>Only administrators change settings.</p>")
        }
        guard let id = context.parameters.get("id"), model.topology.stringIndex(id: id) != nil,
              let type = context.parameters.get("type").flatMap(AlarmType.init(rawValue:)) else { return notFound(context) }
        let (effective, _) = limits(id)
        let base = effective[type] ?? AlarmLimit()
        // The submitted fields as `key: value` settings, checked exactly like the configuration file.
        var values: [String: String] = [:]
        for f in Self.fields {
            // A form with checkboxes: an unticked switch is sent as nothing and means off.
            if Self.switches.contains(f) && form["switches"] == "1" {
                values[f] = form[f] == "true" ? "true" : "false"
                continue
            }
            guard let v = form[f]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { continue }
            if type.kind == .flag && (f == "limit" || f == "hysteresis") { continue }
            values[f] = v
        }
        var problems: [String: String] = [:]
        for (f, v) in values where v.contains(where: { ",{}[]:#\n\r".contains($0) }) {
            problems[f] = "'\(v)' is not a single value"
        }
        var changed: AlarmLimit?
        if problems.isEmpty {
            let text = Self.fields.compactMap { f in values[f].map { "\(f): \($0)" } }.joined(separator: ", ")
            do {
                changed = try GatewayConfig.override(type, of: base, settings: text, label: "form", others: effective)
            } catch {
                for p in error.problems {
                    let field = p.path.split(separator: ".").last.map(String.init) ?? ""
                    problems[Self.fields.contains(field) ? field : "form"] = p.message
                }
            }
        }
        guard let changed else {
            return try await limitsPage(id, context, edited: Edited(type: type, values: values, problems: problems), status: .badRequest)
        }
        let now = Timestamp.now.millis
        let detail = "string \(id) \(type.rawValue): " + Self.describe(base, type) + " → " + Self.describe(changed, type)
        let user = session.username
        try await alarmLimits.set(stringId: id, type: type, changed, store: store) { s in
            try UserStore(db: s.db).audit(user: user, action: "alarm limit changed", detail: detail, now: now)
        }
        logger.notice("alarm limit changed in the web UI", metadata: ["user": "\(session.username)", "string": "\(id)", "type": "\(type.rawValue)"])
        return try await limitsPage(id, context, edited: nil, notice: "Saved \(type.title): applied at once.")
    }

    static func describe(_ l: AlarmLimit, _ t: AlarmType) -> String {
        var parts = [l.enabled ? "on" : "off"]
        if t.kind != .flag { parts += [t.display(l.limit), "±\(t.display(l.hysteresis))"] }
        parts += ["on \(DurationText.format(l.onDelay))", "off \(DurationText.format(l.offDelay))", l.sms ? "SMS" : "no SMS", l.email ? "e-mail" : "no e-mail"]
        return parts.joined(separator: " ")
    }

    private func notFound(_ context: WebContext) -> Response {
        page.render(title: "Not found", session: context.session, status: .notFound, body: "<h1>Not found</h1><p><a href=\"/\">Real-time data</a></p>")
    }
}
