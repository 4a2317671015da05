import GatewayConfig
import Testing

@Suite struct WebConfigTests {
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
