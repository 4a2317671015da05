import BatteryModel
import HTTPTypes
import Hummingbird
import NIOCore

/// Per request: where it came from and, after the session middleware, who sent it.
struct WebContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: String
    var session: WebSession?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

/// Finds the session from its cookie; pages without one go to the login page, the API answers 401.
/// A user who must change the password sees only the password page. POSTs need the session's CSRF token.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let sessions: SessionStore
    static let cookie = "bmgw_session"
    /// Reachable without a session.
    /// (`/metrics` checks its own token or session: a scraper has no cookie.)
    static let open: Set<String> = ["/login", "/static/app.css", "/static/live.js", "/api/v1/openapi.yaml", "/metrics"]

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var context = context
        let path = request.uri.path
        let api = path.hasPrefix("/api/")
        if let token = request.cookies[Self.cookie]?.value, let session = sessions.touch(token) {
            context.session = session
        }
        guard !Self.open.contains(path) else { return try await next(request, context) }
        guard let session = context.session else {
            return api ? WebResponse.json(["error": "login required"], status: .unauthorized) : .redirect(to: "/login", type: .found)
        }
        if session.mustChangePassword && path != "/password" && path != "/logout" {
            return api ? WebResponse.json(["error": "the password must be changed first"], status: .forbidden)
                       : .redirect(to: "/password", type: .found)
        }
        return try await next(request, context)
    }
}

/// Security headers on every response.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headers: [(HTTPField.Name, String)] {
        [("Strict-Transport-Security", "max-age=31536000"), ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
         ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
         ("Referrer-Policy", "same-origin"), ("Cache-Control", "no-store")].compactMap { n, v in HTTPField.Name(n).map { ($0, v) } }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for (name, value) in Self.headers where response.headers[name] == nil { response.headers[name] = value }
        return response
    }
}

/// `Server-Timing: app;dur=…` on every response: the time the server spent on the request (session
/// lookup, handler, rendering; not TLS or the network), in ms. Browsers' developer tools show it;
/// `bmgw bench web` reads it.
struct ServerTimingMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        let d = ContinuousClock.now - start
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        if let name = HTTPField.Name("Server-Timing") { response.headers[name] = "app;dur=\(DecimalText.format(ms, digits: 3))" }
        return response
    }
}
