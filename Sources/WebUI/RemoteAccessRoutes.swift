import BatteryModel
import Foundation
import GatewayConfig
import HTTPTypes
import Hummingbird
import Logging
import RemoteAccess
import Storage

/// Remote-access client certificates for administrators (docs/remote-access.md): issue one to a
/// named engineer with a role and a validity (downloaded at once as PEM, certificate + key, or as a
/// password-protected PKCS#12 file with the CA; the key is not kept), list the issued ones, revoke one, download the gateway's CA. Audited.
struct RemoteAccessRoutes {
    let backend: any SettingsBackend
    let store: DatabaseQueue<GatewayDatabase>
    let page: PageRenderer
    let logger: Logger

    func register(_ router: Router<WebContext>) {
        router.get("/settings/remote-access") { _, context -> Response in
            guard context.session?.isAdmin == true else { return forbidden(context) }
            return try await listPage(context, values: [:], problems: [:])
        }
        router.get("/settings/remote-access/ca.pem") { _, context -> Response in
            guard context.session?.isAdmin == true else { return forbidden(context) }
            let pki = try RemoteAccessPKI.load(config: backend.current)
            return download(Array(try String(contentsOfFile: pki.authorityFile, encoding: .utf8).utf8), name: "btms-remote-access-ca.pem")
        }
        router.post("/settings/remote-access/issue") { request, context -> Response in try await issue(request, context) }
        router.post("/settings/remote-access/:serial/revoke") { request, context -> Response in try await revoke(request, context) }
        router.get("/api/v1/remote-access/certificates") { _, context -> Response in
            guard context.session?.isAdmin == true else { return WebResponse.json(["error": "administrators only"], status: .forbidden) }
            return WebResponse.json(try await store.run { try IssuedCertificates(db: $0.db).all() })
        }
    }

    private var settings: RemoteAccessSettings { backend.current.remoteAccess ?? RemoteAccessSettings() }

    private func listPage(_ context: WebContext, values: [String: String], problems: [String: String], notice: String? = nil,
                          status: HTTPResponse.Status = .ok) async throws -> Response {
        let all = try await store.run { try IssuedCertificates(db: $0.db).all() }
        let csrf = HTML.escape(context.session?.csrf ?? "")
        let now = Timestamp.now.millis
        var rows = ""
        for c in all {
            let state: String
            if let at = c.revokedAt {
                state = "revoked \(HTML.escape(page.siteTime().text(Timestamp(millis: at))))"
            } else if c.notAfter < now {
                state = "expired"
            } else {
                state = """
                    valid <form method="post" action="/settings/remote-access/\(c.serial)/revoke" class="inline">\
                    <input type="hidden" name="csrf" value="\(csrf)"><button id="revoke-\(c.serial)">Revoke</button></form>
                    """
            }
            rows += """
                <tr id="cert-\(c.serial)"><td class="text">\(HTML.escape(c.name))</td><td>\(HTML.escape(c.role))</td>
                <td>\(HTML.escape(page.siteTime().text(Timestamp(millis: c.notAfter))))</td><td class="text">\(state)</td>
                <td class="text"><code>\(c.serial)</code></td><td class="text">\(HTML.escape(c.issuedBy))</td></tr>
                """
        }
        let roles = settings.roles.keys.sorted()
        let role = values["role"] ?? (roles.contains("Viewer") ? "Viewer" : roles.first ?? "")
        let options = roles.map { "<option\($0 == role ? " selected" : "")>\(HTML.escape($0))</option>" }.joined()
        let format = values["format"] ?? "pem"
        let formats = [("pem", "PEM: certificate and key"), ("pkcs12", "PKCS#12 (.p12): certificate, key and CA, with a password")]
            .map { "<option value=\"\($0.0)\"\($0.0 == format ? " selected" : "")>\($0.1)</option>" }.joined()
        let info = notice.map { "<p class=\"notice\" role=\"status\" id=\"notice\">\(HTML.escape($0))</p>" } ?? ""
        let state = backend.current.remoteAccess.map { "Remote access listens on \($0.host):\($0.port)." }
            ?? "Remote access is off (no <code>remoteAccess</code> section in the configuration): certificates can be issued, nobody can connect yet."
        return page.render(title: "Remote access", session: context.session, status: status, body: """
            <p><a href="/settings">Settings</a> › Remote access</p><h1>Remote access</h1>\(info)
            <p>Service engineers reach the string controllers with their own Modbus tools over Modbus/TCP Security (TLS, port 802),
            with a certificate issued here. \(state) <a href="/settings/remote-access-listener">Listener settings</a>. Clients check the gateway with its <a href="/settings/remote-access/ca.pem" id="ca">CA certificate</a>.</p>
            <form class="box" id="issue-form" method="post" action="/settings/remote-access/issue"><h2>Issue a certificate</h2>
            <input type="hidden" name="csrf" value="\(csrf)">
            \(HTML.field("name", label: "Engineer's name", value: values["name"] ?? "", problem: problems["name"]))
            <label for="role">Role</label><select id="role" name="role">\(options)</select>
            \(problems["role"].map { "<span class=\"problem\" id=\"role-problem\">\(HTML.escape($0))</span>" } ?? "")
            \(HTML.field("days", label: "Valid for (days)", type: "number", value: values["days"] ?? "\(settings.certificateDays)", problem: problems["days"]))
            <label for="format">File</label><select id="format" name="format">\(formats)</select>
            \(HTML.field("password", label: "PKCS#12 password (at least 8 characters; not for PEM)", type: "password",
                         problem: problems["password"], autocomplete: "new-password"))
            <button id="issue">Issue and download</button>
            <p class="hint">The key is not kept: store the file safely (the PEM file's key is not encrypted). Viewer reads; Operator also writes the controllers' documented settings; Engineer writes any register.</p>
            </form>
            <h2>Issued certificates</h2>
            <table id="certificates"><thead><tr><th>Engineer</th><th>Role</th><th>Valid until</th><th>State</th><th>Serial</th><th>Issued by</th></tr></thead>
            <tbody>\(rows.isEmpty ? "<tr><td colspan=\"6\">none yet</td></tr>" : rows)</tbody></table>
            """)
    }

