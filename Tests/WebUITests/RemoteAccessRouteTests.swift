import Foundation
import GatewayConfig
import HTTPTypes
import NIOCore
import HummingbirdTesting
import RemoteAccess
import Storage
import Testing
@testable import WebUI
import SwiftASN1
import X509

extension RouteTests {
    @Test func administratorsIssueListAndRevokeRemoteAccessCertificates() async throws {
        let f = try await Fixture()
        try await f.asAdministrator { client, cookie, csrf in
            // A wrong role and a name of spaces: said at their fields, nothing issued.
            let bad = try await client.post("/settings/remote-access/issue", form: ["csrf": csrf, "name": "Otto", "role": "Boss", "days": "30"], cookie: cookie)
            let badPage = String(buffer: bad.body).replacingOccurrences(of: "&#39;", with: "'")
            #expect(bad.status == .badRequest && badPage.contains("id=\"role-problem\">role: 'Boss' is not one of Engineer, Operator, Viewer"), "\(badPage)")
            let blank = try await client.post("/settings/remote-access/issue", form: ["csrf": csrf, "name": "  ", "role": "Viewer", "days": "30"], cookie: cookie)
            #expect(blank.status == .badRequest && String(buffer: blank.body).contains("id=\"name-problem\""))
            let noCSRF = try await client.post("/settings/remote-access/issue", form: ["name": "Otto", "role": "Viewer", "days": "30"], cookie: cookie)
            #expect(noCSRF.status != .ok)
            #expect(try await f.store.run { try IssuedCertificates(db: $0.db).all() }.isEmpty)

            // Issued: downloaded at once as certificate + key, with the role in the certificate.
            let issued = try await client.post("/settings/remote-access/issue",
                                               form: ["csrf": csrf, "name": "Otto Operator", "role": "Operator", "days": "30"], cookie: cookie)
            #expect(issued.status == .ok && issued.headers[.contentDisposition] == "attachment; filename=\"btms-remote-access-otto-operator.pem\"")
            let pem = String(buffer: issued.body)
            #expect(pem.contains("-----BEGIN PRIVATE KEY-----"), "the key, PKCS #8: \(pem)")
            let cert = try Certificate(pemEncoded: String(pem[..<(pem.range(of: "-----END CERTIFICATE-----")?.upperBound ?? pem.endIndex)]))
            #expect(RemoteAccessPKI.role(of: cert) == "Operator")
            let serial = RemoteAccessPKI.hex(cert.serialNumber)

            // Listed; then revoked from the page, and the audit log has both.
            let list = String(buffer: try await client.get("/settings/remote-access", cookie: cookie).body)
            #expect(list.contains("id=\"cert-\(serial)\"") && list.contains("Otto Operator") && list.contains("id=\"revoke-\(serial)\""))
            let ca = try await client.get("/settings/remote-access/ca.pem", cookie: cookie)
            #expect(String(buffer: ca.body).hasPrefix("-----BEGIN CERTIFICATE-----"))
            let revoked = try await client.post("/settings/remote-access/\(serial)/revoke", form: ["csrf": csrf], cookie: cookie)
            #expect(String(buffer: revoked.body).contains("Revoked \(serial)") && !String(buffer: revoked.body).contains("id=\"revoke-\(serial)\""))
            #expect(try await f.store.run { try IssuedCertificates(db: $0.db).isRevoked(serial: serial) })
            let audit = try await f.store.run { try UserStore(db: $0.db).auditLog() }.map(\.action)
            #expect(audit.contains("remote-access certificate issued") && audit.contains("remote-access certificate revoked"))
        }
    }

