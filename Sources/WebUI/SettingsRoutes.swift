import Alarms
import BatteryModel
import ConfigSupport
import Foundation
import GatewayConfig
import HTTPTypes
import Hummingbird
import Notifications
import Logging
import Storage

/// The data-centre settings: one page per section, each checked like the configuration file (a
/// problem is shown at its field, the submitted values are kept), saved and applied without a
/// restart through the gateway (``SettingsBackend``), and audited. Viewers see them read-only.
struct SettingsRoutes {
    let backend: any SettingsBackend
    let store: DatabaseQueue<GatewayDatabase>
    let page: PageRenderer
    let logger: Logger

    func register(_ router: Router<WebContext>) {
        router.get("/settings") { _, context -> Response in index(context) }
        router.get("/settings/audit") { _, context -> Response in try await auditPage(context) }
        router.get("/settings/:page") { request, context -> Response in
            guard let id = context.parameters.get("page"), let form = SettingsPages.form(id) else { return notFound(context) }
            // After a TLS file upload (a redirect here): say what was done.
            let uploaded = request.uri.queryParameters["uploaded"].flatMap { TLSUpload.kinds[String($0)] }
            let notice = uploaded.map { "Uploaded the \($0) file and applied it." + (request.uri.queryParameters["restart"] != nil ? " A restart is needed for the uplink." : "") }
            return try await settingsPage(id, form, context, values: nil, problems: [:], notice: notice)
        }
        router.post("/settings/:page") { request, context -> Response in try await save(request, context) }
        router.post("/settings/:page/test") { request, context -> Response in try await sendTest(request, context) }
        router.get("/api/v1/settings/:page") { _, context -> Response in
            guard context.session?.isAdmin == true else { return WebResponse.json(["error": "administrators only"], status: .forbidden) }
            guard let id = context.parameters.get("page"), let form = SettingsPages.form(id) else {
                return WebResponse.json(["error": "no such settings page"], status: .notFound)
            }
            return WebResponse.json(SettingsJSON(page: id, section: form.section, values: masked(try backend.pairs(section: form.section))))
        }
        router.post("/api/v1/settings/:page") { request, context -> Response in try await saveJSON(request, context) }
    }

    struct SettingsJSON: Encodable {
        let page: String, section: String, values: [String: String]
    }

    struct ProblemJSON: Encodable {
        let field: String, message: String
    }

    struct SaveResultJSON: Encodable {
        let saved: Bool, restartNeeded: [String], system: String?, problems: [ProblemJSON]
    }

    /// Secrets are never sent back: each is replaced by a mark that it is set.
    func masked(_ pairs: [String: String]) -> [String: String] {
        var out = pairs
        for key in pairs.keys where Self.isSecret(key) { out[key] = "(set)" }
        return out
    }

    static func isSecret(_ path: String) -> Bool {
        let last = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        return ["password", "authpassphrase", "privpassphrase", "community", "pin"].contains(last)
    }

    private func index(_ context: WebContext) -> Response {
        var links = SettingsPages.all.map { "<li><a href=\"/settings/\($0.id)\">\(HTML.escape($0.form.title))</a></li>" }
        links += ["<li><a href=\"/settings/users\">Users</a></li>", "<li><a href=\"/settings/exports\">Data export</a></li>",
                  "<li><a href=\"/settings/backup\">Backup</a></li>",
                  "<li><a href=\"/settings/remote-access\">Remote access</a></li>",
                  "<li><a href=\"/settings/audit\">Audit log</a></li>"]
        return page.render(title: "Settings", session: context.session, body: """
            \(Level.site.header(page.topology, active: .settings))<h1>Settings</h1><p>Settings of the data centre. Alarm limits and their e-mail and SMS switches are on each string's page.</p>
            <ul class="settings-index">\(links.joined())</ul>
            """)
    }

