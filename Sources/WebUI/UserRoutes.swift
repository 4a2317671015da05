import BatteryModel
import Alarms
import Foundation
import GatewayConfig
import HTTPTypes
import Hummingbird
import Logging
import Storage
import Notifications

/// User management for administrators: add, edit (name, role, phone, e-mail, alarm e-mail / SMS,
/// a new password that must be changed at the next login), delete, and the GDPR export of a user's
/// personal data. Users may export their own. Personal data is never written to the server log.
struct UserRoutes {
    let sessions: SessionStore
    let store: DatabaseQueue<GatewayDatabase>
    let backend: any SettingsBackend
    let page: PageRenderer
    let logger: Logger

    static let namePattern = WebUsers.userNameRule

    func register(_ router: Router<WebContext>) {
        router.get("/settings/users") { _, context -> Response in
            guard context.session?.isAdmin == true else { return forbidden(context) }
            return try await listPage(context)
        }
        router.get("/settings/users/new") { _, context -> Response in
            guard context.session?.isAdmin == true else { return forbidden(context) }
            return editPage(context, user: nil, values: ["notifyEmail": "false", "notifySMS": "false"], problems: [:])
        }
        router.post("/settings/users/new") { request, context -> Response in try await save(request, context, id: nil) }
        router.get("/settings/users/:id") { _, context -> Response in
            guard context.session?.isAdmin == true else { return forbidden(context) }
            guard let user = try await user(context) else { return notFound(context) }
            return editPage(context, user: user, values: Self.values(user), problems: [:])
        }
        router.post("/settings/users/:id") { request, context -> Response in
            guard let id = context.parameters.get("id").flatMap(Int64.init) else { return notFound(context) }
            return try await save(request, context, id: id)
        }
        router.post("/settings/users/:id/delete") { request, context -> Response in try await delete(request, context) }
        router.get("/settings/users/:id/export") { _, context -> Response in try await export(context) }
        router.get("/api/v1/users") { _, context -> Response in
            guard context.session?.isAdmin == true else { return WebResponse.json(["error": "administrators only"], status: .forbidden) }
            let users = try await store.run { try UserStore(db: $0.db).all() }
            return WebResponse.json(users.map(UserJSON.init))
        }
    }

    /// A user as shown to administrators and in the export: everything but the password hash.
    struct UserJSON: Encodable {
        let id: Int64, username: String, fullName: String, administrator: Bool, phone: String?, email: String?
        let alarmEmails: Bool, alarmSMS: Bool, mustChangePassword: Bool, created: String, updated: String

        init(_ u: UserStore.User) {
            (id, username, fullName, administrator, phone, email) = (u.id, u.username, u.fullName, u.isAdmin, u.phone, u.email)
            (alarmEmails, alarmSMS, mustChangePassword) = (u.notifyEmail, u.notifySMS, u.mustChange)
            (created, updated) = (Timestamp(millis: u.createdAt).iso, Timestamp(millis: u.updatedAt).iso)
        }
    }

    private func user(_ context: WebContext) async throws -> UserStore.User? {
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { return nil }
        return try await store.run { try UserStore(db: $0.db).user(id: id) }
    }

    static func values(_ u: UserStore.User) -> [String: String] {
        ["username": u.username, "fullName": u.fullName, "role": u.isAdmin ? "administrator" : "viewer", "phone": u.phone ?? "",
         "email": u.email ?? "", "notifyEmail": u.notifyEmail ? "true" : "false", "notifySMS": u.notifySMS ? "true" : "false"]
    }

