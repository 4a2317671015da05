import Backup
import BatteryModel
import Foundation
import GatewayConfig
import HTTPTypes
import Hummingbird
import Storage

/// Settings › Backup (administrators only: an archive holds password hashes and, if chosen, keys):
/// what a backup holds with sizes, a backup made in the background, the archives to download or delete.
struct BackupRoutes {
    let jobs: BackupJobs
    let backend: any SettingsBackend
    let store: DatabaseQueue<GatewayDatabase>
    let page: PageRenderer

    func register(_ router: Router<WebContext>) {
        router.get("/settings/backup") { _, context -> Response in
            guard context.session?.isAdmin == true else { return forbidden(context) }
            return backupPage(context)
        }
        router.post("/settings/backup") { request, context -> Response in try await start(request, context) }
        router.get("/settings/backup/:name") { _, context -> Response in
            guard context.session?.isAdmin == true else { return forbidden(context) }
            return download(context)
        }
        router.post("/settings/backup/:name/delete") { request, context -> Response in
            let form = try await WebResponse.form(request)
            guard let session = context.session, form["csrf"] == session.csrf else { return CSRF.refused() }
            guard session.isAdmin else { return forbidden(context) }
            if let name = context.parameters.get("name"), jobs.delete(name) {
                let user = session.username
                try await store.run { try UserStore(db: $0.db).audit(user: user, action: "backup deleted", detail: name, now: Timestamp(Date()).millis) }
            }
            jobs.dismiss()
            return .redirect(to: "/settings/backup", type: .normal)
        }
    }

    private func plan() throws -> BackupPlan {
        let config = backend.current
        return try BackupPlan(configFile: config.file, dataDirectory: config.dataDirectory, secretFiles: config.namedSecretFiles)
    }

    private func backupPage(_ context: WebContext, notice: String? = nil, problem: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let csrf = HTML.escape(context.session?.csrf ?? "")
        var body = "<p><a href=\"/settings\">Settings</a> › Backup</p><h1>Backup</h1>"
        body += """
            <p>One archive with the configuration, the settings saved here, the users, the alarm log and discharges, the MQTT \
            messages not yet delivered and, if chosen, the history and the TLS keys. It is made while the gateway runs (SQLite's \
            online backup: a consistent copy). To restore it, on the gateway's console: <code>sudo systemctl stop bmgw; \
            sudo bmgw restore FILE -c /etc/bmgw/gateway.yaml; sudo systemctl start bmgw</code> (docs/operations.md › Backup and restore).</p>
            """
        if let notice { body += "<p class=\"notice\" role=\"status\" id=\"notice\">\(HTML.escape(notice))</p>" }
        if let running = jobs.current {
            if let failed = running.failed {
                body += """
                    <p class="problem" id="backup-failed">\(HTML.escape(running.name)): failed: \(HTML.escape(failed))</p>
                    """
            } else {
                body += "<p id=\"backup-running\" role=\"status\">Making \(HTML.escape(running.name)): \(HTML.escape(running.step))…</p>"
            }
        }
        switch Result(catching: plan) {
        case let .failure(error):
            body += "<p class=\"problem\">The backup cannot be planned: \(HTML.escape("\(error)"))</p>"
        case let .success(plan):
            var rows = ""
            for item in plan.items {
                rows += "<tr><td>\(Self.kindTitle(item.kind))</td><td>\(HTML.escape(item.archivePath))</td><td class=\"num\">\(ExportRoutes.size(Int(item.bytes)))</td></tr>"
            }
            body += """
                <table id="backup-parts"><thead><tr><th>Part</th><th>In the archive</th><th>Size now</th></tr></thead><tbody>\(rows)</tbody></table>
                <form class="box" id="backup-form" method="post" action="/settings/backup"><h2>New backup</h2>
                <input type="hidden" name="csrf" value="\(csrf)">
                <label><input type="checkbox" id="history" name="history" value="on" checked> Include the history \
                (<span id="history-size">\(ExportRoutes.size(Int(plan.historyBytes)))</span> of samples and hourly means)</label>
                <label><input type="checkbox" id="secrets" name="secrets" value="on" checked> Include TLS keys and certificates, the \
                remote-access CA and SNMPv3 keys (then keep the archive like a key)</label>
                \(problem.map { "<span class=\"problem\" id=\"form-problem\">\(HTML.escape($0))</span>" } ?? "")
                <button id="make-backup">Make backup</button></form>
                """
        }
        var files = ""
        let time = page.siteTime()
        for f in jobs.files() {
            let name = HTML.escape(f.name)
            files += """
                <tr><td><a href="/settings/backup/\(name)" download>\(name)</a></td><td class="num">\(ExportRoutes.size(f.bytes))</td>\
                <td>\(time.text(Timestamp(f.modified)))</td><td><form method="post" action="/settings/backup/\(name)/delete">\
                <input type="hidden" name="csrf" value="\(csrf)"><button>Delete</button></form></td></tr>
                """
        }
        body += "<h2>Archives</h2><table id=\"backups\"><thead><tr><th>File</th><th>Size</th><th>Time</th><th></th></tr></thead><tbody>\(files)</tbody></table>"
        // While a backup is made the page reloads itself to show its step.
        let refresh = jobs.current.map { $0.failed == nil } == true ? "<meta http-equiv=\"refresh\" content=\"2\">" : ""
        return page.render(title: "Backup", session: context.session, status: status, body: refresh + body)
    }

    static func kindTitle(_ kind: BackupManifest.Kind) -> String {
        switch kind {
        case .configuration: "Configuration"
        case .settings: "Settings saved in the web UI"
        case .database: "Users, alarm log, discharges, history"
        case .outbox: "MQTT messages not yet delivered"
        case .secret: "TLS key or certificate (secret)"
        case .branding: "Logo"
        case .other: "Other data"
        }
    }

    private func start(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await WebResponse.form(request)
        guard let session = context.session, form["csrf"] == session.csrf else { return CSRF.refused() }
        guard session.isAdmin else { return forbidden(context) }
        let history = form["history"] == "on", secrets = form["secrets"] == "on"
        let plan: BackupPlan
        do { plan = try self.plan() } catch {
            return backupPage(context, problem: "\(error)", status: .internalServerError)
        }
        let estimate = plan.selected(secrets: secrets).reduce(Int64(0)) { $0 + $1.bytes } - (history ? 0 : plan.historyBytes)
        let writer = BackupWriter(plan: plan, history: history, secrets: secrets, gatewayVersion: page.version, gatewayId: backend.current.gatewayId)
        switch jobs.start(writer, estimate: estimate) {
        case let .failure(refusal):
            return backupPage(context, problem: refusal.message, status: .conflict)
        case let .success(name):
            let user = session.username
            try await store.run { s in
                try UserStore(db: s.db).audit(user: user, action: "backup started", detail: "\(name) history=\(history) secrets=\(secrets)",
                                              now: Timestamp(Date()).millis)
            }
            return backupPage(context, notice: "Backup \(name) started.")
        }
    }

    private func download(_ context: WebContext) -> Response {
        guard let name = context.parameters.get("name"), let path = jobs.path(name),
              let response = FileReader.attachment(path: path, name: name, contentType: "application/x-tar") else {
            return page.render(title: "Not found", session: context.session, status: .notFound, body: "<h1>Not found</h1><p><a href=\"/settings/backup\">Backup</a></p>")
        }
        return response
    }

    private func forbidden(_ context: WebContext) -> Response {
        page.render(title: "Not allowed", session: context.session, status: .forbidden,
                    body: "<h1>Not allowed</h1><p>Only administrators make and download backups (they hold password hashes and keys).</p>")
    }
}