    private func settingsPage(_ id: String, _ form: SettingsForm, _ context: WebContext, values: [String: String]?,
                              problems: [String: String], notice: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let admin = context.session?.isAdmin == true
        var shown = try values ?? backend.pairs(section: form.section)
        // No section: the agent or uplink is off, whatever the field's usual default.
        if values == nil && shown.isEmpty && form.fields.contains(where: { $0.path == "enabled" }) { shown["enabled"] = "false" }
        var body = "<p><a href=\"/settings\">Settings</a> › \(HTML.escape(form.title))</p><h1>\(HTML.escape(form.title))</h1>"
        body += "<p>\(HTML.escape(form.intro))</p>"
        if let notice { body += "<p class=\"notice\" role=\"status\" id=\"notice\">\(HTML.escape(notice))</p>" }
        if !admin { body += "<p>Only administrators change settings.</p>" }
        body += form.render(action: "/settings/\(id)", csrf: context.session?.csrf ?? "", values: shown, problems: problems, editable: admin)
        if admin, let channel = NotificationChannel(rawValue: id) {
            let (label, placeholder) = channel == .email ? ("Send a test e-mail to", "name@example.org") : ("Send a test SMS to", "+4915112345678")
            body += """
                <form class="settings" id="test-\(id)" method="post" action="/settings/\(id)/test">
                <input type="hidden" name="csrf" value="\(HTML.escape(context.session?.csrf ?? ""))">
                <label for="to">\(label)</label><input id="to" name="to" placeholder="\(placeholder)"> <button id="send-test">Send</button></form>
                """
        }
        if id == "mqtt" {
            body += TLSUpload.form(context)
            if let state = backend.uplinkState() {
                body += "<h2>Uplink and outbox</h2><table id=\"uplink-state\"><tbody>"
                for (k, v) in state { body += "<tr><th>\(HTML.escape(k))</th><td>\(HTML.escape(v))</td></tr>" }
                body += "</tbody></table>"
            } else {
                body += "<p id=\"uplink-state\">The uplink is not running (no mqtt section when the gateway started).</p>"
            }
        }
        if id == "project" { body += ProjectLogo.section(context) }
        return page.render(title: form.title, session: context.session, status: status, body: body)
    }

    /// Checks, saves and applies a page's section (the submission is merged with the section as it is
    /// when the save runs); returns the problems by field, or the outcome.
    private func apply(_ form: SettingsForm, user: String, submitted: @escaping @Sendable ([String: String]) -> [String: String]) async throws
        -> (outcome: SettingsOutcome?, problems: [String: String]) {
        do {
            let outcome = try await backend.apply(section: form.section) { current in
                let values = submitted(current)
                var pairs = form.pairs(from: values, current: current)
                if form.section == "time", let once = values["setTime"]?.trimmingCharacters(in: .whitespaces), !once.isEmpty { pairs["setTime"] = once }
                return pairs
            }
            let now = Timestamp.now.millis
            let detail = "\(form.section): " + Self.changes(outcome.before, outcome.after)
            try await store.run { try UserStore(db: $0.db).audit(user: user, action: "settings changed", detail: detail, now: now) }
            logger.notice("settings changed in the web UI", metadata: ["user": "\(user)", "section": "\(form.section)"])
            return (outcome, [:])
        } catch let error as ConfigError {
            return (nil, problems(error, form))
        } catch {
            // Not a problem of the values (e.g. the agent refused its new configuration): nothing applied.
            logger.error("settings not applied", metadata: ["section": "\(form.section)", "error": "\(error)"])
            return (nil, ["": "Not saved: \(error)"])
        }
    }

    /// A problem in the saved section goes to its field; anything else is said at the top of the form.
    func problems(_ error: ConfigError, _ form: SettingsForm) -> [String: String] {
        var out: [String: String] = [:]
        let settingsFile = backend.current.settingsFile
        for p in error.problems {
            if p.file == settingsFile && p.path.hasPrefix(form.section + ".") {
                let field = String(p.path.dropFirst(form.section.count + 1))
                // A list item's problem goes to the list's field.
                let key = form.fields.contains(where: { $0.path == field }) ? field
                    : form.fields.first(where: { $0.kind == .list && field.hasPrefix($0.path + "[") })?.path ?? field
                out[key] = out[key].map { "\($0); \(p.message)" } ?? p.message
            } else if p.file == settingsFile && p.path == form.section {
                out[""] = p.message
            } else {
                out[""] = (out[""].map { $0 + "; " } ?? "") + p.description
            }
        }
        // A problem at a field the form does not show (e.g. set in the file) is said at the top.
        for (key, message) in out where !key.isEmpty && !form.fields.contains(where: { $0.path == key })
            && !form.tables.contains(where: { key.hasPrefix($0.path + "[") }) {
            out[""] = (out[""].map { $0 + "; " } ?? "") + "\(form.section).\(key): \(message)"
            out.removeValue(forKey: key)
        }
        return out
    }