    private func listPage(_ context: WebContext, notice: String? = nil) async throws -> Response {
        let users = try await store.run { try UserStore(db: $0.db).all() }
        var rows = ""
        for u in users {
            var alarms: [String] = []
            if u.notifyEmail { alarms.append("e-mail") }
            if u.notifySMS { alarms.append("SMS") }
            rows += """
                <tr id="user-\(HTML.escape(u.username))"><td><a href="/settings/users/\(u.id)">\(HTML.escape(u.username))</a></td>
                <td class="text">\(HTML.escape(u.fullName))</td><td>\(u.isAdmin ? "administrator" : "viewer")</td>
                <td class="text">\(HTML.escape(u.email ?? ""))</td><td class="text">\(HTML.escape(u.phone ?? ""))</td>
                <td>\(alarms.isEmpty ? "none" : alarms.joined(separator: ", "))</td>
                <td><a href="/settings/users/\(u.id)/export" download>export</a></td></tr>
                """
        }
        let info = notice.map { "<p class=\"notice\" role=\"status\" id=\"notice\">\(HTML.escape($0))</p>" } ?? ""
        return page.render(title: "Users", session: context.session, body: """
            <p><a href="/settings">Settings</a> › Users</p><h1>Users</h1>\(info)
            <p>Administrators change settings; viewers look. Users with alarm e-mails or SMS receive them for every string.
            <a href="/settings/users/new" id="add-user">Add a user</a></p>
            <table id="users"><thead><tr><th>User</th><th>Name</th><th>Role</th><th>E-mail</th><th>Phone</th><th>Alarms</th><th>Personal data</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """)
    }

    private func editPage(_ context: WebContext, user: UserStore.User?, values: [String: String], problems: [String: String],
                          status: HTTPResponse.Status = .ok) -> Response {
        let csrf = HTML.escape(context.session?.csrf ?? "")
        let action = user.map { "/settings/users/\($0.id)" } ?? "/settings/users/new"
        func check(_ name: String, _ label: String) -> String {
            let on = values[name] == "true"
            return """
                <label><input type="hidden" name="\(name)" value="false"><input type="checkbox" id="\(name)" name="\(name)" value="true"\(on ? " checked" : "")> \(label)</label>\
                \(problems[name].map { "<span class=\"problem\" id=\"\(name)-problem\">\(HTML.escape($0))</span>" } ?? "")
                """
        }
        let role = values["role"] ?? "viewer"
        let general = problems[""].map { "<p class=\"problem\" id=\"form-problem\">\(HTML.escape($0))</p>" } ?? ""
        var body = """
            <p><a href="/settings">Settings</a> › <a href="/settings/users">Users</a> › \(HTML.escape(user?.username ?? "new"))</p>
            <form class="box" id="user-form" method="post" action="\(action)"><h1>\(user == nil ? "Add a user" : "User \(HTML.escape(user?.username ?? ""))")</h1>\(general)
            <input type="hidden" name="csrf" value="\(csrf)">
            \(user == nil ? HTML.field("username", label: "User name (\(Self.namePattern))", value: values["username"] ?? "", problem: problems["username"]) : "")
            \(HTML.field("fullName", label: "Full name", value: values["fullName"] ?? "", problem: problems["fullName"]))
            <label for="role">Role</label><select id="role" name="role">
            <option\(role == "viewer" ? " selected" : "")>viewer</option><option\(role == "administrator" ? " selected" : "")>administrator</option></select>
            \(problems["role"].map { "<span class=\"problem\" id=\"role-problem\">\(HTML.escape($0))</span>" } ?? "")
            \(HTML.field("email", label: "E-mail", value: values["email"] ?? "", problem: problems["email"]))
            \(HTML.field("phone", label: "Mobile phone (international, +…)", value: values["phone"] ?? "", problem: problems["phone"]))
            \(check("notifyEmail", "Alarm e-mails")) \(check("notifySMS", "Alarm SMS"))
            \(HTML.field("password", label: user == nil ? "Password (10 characters or more; changed at the first login)"
                                                       : "New password (empty keeps it; changed at the next login)",
                         type: "password", problem: problems["password"], autocomplete: "new-password"))
            <button id="save-user">Save</button></form>
            """
        if let user, user.id != context.session?.userId {
            body += """
                <form class="box" method="post" action="/settings/users/\(user.id)/delete" id="delete-user">
                <input type="hidden" name="csrf" value="\(csrf)"><p>Deleting removes the user and erases their e-mail address and phone
                from the delivery log; the audit log keeps what was done, under a neutral name.</p>
                <label><input type="checkbox" name="confirm" value="yes" id="confirm-delete"> Delete \(HTML.escape(user.username)) for good</label>
                \(problems["confirm"].map { "<span class=\"problem\" id=\"confirm-problem\">\(HTML.escape($0))</span>" } ?? "")
                <button>Delete</button></form>
                """
        }
        return page.render(title: "User", session: context.session, status: status, body: body)
    }

