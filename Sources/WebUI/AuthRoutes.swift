import BatteryModel
import Foundation
import Hummingbird
import Logging
import Storage

/// Login, logout and the password change (forced at first login with the default password).
struct AuthRoutes {
    let sessions: SessionStore
    let throttle: LoginThrottle
    let store: DatabaseQueue<GatewayDatabase>
    let page: PageRenderer
    let logger: Logger

    func register(_ router: Router<WebContext>) {
        router.get("/login") { _, context -> Response in
            if context.session != nil { return .redirect(to: "/", type: .found) }
            return loginPage()
        }
        router.post("/login") { request, context in try await login(request, context) }
        router.post("/logout") { request, context -> Response in
            let form = try await WebResponse.form(request)
            guard let session = context.session, form["csrf"] == session.csrf else { return CSRF.refused() }
            sessions.end(session.token)
            var response = Response.redirect(to: "/login", type: .found)
            response.setCookie(Self.cookie("", maxAge: 0))
            return response
        }
        router.get("/password") { _, context -> Response in passwordPage(context, problems: [:]) }
        router.post("/password") { request, context in try await changePassword(request, context) }
    }

    static func cookie(_ token: String, maxAge: Int? = nil) -> Cookie {
        Cookie(name: SessionMiddleware.cookie, value: token, maxAge: maxAge, path: "/", secure: true, httpOnly: true, sameSite: .strict)
    }

    private func loginPage(problem: String? = nil, user: String = "", status: HTTPResponse.Status = .ok) -> Response {
        let notice = problem.map { "<p class=\"problem\" role=\"alert\">\(HTML.escape($0))</p>" } ?? ""
        return page.render(title: "Log in", session: nil, status: status, body: """
            <form class="box" method="post" action="/login"><h1>Log in</h1>\(notice)
            \(HTML.field("username", label: "User name", value: user, autocomplete: "username"))
            \(HTML.field("password", label: "Password", type: "password", autocomplete: "current-password"))
            <button type="submit">Log in</button></form>
            """)
    }

    private func login(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await WebResponse.form(request)
        let user = form["username"] ?? "", password = form["password"] ?? ""
        if let wait = throttle.wait(address: context.remoteAddress, user: user) {
            var r = loginPage(problem: "Too many failed logins. Try again in \(wait.components.seconds + 1) s.", user: user, status: .tooManyRequests)
            r.headers[.retryAfter] = "\(wait.components.seconds + 1)"
            return r
        }
        let found = try await store.run { try UserStore(db: $0.db).user(named: user) }
        // The same work whether or not the user exists, so timing does not tell.
        let ok = await PasswordHasher.verify(password, hash: found?.passwordHash ?? PasswordHasher.dummyHash)
        guard let found, ok else {
            throttle.failed(address: context.remoteAddress, user: user)
            logger.notice("web login failed", metadata: ["from": "\(context.remoteAddress)"])
            return loginPage(problem: "Wrong user name or password.", user: user, status: .unauthorized)
        }
        throttle.succeeded(user: user)
        let session = sessions.create(userId: found.id, username: found.username, isAdmin: found.isAdmin, mustChangePassword: found.mustChange,
                                      passwordHash: found.passwordHash)
        logger.info("web login", metadata: ["user": "\(found.username)"])
        var response = Response.redirect(to: found.mustChange ? "/password" : "/", type: .found)
        response.setCookie(Self.cookie(session.token))
        return response
    }

    private func passwordPage(_ context: WebContext, problems: [String: String], status: HTTPResponse.Status = .ok) -> Response {
        let forced = context.session?.mustChangePassword == true
            ? "<p class=\"notice\">This is the first login with the default password: choose your own to go on.</p>" : ""
        return page.render(title: "Change password", session: context.session, status: status, body: """
            <form class="box" method="post" action="/password"><h1>Change password</h1>\(forced)
            <input type="hidden" name="csrf" value="\(HTML.escape(context.session?.csrf ?? ""))">
            \(HTML.field("current", label: "Current password", type: "password", problem: problems["current"], autocomplete: "current-password"))
            \(HTML.field("new", label: "New password (10 characters or more)", type: "password", problem: problems["new"], autocomplete: "new-password"))
            \(HTML.field("confirm", label: "New password again", type: "password", problem: problems["confirm"], autocomplete: "new-password"))
            <button type="submit">Change password</button></form>
            """)
    }

    private func changePassword(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await WebResponse.form(request)
        guard let session = context.session, form["csrf"] == session.csrf else { return CSRF.refused() }
        guard let user = try await store.run({ try UserStore(db: $0.db).user(id: session.userId) }) else {
            sessions.end(session.token)
            return .redirect(to: "/login", type: .found)
        }
        var problems: [String: String] = [:]
        let new = form["new"] ?? ""
        if !(await PasswordHasher.verify(form["current"] ?? "", hash: user.passwordHash)) { problems["current"] = "is not your current password" }
        if let p = PasswordHasher.problem(new, username: user.username) { problems["new"] = p }
        if new != form["confirm"] { problems["confirm"] = "does not match the new password" }
        guard problems.isEmpty else { return passwordPage(context, problems: problems, status: .badRequest) }
        let hash = await PasswordHasher.hash(new)
        let now = Timestamp.now.millis
        // The stored hash and this session's change together, on the database's queue: the watcher of
        // users (WebServer.watchUsers) compares them on the same queue, so it sees both or neither
        // (either order alone leaves a moment where they differ and it would end this very session).
        let sessions = self.sessions
        try await store.run { s in
            let users = UserStore(db: s.db)
            try s.db.transaction {
                try users.setPassword(id: user.id, hash: hash, mustChange: false, now: now)
                try users.audit(user: user.username, action: "password changed", detail: "own password", now: now)
            }
            sessions.update(session.token, mustChangePassword: false, passwordHash: hash)
        }
        sessions.end(userId: user.id, except: session.token)
        logger.notice("web password changed", metadata: ["user": "\(user.username)"])
        return .redirect(to: "/", type: .found)
    }
}

enum CSRF {
    /// A form without the session's token: not done, and said why.
    static func refused() -> Response {
        WebResponse.html("<!doctype html><p>The form's security token is missing or out of date: reload the page and try again.</p>", status: .forbidden)
    }
}
