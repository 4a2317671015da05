import Foundation
import GatewayApp
import GatewayServices
import Simulator
import TestSupport
import Testing

/// schemathesis against the OpenAPI document, over live TLS with a logged-in session: no 5xx, and
/// every answer as the document says (status codes, content types, schemas).
@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(3))) struct WebAPITests {
    @Test func schemathesisFindsNothing() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (gw, sim, _, https) = try await startWebGateway(dir)
        let browser = Browser(base: "https://127.0.0.1:\(https)", ca: "\(dir.path)/web-cert.pem", jar: "\(dir.path)/cookies", dir: dir.path)

        // The document served is the one kept in docs/.
        let served = try await browser.request("/api/v1/openapi.yaml")
        let kept = try String(contentsOfFile: repoRoot.appendingPathComponent("docs/openapi.yaml").path, encoding: .utf8)
        #expect(served.status == 200 && served.body == kept, "docs/openapi.yaml and the served document differ")

        // A session that may use the API: the default administrator with its password changed.
        _ = try await browser.request("/login", form: ["username": "admin", "password": "admin"])
        let csrf = try #require(Browser.csrf(try await browser.request("/password").body))
        _ = try await browser.request("/password", form: ["csrf": csrf, "current": "admin", "new": "schema-pass-123", "confirm": "schema-pass-123"])
        let jar = try String(contentsOfFile: browser.jar, encoding: .utf8)
        let token = try #require(jar.split(separator: "\n").first { $0.contains("bmgw_session") }?.split(separator: "\t").last.map(String.init))
        #expect(try await browser.request("/api/v1/live").status == 200)

        let stArguments = ["run", repoRoot.appendingPathComponent("docs/openapi.yaml").path,
                                         "--url", "https://127.0.0.1:\(https)/api/v1", "-H", "Cookie: bmgw_session=\(token)",
                                         "--tls-verify", "\(dir.path)/web-cert.pem", "--workers", "1", "-n", "40", "--seed", "1",
                                         "-c", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                                         "--report-dir", "\(dir.path)/st-report"]
        // In the test's folder: schemathesis keeps a cache where it runs.
        let (code, out) = try await offPool { try run("st", stArguments, directory: dir.path) }
        #expect(code == 0, "\(out.suffix(3000))")
        try await gw.stop()
        await sim.stop()
    }
}
