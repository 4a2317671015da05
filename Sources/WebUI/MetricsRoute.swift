import Crypto
import Foundation
import GatewayConfig
import HTTPTypes
import Hummingbird
import Logging

/// `GET /metrics` for Prometheus (docs/metrics.md): with the configured bearer token, or from a
/// logged-in web UI session; otherwise 401 and nothing about the plant.
struct MetricsRoute {
    let settings: MetricsSettings
    let exposition: @Sendable (_ cells: Bool) async -> [UInt8]
    let logger: Logger

    func register(_ router: Router<WebContext>) {
        router.get("/metrics") { request, context -> Response in
            guard allowed(request, context) else {
                var r = Response(status: .unauthorized, headers: [.contentType: "text/plain; charset=utf-8"],
                                 body: .init(byteBuffer: .init(string: "a bearer token or a web UI session is required\n")))
                r.headers[.wwwAuthenticate] = "Bearer realm=\"bmgw metrics\""
                return r
            }
            let text = await exposition(settings.cells)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: .init(bytes: text)))
        }
    }

    private func allowed(_ request: Request, _ context: WebContext) -> Bool {
        if let session = context.session, !session.mustChangePassword { return true }
        guard let token = settings.token, let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        // Compared as SHA-256 digests in constant time: the comparison tells nothing about the token.
        let given = SHA256.hash(data: Data(header.dropFirst("Bearer ".count).utf8))
        let expected = SHA256.hash(data: Data(token.utf8))
        return given.withUnsafeBytes { a in expected.withUnsafeBytes { b in zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0 } }
    }
}