    /// `key: old → new` for each changed value; secrets only as "changed".
    static func changes(_ before: [String: String], _ after: [String: String]) -> String {
        let keys = Set(before.keys).union(after.keys).sorted()
        let parts = keys.compactMap { k -> String? in
            let (a, b) = (before[k], after[k])
            guard a != b else { return nil }
            if isSecret(k) { return "\(k) changed" }
            return "\(k): \(a ?? "unset") → \(b ?? "unset")"
        }
        return parts.isEmpty ? "no change" : parts.joined(separator: ", ")
    }

    private func save(_ request: Request, _ context: WebContext) async throws -> Response {
        let submitted = try await WebResponse.form(request)
        guard let session = context.session, submitted["csrf"] == session.csrf else { return CSRF.refused() }
        guard let id = context.parameters.get("page"), let form = SettingsPages.form(id) else { return notFound(context) }
        guard session.isAdmin else { return forbidden(context) }
        let result = try await apply(form, user: session.username) { _ in submitted }
        guard let outcome = result.outcome else {
            // Show what was typed, passwords excepted.
            var shown = try backend.pairs(section: form.section).filter { !form.covers($0.key) }
            for f in form.fields where f.kind != .password { shown[f.path] = submitted[f.path] ?? "" }
            for f in form.fields where f.kind == .list {
                let items = (submitted[f.path] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                shown.removeValue(forKey: f.path)
                for (i, item) in items.enumerated() { shown["\(f.path)[\(i)]"] = item }
            }
            for t in form.tables {
                for (k, v) in submitted where k.hasPrefix(t.path + "[") && !(t.columns.contains { k.hasSuffix("." + $0.path) && $0.kind == .password }) { shown[k] = v }
            }
            // Table problems name the saved rows; point them at the rows as shown.
            let current = try backend.pairs(section: form.section)
            var problems: [String: String] = [:]
            for (k, v) in result.problems { problems[form.formField(k, form: submitted, current: current)] = v }
            return try await settingsPage(id, form, context, values: shown, problems: problems, status: .badRequest)
        }
        var notice = "Saved and applied."
        if !outcome.restartNeeded.isEmpty { notice += " A restart is needed for: \(outcome.restartNeeded.joined(separator: ", "))." }
        if let system = outcome.system { notice += " System: \(system)" }
        return try await settingsPage(id, form, context, values: nil, problems: [:], notice: notice)
    }

    private func saveJSON(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session, session.isAdmin else { return WebResponse.json(["error": "administrators only"], status: .forbidden) }
        // A cross-site form cannot send JSON without the browser asking first (CORS), so this is not forgeable.
        guard request.headers[.contentType]?.hasPrefix("application/json") == true else {
            return WebResponse.json(["error": "Content-Type must be application/json"], status: .unsupportedMediaType)
        }
        guard let id = context.parameters.get("page"), let form = SettingsPages.form(id) else {
            return WebResponse.json(["error": "no such settings page"], status: .notFound)
        }
        let body = try await request.body.collect(upTo: 64 * 1024)
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            return WebResponse.json(["error": "the body must be a JSON object of field → value"], status: .badRequest)
        }
        var submitted: [String: String] = [:]
        for (k, v) in object {
            switch v {
            case let s as String: submitted[k] = s
            case let b as Bool: submitted[k] = b ? "true" : "false"
            case let n as NSNumber: submitted[k] = n.stringValue
            default: return WebResponse.json(SaveResultJSON(saved: false, restartNeeded: [], system: nil,
                                                            problems: [ProblemJSON(field: k, message: "must be a string, number or boolean")]), status: .badRequest)
            }
        }
        // Fields not given keep their current values (unlike a form, which sends every field).
        let given = submitted
        let result = try await apply(form, user: session.username) { current in
            var submitted = given
            for f in form.fields where f.kind == .list && submitted[f.path] == nil {
                var items: [String] = []
                while let v = current["\(f.path)[\(items.count)]"] { items.append(v) }
                submitted[f.path] = items.joined(separator: ",")
            }
            for t in form.tables {
                for (k, v) in current where k.hasPrefix(t.path + "[") && submitted[k] == nil { submitted[k] = v }
            }
            // A switch not given keeps its value; where the key is absent that is the loader's default.
            for f in form.fields where submitted[f.path] == nil && f.kind != .password {
                submitted[f.path] = current[f.path] ?? (f.kind == .bool ? f.preset : "")
            }
            return submitted
        }
        let problems = result.problems.sorted { $0.key < $1.key }.map { ProblemJSON(field: $0.key, message: $0.value) }
        return WebResponse.json(SaveResultJSON(saved: result.outcome != nil, restartNeeded: result.outcome?.restartNeeded ?? [],
                                               system: result.outcome?.system, problems: problems),
                                status: result.outcome == nil ? .badRequest : .ok)
    }

