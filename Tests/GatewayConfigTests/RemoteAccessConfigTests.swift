import GatewayConfig
import Testing

@Suite struct RemoteAccessConfigTests {
    @Test func offByDefaultWithTheStandardsDefaults() throws {
        #expect(try load(validConfig).remoteAccess == nil)
        let r = try #require(try load(validConfig + "\nremoteAccess: {}\n").remoteAccess)
        #expect(r.host == "0.0.0.0" && r.port == 802 && r.maxConnections == 4 && r.idleTimeout == .seconds(300) && r.units.isEmpty)
        #expect(r.roles == ["Viewer": .read, "Operator": .settings, "Engineer": .any])
        let off = try load(validConfig + "\nremoteAccess: { enabled: false }\n")
        #expect(off.remoteAccess == nil)
    }

    @Test func unitsAndRolesAreChecked() throws {
        let c = try load(validConfig + "\nremoteAccess: { units: { 7: s2 }, roles: { Auditor: read } }\n")
        #expect(c.remoteAccess?.units == [7: "s2"] && c.remoteAccess?.roles == ["Auditor": .read])
        let p = try problems(validConfig + "\nremoteAccess: { listen: \"802\", units: { 0: s1, 9: nope }, roles: { Boss: everything } }\n")
        #expect(p.contains { $0.hasSuffix("remoteAccess.listen: '802' is not HOST:PORT") }, "\(p)")
        #expect(p.contains { $0.hasSuffix("remoteAccess.units.0: '0' is not a unit id 1…247") }, "\(p)")
        #expect(p.contains { $0.hasSuffix("remoteAccess.units.9: no string 'nope'") }, "\(p)")
        #expect(p.contains { $0.contains("remoteAccess.roles.Boss:") }, "\(p)")
    }
}
