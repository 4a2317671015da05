import ConfigSupport
import Foundation
import GatewayConfig
import RegisterMap
import RemoteAccess
import Storage
import Testing
import SwiftASN1
import X509

@Suite struct RolePolicyTests {
    /// The shipped map: holding register 100 (cell count, 1…120) is its one documented setting.
    let map: RegisterMap = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? RegisterMap.load(file: url.appendingPathComponent("config/registermaps/bmc-v1.yaml").path)) ?? RegisterMap(name: "none")
    }()
    let policy = RolePolicy(roles: RemoteAccessSettings().roles)

    func kind(_ bytes: [UInt8]) throws -> RequestKind { try #require(RequestKind(pdu: bytes)) }

    @Test func theShippedMapNamesItsSetting() {
        #expect(map.writable == [WritableRegister(name: "cellCount", address: 100, values: 1...120)])
    }

    @Test func pdusAreParsedOrRefusedAsMalformed() throws {
        #expect(try kind([4, 0, 0, 0, 3]) == .read)
        #expect(try kind([6, 0, 100, 0, 20]) == .writeRegisters(start: 100, values: [20]))
        #expect(try kind([16, 0, 100, 0, 2, 4, 0, 1, 0, 2]) == .writeRegisters(start: 100, values: [1, 2]))
        #expect(try kind([23, 0, 0, 0, 1, 0, 100, 0, 1, 2, 0, 9]) == .writeRegisters(start: 100, values: [9]))
        #expect(try kind([5, 0, 1, 0xFF, 0]) == .other(function: 5))
        #expect(RequestKind(pdu: []) == nil && RequestKind(pdu: [3, 0, 0]) == nil, "short")
        #expect(RequestKind(pdu: [16, 0, 100, 0, 2, 3, 0, 1, 0]) == nil, "byte count disagrees with the quantity")
    }

    @Test func rolesMapToPermissions() throws {
        let read = try kind([3, 0, 100, 0, 1]), setting = try kind([6, 0, 100, 0, 20])
        #expect(policy.refusal(role: "Viewer", request: read, map: map) == nil)
        #expect(policy.refusal(role: "Viewer", request: setting, map: map) == "role 'Viewer' may only read")
        #expect(policy.refusal(role: "Operator", request: setting, map: map) == nil)
        #expect(policy.refusal(role: "Operator", request: try kind([6, 0, 200, 0, 1]), map: map) == "register 200 is not a documented setting (an Engineer's)")
        #expect(policy.refusal(role: "Operator", request: try kind([6, 0, 100, 1, 0xF4]), map: map) == "cellCount accepts 1…120, not 500")
        #expect(policy.refusal(role: "Operator", request: try kind([16, 0, 99, 0, 2, 4, 0, 1, 0, 16]), map: map) != nil, "one of two outside the set")
        #expect(policy.refusal(role: "Operator", request: try kind([5, 0, 1, 0xFF, 0]), map: map) == "role 'Operator' may not use function 5")
        #expect(policy.refusal(role: "Engineer", request: try kind([6, 0, 200, 0, 1]), map: map) == nil)
        #expect(policy.refusal(role: "engineer", request: read, map: map) == "role 'engineer' has no permissions here", "case-sensitive")
        #expect(policy.refusal(role: nil, request: read, map: map) == "the certificate carries no role")
    }

    @Test func issuedCertificatesCarryTheRoleAndAreRecorded() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ra-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pki = try RemoteAccessPKI.load(directory: "\(dir)/remote-access", hostName: "gw.example", organization: "Test")
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(dir)/remote-access/ca-key.pem")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let db = try GatewayDatabase(path: "\(dir)/db.sqlite", parts: [RemoteAccessTables.schema])
        let store = IssuedCertificates(db: db.db)
        let issued = try pki.issue(name: "Otto Operator", role: "Operator", days: 30, roles: ["Operator"], by: "admin", into: store)
        let cert = try Certificate(pemEncoded: issued.certificatePEM)
        #expect(RemoteAccessPKI.role(of: cert) == "Operator")
        #expect(cert.issuer == pki.authority.subject && RemoteAccessPKI.hex(cert.serialNumber) == issued.serial)
        #expect(try store.all().map(\.name) == ["Otto Operator"])
        #expect(throws: RemoteAccessPKI.IssueError.self) { try pki.issue(name: "X", role: "Boss", days: 1, roles: ["Operator"], by: "a", into: store) }
        #expect(throws: RemoteAccessPKI.IssueError.self) { try pki.issue(name: " ", role: "Operator", days: 1, roles: ["Operator"], by: "a", into: store) }
        #expect(try !store.isRevoked(serial: issued.serial))
        #expect(try store.revoke(serial: issued.serial, by: "admin", now: 1))
        #expect(try store.isRevoked(serial: issued.serial) && !store.revoke(serial: issued.serial, by: "admin", now: 2))
        // The same authority is loaded at the next start.
        let again = try RemoteAccessPKI.load(directory: "\(dir)/remote-access", hostName: "gw.example", organization: "Test")
        #expect(again.authority == pki.authority)
    }
}