    private func save(_ request: Request, _ context: WebContext, id: Int64?) async throws -> Response {
        let form = try await WebResponse.form(request)
        guard let session = context.session, form["csrf"] == session.csrf else { return CSRF.refused() }
        guard session.isAdmin else { return forbidden(context) }
        let existing = try await id.asyncMap { id in try await store.run { try UserStore(db: $0.db).user(id: id) } } ?? nil
        if id != nil && existing == nil { return notFound(context) }
        let all = try await store.run { try UserStore(db: $0.db).all() }
        var values: [String: String] = [:]
        for k in ["username", "fullName", "role", "email", "phone", "notifyEmail", "notifySMS"] {
            values[k] = (form[k] ?? "").trimmingCharacters(in: .whitespaces)
        }
        var problems: [String: String] = [:]
        let username = existing?.username ?? values["username"] ?? ""
        if existing == nil {
            if !WebUsers.isUserName(username) {
                problems["username"] = "must be \(Self.namePattern)"
            } else if all.contains(where: { $0.username == username }) {
                problems["username"] = "'\(username)' is already taken"
            }
        }
        let fullName = values["fullName"] ?? ""
        if fullName.count > 100 { problems["fullName"] = "is longer than 100 characters" }
        guard let isAdmin = ["administrator": true, "viewer": false][values["role"] ?? ""] else {
            problems["role"] = "must be administrator or viewer"
            return editPage(context, user: existing, values: values, problems: problems, status: .badRequest)
        }
        if let existing, existing.isAdmin && !isAdmin && all.filter(\.isAdmin).count == 1 {
            problems["role"] = "the last administrator cannot become a viewer"
        }
        let email = values["email"].flatMap { $0.isEmpty ? nil : $0 }, phone = values["phone"].flatMap { $0.isEmpty ? nil : $0 }
        if let email, !GatewayConfig.isEmailAddress(email) { problems["email"] = "is not an e-mail address" }
        if let phone, !GatewayConfig.isPhoneNumber(phone) { problems["phone"] = "must be an international number like +4915112345678" }
        let notifyEmail = values["notifyEmail"] == "true", notifySMS = values["notifySMS"] == "true"
        if notifyEmail && email == nil { problems["notifyEmail"] = "needs an e-mail address" }
        if notifySMS && phone == nil { problems["notifySMS"] = "needs a phone number" }
        let password = form["password"] ?? ""
        if existing == nil || !password.isEmpty, let p = PasswordHasher.problem(password, username: username) { problems["password"] = p }
        guard problems.isEmpty else { return editPage(context, user: existing, values: values, problems: problems, status: .badRequest) }

        let hash = password.isEmpty ? nil : await PasswordHasher.hash(password)
        let now = Timestamp.now.millis
        let admin = session.username
        try await store.run { s in
            let users = UserStore(db: s.db)
            try s.db.transaction {
                let userId: Int64
                if let existing {
                    userId = existing.id
                } else {
                    userId = try users.add(username: username, fullName: fullName, isAdmin: isAdmin, passwordHash: hash ?? "", mustChange: true, now: now)
                }
                guard var u = try users.user(id: userId) else { return }
                (u.fullName, u.isAdmin, u.email, u.phone, u.notifyEmail, u.notifySMS) = (fullName, isAdmin, email, phone, notifyEmail, notifySMS)
                try users.update(u, now: now)
                if let hash, existing != nil { try users.setPassword(id: userId, hash: hash, mustChange: true, now: now) }
                var what = existing == nil ? "added \(username) as \(isAdmin ? "administrator" : "viewer")" : "changed \(username)"
                if let existing, existing.isAdmin != isAdmin { what += ": role \(isAdmin ? "administrator" : "viewer")" }
                if hash != nil && existing != nil { what += ", new password" }
                try users.audit(user: admin, action: "user \(existing == nil ? "added" : "changed")", detail: what, now: now)
            }
        }
        // A demoted user or one with a new password logs in again.
        if let existing, existing.isAdmin != isAdmin || hash != nil { sessions.end(userId: existing.id) }
        await backend.usersChanged()
        logger.notice("web UI user \(existing == nil ? "added" : "changed")", metadata: ["by": "\(admin)"])
        return try await listPage(context, notice: "Saved \(username).")
    }

