import GatewayConfig
import Testing

@Suite struct WebConfigTests {
    @Test func metricsAreOffUnlessAskedAndTheTokenIsChecked() throws {
        #expect(try #require(try load(validConfig + "\nweb: {}\n").web).metrics == nil)
        let m = try #require(try load(validConfig + "\nweb: { metrics: { token: abcdefghijklmnop-1 } }\n").web?.metrics)
        #expect(m.token == "abcdefghijklmnop-1" && !m.cells)
        #expect(try #require(try load(validConfig + "\nweb: { metrics: {} }\n").web?.metrics).token == nil, "sessions only")
        let p = try problems(validConfig + "\nweb: { metrics: { token: short-secret, pages: 2 } }\n")
        #expect(p.contains { $0.hasSuffix("web.metrics.token: must be at least 16 ASCII characters without spaces") }, "\(p)")
        #expect(p.contains { $0.contains("web.metrics.pages: unknown key") } && !p.joined().contains("short-secret"), "\(p)")
    }

    @Test func defaultsAndChecks() throws {
        let c = try load(validConfig + "\nweb: {}\n")
        let w = try #require(c.web)
        #expect(w.host == "0.0.0.0" && w.port == 8443 && w.redirectPort == 8080 && w.certFile == nil && w.sessionTimeout == .seconds(1800))
        let p = try problems(validConfig + "\nweb: { listen: \"8443\", redirectFrom: \"0.0.0.0:8443\", certFile: c.pem, sessionTimeout: 5s }\n")
        #expect(p.contains { $0.hasSuffix("web.listen: '8443' is not HOST:PORT") }, "\(p)")
        #expect(p.contains { $0.hasSuffix("web.keyFile: give both certFile and keyFile, or neither (self-signed)") })
        #expect(p.contains { $0.contains("web.sessionTimeout:") })
        let same = try problems(validConfig + "\nweb: { listen: \"0.0.0.0:9000\", redirectFrom: \"0.0.0.0:9000\" }\n")
        #expect(same.contains { $0.hasSuffix("web.redirectFrom: must not be the HTTPS port 9000") })
        let noRedirect = try load(validConfig + "\nweb: { redirectFrom: \"\" }\n")
        #expect(noRedirect.web?.redirectPort == nil)
    }
}