    private func sendTest(_ request: Request, _ context: WebContext) async throws -> Response {
        let submitted = try await WebResponse.form(request)
        guard let session = context.session, submitted["csrf"] == session.csrf else { return CSRF.refused() }
        // The e-mail and SMS settings pages are named for their channel.
        guard let id = context.parameters.get("page"), let channel = NotificationChannel(rawValue: id), let form = SettingsPages.form(id) else { return notFound(context) }
        guard session.isAdmin else { return forbidden(context) }
        let to = (submitted["to"] ?? "").trimmingCharacters(in: .whitespaces)
        let config = backend.current.notifications
        var problem: String?
        if channel == .email {
            if !GatewayConfig.isEmailAddress(to) { problem = "to: not an e-mail address" }
            else if config.email == nil { problem = "No SMTP server is configured: save one first." }
        } else {
            if !GatewayConfig.isPhoneNumber(to) { problem = "to: not an international number like +4915112345678" }
            else if config.smsModem == nil && config.smsHTTP == nil { problem = "No modem or HTTP gateway is configured: save one first." }
        }
        if let problem { return try await settingsPage(id, form, context, values: nil, problems: ["": problem], status: .badRequest) }
        let error = await backend.sendTest(channel: channel, to: to)
        // The address is personal data: not in the server log, only in the delivery log.
        logger.notice("test message sent from the web UI", metadata: ["channel": "\(id)", "ok": "\(error == nil)"])
        let notice = error.map { "The test failed: \($0)" } ?? "Test \(channel.label) sent; see the \(channel.label) log."
        return try await settingsPage(id, form, context, values: nil, problems: [:], notice: notice, status: error == nil ? .ok : .badGateway)
    }

    private func auditPage(_ context: WebContext) async throws -> Response {
        let entries = try await store.run { try UserStore(db: $0.db).auditLog(limit: 500) }
        var rows = ""
        let time = page.siteTime()
        for e in entries {
            let t = time.text(Timestamp(millis: e.at))
            rows += "<tr><td>\(t)</td><td>\(HTML.escape(e.user))</td><td>\(HTML.escape(e.action))</td><td class=\"text\">\(HTML.escape(e.detail))</td></tr>"
        }
        return page.render(title: "Audit log", session: context.session, body: """
            <p><a href="/settings">Settings</a> › Audit log</p><h1>Audit log</h1><p>Who changed which setting, newest first (last 500).</p>
            <table id="audit"><thead><tr><th>Time</th><th>User</th><th>Action</th><th>What</th></tr></thead><tbody>\(rows)</tbody></table>
            """)
    }

    func forbidden(_ context: WebContext) -> Response {
        page.render(title: "Not allowed", session: context.session, status: .forbidden,
                    body: "<h1>Not allowed</h1><p>Only administrators change settings.</p>")
    }

    private func notFound(_ context: WebContext) -> Response {
        page.render(title: "Not found", session: context.session, status: .notFound, body: "<h1>Not found</h1><p><a href=\"/settings\">Settings</a></p>")
    }
}