    private func delete(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await WebResponse.form(request)
        guard let session = context.session, form["csrf"] == session.csrf else { return CSRF.refused() }
        guard session.isAdmin else { return forbidden(context) }
        guard let user = try await user(context) else { return notFound(context) }
        var problems: [String: String] = [:]
        if user.id == session.userId { problems[""] = "You cannot delete yourself." }
        if form["confirm"] != "yes" { problems["confirm"] = "tick the box to confirm" }
        guard problems.isEmpty else { return editPage(context, user: user, values: Self.values(user), problems: problems, status: .badRequest) }
        let now = Timestamp.now.millis
        try await store.run { s in
            let users = UserStore(db: s.db)
            try users.delete(id: user.id)
            try users.audit(user: session.username, action: "user deleted", detail: "user #\(user.id) and their personal data", now: now)
        }
        sessions.end(userId: user.id)
        await backend.usersChanged()
        logger.notice("web UI user deleted", metadata: ["by": "\(session.username)", "id": "\(user.id)"])
        return try await listPage(context, notice: "Deleted user #\(user.id) and their personal data.")
    }

    /// Everything stored about a person: the account, their setting changes, and messages sent to them.
    struct ExportJSON: Encodable {
        let exported: String, user: UserJSON, auditLog: [AuditJSON], deliveries: [DeliveryJSON]
    }

    struct AuditJSON: Encodable { let at: String, action: String, detail: String }
    struct DeliveryJSON: Encodable { let at: String, channel: String, contact: String, status: String, subject: String }

    private func export(_ context: WebContext) async throws -> Response {
        guard let session = context.session else { return forbidden(context) }
        guard let user = try await user(context) else { return notFound(context) }
        guard session.isAdmin || session.userId == user.id else { return forbidden(context) }
        let (audit, deliveries) = try await store.run { s in
            let recipient = UserStore.recipientName(user.username)
            let log = try NotificationStore(db: s.db).log(channel: nil, limit: 100_000).filter { $0.recipient == recipient }
            return (try UserStore(db: s.db).auditLog(of: user.username), log)
        }
        func iso(_ ms: Int64) -> String { Timestamp(millis: ms).iso }
        let document = ExportJSON(exported: iso(Timestamp.now.millis), user: UserJSON(user),
                                  auditLog: audit.map { AuditJSON(at: iso($0.at), action: $0.action, detail: $0.detail) },
                                  deliveries: deliveries.map { DeliveryJSON(at: iso($0.at), channel: $0.channel.rawValue, contact: $0.contact, status: $0.status, subject: $0.subject) })
        var response = WebResponse.json(document)
        response.headers[.contentDisposition] = "attachment; filename=\"personal-data-\(user.username).json\""
        let now = Timestamp.now.millis
        try await store.run { try UserStore(db: $0.db).audit(user: session.username, action: "personal data exported", detail: "user #\(user.id)", now: now) }
        return response
    }

    private func forbidden(_ context: WebContext) -> Response {
        page.render(title: "Not allowed", session: context.session, status: .forbidden,
                    body: "<h1>Not allowed</h1><p>Only administrators manage users.</p>")
    }

    private func notFound(_ context: WebContext) -> Response {
        page.render(title: "Not found", session: context.session, status: .notFound, body: "<h1>Not found</h1><p><a href=\"/settings/users\">Users</a></p>")
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