    @Test func aCertificateComesAsPKCS12WithAPassword() async throws {
        let f = try await Fixture()
        try await f.asAdministrator { client, cookie, csrf in
            // Too short a password: said at its field, before anything is issued.
            let short = try await client.post("/settings/remote-access/issue", form: [
                "csrf": csrf, "name": "Pia", "role": "Viewer", "days": "30", "format": "pkcs12", "password": "seven77"], cookie: cookie)
            #expect(short.status == .badRequest && String(buffer: short.body).contains("id=\"password-problem\">at least 8 characters"))
            #expect(try await f.store.run { try IssuedCertificates(db: $0.db).all() }.isEmpty)

            let issued = try await client.post("/settings/remote-access/issue", form: [
                "csrf": csrf, "name": "Pia Engineer", "role": "Engineer", "days": "30", "format": "pkcs12", "password": "correct horse"], cookie: cookie)
            #expect(issued.status == .ok && issued.headers[.contentType] == "application/x-pkcs12")
            #expect(issued.headers[.contentDisposition] == "attachment; filename=\"btms-remote-access-pia-engineer.p12\"")
            // OpenSSL opens it with the password (and not without): the engineer's certificate with its role, then the CA, and the key.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("pia-\(UUID().uuidString).p12")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(issued.body.readableBytesView).write(to: file)
            let wrong = try openssl(["pkcs12", "-in", file.path, "-passin", "pass:wrong horse", "-nodes"])
            #expect(wrong.status != 0 && !wrong.out.contains("PRIVATE KEY"))
            let opened = try openssl(["pkcs12", "-in", file.path, "-passin", "pass:correct horse", "-nodes"])
            #expect(opened.status == 0 && opened.out.contains("-----BEGIN PRIVATE KEY-----"), "\(opened)")
            let certs = opened.out.components(separatedBy: "-----END CERTIFICATE-----").dropLast().map {
                String($0[($0.range(of: "-----BEGIN CERTIFICATE-----")?.lowerBound ?? $0.startIndex)...]) + "-----END CERTIFICATE-----"
            }
            let leaf = try Certificate(pemEncoded: try #require(certs.first))
            #expect(RemoteAccessPKI.role(of: leaf) == "Engineer" && certs.count == 2)
            #expect(try Certificate(pemEncoded: certs[1]).subject == leaf.issuer)
            let audit = try await f.store.run { try UserStore(db: $0.db).auditLog() }
            #expect(audit.contains { $0.action == "remote-access certificate issued" && $0.detail.hasSuffix("PKCS#12") && !$0.detail.contains("horse") })
        }
    }

    @Test func remoteWritesAreListedBesideTheAlarms() async throws {
        let f = try await Fixture()
        try await f.store.run { db in
            let log = RemoteWriteLog(db: db.db)
            try log.add(RemoteWriteEntry(at: 1_764_560_000_000, stringId: "s1", client: "remote:Otto Operator", role: "Operator",
                                         detail: "unit 1 (s1) register 100 = 20"))
            try log.add(RemoteWriteEntry(at: 1_764_560_060_000, stringId: "s2", client: "remote:Eve <Engineer>", role: "Engineer",
                                         detail: "unit 2 (s2) registers 200…201 = 1, 2"))
        }
        try await f.asAdministrator { client, cookie, _ in
            let site = String(buffer: try await client.get("/alarms/remote-writes", cookie: cookie).body)
            let table = String(site[(site.range(of: "id=\"remote-writes\"")?.lowerBound ?? site.endIndex)...])
            #expect(table.contains("Eve &lt;Engineer&gt;") && table.contains("unit 1 (s1) register 100 = 20"), "\(site)")
            #expect((table.range(of: "unit 2 (s2)")?.lowerBound ?? table.endIndex) < (table.range(of: "unit 1 (s1)")?.lowerBound ?? table.startIndex),
                    "newest first")
            // A string's alarm page shows its own writes only; the alarm tab links the log.
            let s1 = String(buffer: try await client.get("/strings/s1/alarms", cookie: cookie).body)
            #expect(s1.contains("<h2>Remote writes</h2>") && s1.contains("register 100 = 20") && !s1.contains("Eve"), "\(s1)")
            #expect(s1.contains("href=\"/alarms/remote-writes\""))
            let json = try JSONSerialization.jsonObject(with: Data(try await client.get("/api/v1/remote-writes", cookie: cookie).body.readableBytesView))
            let rows = try #require(json as? [[String: String]])
            #expect(rows.map { $0["string"] } == ["s2", "s1"] && rows.last?["client"] == "Otto Operator" && rows.last?["ups"] == "u1", "\(rows)")
            #expect(rows.last?["time"] == "2025-12-01T03:33:20.000Z", "\(rows)")
        }
    }

    /// OpenSSL's command line: exit status and standard output.
    private func openssl(_ arguments: [String]) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func theListenerSettingsAreCheckedLikeTheFile() async throws {
        let f = try await Fixture()
        try await f.asAdministrator { client, cookie, csrf in
            let page = String(buffer: try await client.get("/settings/remote-access-listener", cookie: cookie).body)
            #expect(page.contains("id=\"listen\"") && page.contains("id=\"requestsPerSecond\""))
            let bad = try await client.post("/settings/remote-access-listener",
                                            form: ["csrf": csrf, "enabled": "true", "listen": "802", "maxConnections": "500"], cookie: cookie)
            let text = String(buffer: bad.body).replacingOccurrences(of: "&#39;", with: "'")
            #expect(bad.status == .badRequest && text.contains("id=\"listen-problem\">'802' is not HOST:PORT"), "\(text)")
            #expect(text.contains("id=\"maxConnections-problem\""), "\(text)")
            let good = try await client.post("/settings/remote-access-listener",
                                             form: ["csrf": csrf, "enabled": "true", "listen": "0.0.0.0:8802", "maxConnections": "2"], cookie: cookie)
            #expect(good.status == .ok || good.status == .found, "\(String(buffer: good.body))")
            #expect(f.backend.current.remoteAccess?.port == 8802 && f.backend.current.remoteAccess?.maxConnections == 2)
        }
    }
}
