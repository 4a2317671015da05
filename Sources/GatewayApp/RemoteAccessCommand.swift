import ArgumentParser
import BatteryModel
import Foundation
import GatewayConfig
import GatewayServices
import RemoteAccess
import Storage
import WebUI

struct RemoteAccessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote-access",
        abstract: "Client certificates for Modbus/TCP Security remote access: issue, list, revoke (docs/remote-access.md).",
        subcommands: [Issue.self, List.self, Revoke.self])

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a client certificate to an engineer with a role: certificate and key in one private PEM file, or a PKCS#12 file.",
            discussion: """
                With --format pkcs12 the file's password is read from standard input (never an argument: it would \
                show in the process list), e.g. read -rs P; printf '%s\\n' "$P" | bmgw remote-access issue --format pkcs12 …
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case pem, pkcs12
        }

        @Option(name: .shortAndLong, help: "Configuration file.")
        var config = "config/gateway.yaml"
        @Option(help: "The engineer's name (the certificate's CN).")
        var name: String
        @Option(help: "Role: Viewer, Operator, Engineer, or a role of remoteAccess.roles.")
        var role: String
        @Option(help: "Validity in days (default: remoteAccess.certificateDays).")
        var days: Int?
        @Option(help: "pem: certificate and key, PEM; pkcs12: a password-protected .p12 with the CA (Windows, Java, most Modbus tools).")
        var format: Format = .pem
        @Option(help: "Where to write the file, created 0600.")
        var out: String
        @Option(help: "Who issues it (for the audit log).")
        var by = "bmgw remote-access"

        func run() throws {
            let cfg = try loadConfig(config)
            let settings = cfg.remoteAccess ?? RemoteAccessSettings()
            let pki = try Gateway.remoteAccessPKI(cfg)
            var password = ""
            if format == .pkcs12 {
                password = readLine(strippingNewline: true) ?? ""
                if let problem = RemoteAccessPKI.pkcs12PasswordProblem(password) {
                    throw ValidationError("the PKCS#12 password from standard input: \(problem)")
                }
            }
            let store = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: cfg.dataDirectory), parts: Gateway.tables)
            let issued: RemoteAccessPKI.Issued
            do {
                issued = try store.db.transaction {
                    let i = try pki.issue(name: name, role: role, days: days ?? settings.certificateDays, roles: settings.roles.keys, by: by,
                                          into: IssuedCertificates(db: store.db))
                    try UserStore(db: store.db).audit(user: by, action: "remote-access certificate issued",
                                                      detail: "\(name), role \(role), serial \(i.serial)", now: Timestamp.now.millis)
                    return i
                }
            } catch let e as RemoteAccessPKI.IssueError {
                throw ValidationError(e.description)
            }
            let contents = switch format {
            case .pem: Data((issued.certificatePEM + "\n" + issued.keyPEM).utf8)
            case .pkcs12: Data(try pki.pkcs12(issued, password: password))
            }
            try? FileManager.default.removeItem(atPath: out)
            guard FileManager.default.createFile(atPath: out, contents: contents, attributes: [.posixPermissions: 0o600]) else {
                throw ValidationError("cannot write \(out)")
            }
            print("issued serial \(issued.serial) to \(name) (\(role)), valid until \(Timestamp(issued.notValidAfter).iso)")
            print("certificate and key\(format == .pkcs12 ? " (PKCS#12, with the CA)" : ""): \(out)")
            print("the gateway's CA (for the client to check the gateway): \(pki.authorityFile)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List issued client certificates, newest first.")
        @Option(name: .shortAndLong, help: "Configuration file.")
        var config = "config/gateway.yaml"

        func run() throws {
            let cfg = try loadConfig(config)
            let store = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: cfg.dataDirectory), parts: Gateway.tables, readOnly: true)
            let all = try IssuedCertificates(db: store.db).all()
            if all.isEmpty { print("no certificates issued"); return }
            for c in all {
                let state = c.revokedAt.map { "revoked \(Timestamp(millis: $0).iso)" } ?? "valid until \(Timestamp(millis: c.notAfter).iso)"
                print("\(c.serial)  \(c.role.padding(toLength: 9, withPad: " ", startingAt: 0))  \(c.name)  \(state)")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an issued certificate: a running gateway refuses it at the next connection.")
        @Option(name: .shortAndLong, help: "Configuration file.")
        var config = "config/gateway.yaml"
        @Argument(help: "The certificate's serial (hex, as listed).")
        var serial: String
        @Option(help: "Who revokes it (for the audit log).")
        var by = "bmgw remote-access"

        func run() throws {
            let cfg = try loadConfig(config)
            let store = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: cfg.dataDirectory), parts: Gateway.tables)
            let done = try store.db.transaction {
                let ok = try IssuedCertificates(db: store.db).revoke(serial: serial, by: by, now: Timestamp.now.millis)
                if ok { try UserStore(db: store.db).audit(user: by, action: "remote-access certificate revoked", detail: "serial \(serial)", now: Timestamp.now.millis) }
                return ok
            }
            guard done else { throw ValidationError("no valid certificate with serial \(serial)") }
            print("revoked \(serial)")
        }
    }
}