    private func issue(_ request: Request, _ context: WebContext) async throws -> Response {
        guard context.session?.isAdmin == true else { return forbidden(context) }
        let form = try await WebResponse.form(request)
        guard let session = context.session, form["csrf"] == session.csrf else { return CSRF.refused() }
        let values = ["name": form["name"] ?? "", "role": form["role"] ?? "", "days": form["days"] ?? "", "format": form["format"] ?? "pem"]
        let password = form["password"] ?? ""
        guard let days = Int(values["days"] ?? "") else {
            return try await listPage(context, values: values, problems: ["days": "a whole number of days, 1…3650"], status: .badRequest)
        }
        let pkcs12 = values["format"] == "pkcs12"
        guard pkcs12 || values["format"] == "pem" else {
            return try await listPage(context, values: values, problems: ["format": "PEM or PKCS#12"], status: .badRequest)
        }
        // Checked before issuing: a refused password must not leave a certificate nobody downloaded.
        if pkcs12, let problem = RemoteAccessPKI.pkcs12PasswordProblem(password) {
            return try await listPage(context, values: values, problems: ["password": problem], status: .badRequest)
        }
        let config = backend.current
        let roles = Array(settings.roles.keys)
        let user = session.username
        let name = values["name"] ?? ""
        let result: Result<(RemoteAccessPKI.Issued, file: [UInt8]), RemoteAccessPKI.IssueError> = try await store.run { db in
            let pki = try RemoteAccessPKI.load(config: config)
            return try db.db.transaction {
                let issued: RemoteAccessPKI.Issued
                do {
                    issued = try pki.issue(name: name, role: values["role"] ?? "", days: days, roles: roles, by: user,
                                           into: IssuedCertificates(db: db.db))
                } catch let e as RemoteAccessPKI.IssueError {
                    return .failure(e)
                }
                // Made inside the transaction: if it throws, the certificate is not recorded as issued.
                let file = pkcs12 ? try pki.pkcs12(issued, password: password) : Array((issued.certificatePEM + "\n" + issued.keyPEM).utf8)
                try UserStore(db: db.db).audit(user: user, action: "remote-access certificate issued",
                                               detail: "\(name), role \(values["role"] ?? ""), serial \(issued.serial), \(pkcs12 ? "PKCS#12" : "PEM")",
                                               now: Timestamp.now.millis)
                return .success((issued, file))
            }
        }
        switch result {
        case let .success((issued, file)):
            logger.notice("remote-access certificate issued", metadata: ["serial": "\(issued.serial)", "by": "\(user)"])
            let slug = String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
            return pkcs12 ? download(file, name: "btms-remote-access-\(slug).p12", type: "application/x-pkcs12")
                : download(file, name: "btms-remote-access-\(slug).pem")
        case let .failure(e):
            return try await listPage(context, values: values, problems: [e.field: e.description], status: .badRequest)
        }
    }

    private func revoke(_ request: Request, _ context: WebContext) async throws -> Response {
        guard context.session?.isAdmin == true else { return forbidden(context) }
        let form = try await WebResponse.form(request)
        guard let session = context.session, form["csrf"] == session.csrf else { return CSRF.refused() }
        guard let serial = context.parameters.get("serial"), serial.allSatisfy(\.isHexDigit) else { return page.notFound(context) }
        let user = session.username
        let done = try await store.run { db in
            try db.db.transaction {
                let ok = try IssuedCertificates(db: db.db).revoke(serial: serial, by: user, now: Timestamp.now.millis)
                if ok {
                    try UserStore(db: db.db).audit(user: user, action: "remote-access certificate revoked", detail: "serial \(serial)",
                                                   now: Timestamp.now.millis)
                }
                return ok
            }
        }
        if done { logger.notice("remote-access certificate revoked", metadata: ["serial": "\(serial)", "by": "\(user)"]) }
        return try await listPage(context, values: [:], problems: [:],
                                  notice: done ? "Revoked \(serial): refused from its next connection." : "No valid certificate \(serial).")
    }

    private func download(_ bytes: [UInt8], name: String, type: String = "application/x-pem-file") -> Response {
        var response = Response(status: .ok, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        response.headers[.contentDisposition] = "attachment; filename=\"\(name)\""
        response.headers[.cacheControl] = "no-store"
        return response
    }

    private func forbidden(_ context: WebContext) -> Response {
        page.render(title: "Not allowed", session: context.session, status: .forbidden,
                    body: "<h1>Not allowed</h1><p>Only administrators issue and revoke remote-access certificates.</p>")
    }
}
