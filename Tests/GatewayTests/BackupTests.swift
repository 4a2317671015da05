import Foundation
import GatewayServices
import Simulator
import Storage
import Synchronization
import TestSupport
import Testing

/// Backup and restore (docs/operations.md › Backup and restore): an archive made from the web UI and
/// from the console while the gateway runs, read by GNU tar, restored onto a fresh install and into
/// the original place, where the restored gateway lets the restored administrator in; archives that
/// are damaged, cut short or from a newer gateway are refused before anything changes.
@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(3))) struct BackupTests {
    @Test func aBackupOfTheRunningGatewayRestoresOntoAFreshInstall() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let data = "\(dir.path)/data"
        let (sim, port) = try startSimulator(units: [1, 2], cells: 8)
        let https = try freePort()
        // Every cell below a 20 V "low" limit: alarms from the first poll on.
        let config = try dir.write("g.yaml", configText(data: data, endpoints: [.tcp(port: port, unit: 1), .tcp(port: port, unit: 2)], cells: 8, extra: """
            web: { listen: "127.0.0.1:\(https)", redirectFrom: "" }
            alarms:
              defaults:
                cellVoltageHigh: { limit: 30 }
                cellVoltageLow: { limit: 20, onDelay: 0s }

            """))
        var gw: RunningGateway? = try RunningGateway(configFile: config)
        #expect(await eventually(30) { accepts(port: https) && FileManager.default.fileExists(atPath: "\(data)/web-cert.pem") })
        let browser = Browser(base: "https://127.0.0.1:\(https)", ca: "\(data)/web-cert.pem", jar: "\(dir.path)/cookies", dir: dir.path)
        let csrf = try await browser.loginAsNewAdministrator(password: "restored-pass-123")
        let saved = try await browser.request("/settings/project", form: ["csrf": csrf, "name": "Backup plant", "company": "", "url": "", "owner": ""])
        #expect(saved.status == 200 && FileManager.default.fileExists(atPath: "\(data)/settings.yaml"), "\(saved.body.suffix(300))")
        let database = "\(data)/history.sqlite"
        #expect(await eventuallyOffPool(20) { ((try? count(database, "alarms")) ?? 0) >= 16 && ((try? count(database, "samples")) ?? 0) >= 6 },
                "alarms and samples are stored")

        // The page shows what goes in; a backup made there is listed and downloaded.
        let page = try await browser.request("/settings/backup")
        #expect(page.status == 200 && page.body.contains("data/history.sqlite") && page.body.contains("data/settings.yaml")
            && page.body.contains("id=\"history-size\""), "\(page.body.suffix(600))")
        let samplesAtRequest = try count(database, "samples")
        let started = try await browser.request("/settings/backup", form: ["csrf": csrf, "history": "on", "secrets": "on"])
        #expect(started.body.contains("Backup bmgw-backup-test-gw-"), "\(started.body.suffix(600))")
        let name = Mutex<String>("")
        #expect(await eventuallyOffPool(30) {
            let body = (try? browser.requestBlocking("/settings/backup", form: nil, url: nil).body) ?? ""
            guard let r = body.range(of: "href=\"/settings/backup/") else { return false }
            name.withLock { $0 = String(body[r.upperBound...].prefix { $0 != "\"" }) }
            return true
        }, "the backup is made and listed")
        let archive = "\(dir.path)/web.tar"
        let (_, code) = try run("curl", ["-s", "--cacert", "\(data)/web-cert.pem", "-b", "\(dir.path)/cookies", "-o", archive, "-w", "%{http_code}",
                                         "https://127.0.0.1:\(https)/settings/backup/\(name.withLock { $0 })"])
        #expect(code == "200")
        // GNU tar reads it: the manifest first, then each part.
        let (_, listing) = try run("tar", ["tf", archive])
        let names = listing.split(separator: "\n").map(String.init)
        #expect(names.first == "manifest.json" && names.contains("config/gateway.yaml") && names.contains("data/history.sqlite")
            && names.contains("data/settings.yaml") && names.contains("data/web-key.pem"), "\(names)")

        // From the console, without the history; a restore is refused while the gateway runs.
        let (small, smallOut, smallErr) = try await offPool { try runBMGW(["backup", "-c", config, "--no-history", "\(dir.path)/small.tar"]) }
        #expect(small == 0 && smallOut.contains("without its history of"), "\(smallOut) \(smallErr)")
        let (busy, _, busyErr) = try await offPool { try runBMGW(["restore", "-c", config, archive]) }
        #expect(busy == 1 && busyErr.contains("the gateway is running"), "\(busyErr)")

        try await gw?.stop()
        gw = nil
        let before = try (["samples", "alarms", "users", "audit_log"]).map { try count(database, $0) }

        // Onto a fresh install: another configuration file, an empty data folder.
        let fresh = try TempDir()
        defer { fresh.cleanup() }
        let freshConfig = try fresh.write("gateway.yaml", "# the package's example\n")
        let (rc, out, err) = try await offPool { try runBMGW(["restore", "-c", freshConfig, "--data", "\(fresh.path)/data", archive]) }
        #expect(rc == 0 && out.contains("all checked"), "\(out) \(err)")
        // The copy is of the moment the backup ran: the samples logged until then, the same users and alarms.
        let copied = try (["samples", "alarms", "users", "audit_log"]).map { try count("\(fresh.path)/data/history.sqlite", $0) }
        #expect(copied[0] >= samplesAtRequest && copied[0] <= before[0] && copied[1] == before[1] && copied[2] == before[2]
            && copied[3] >= 1 && copied[3] <= before[3], "restored \(copied), at the request \(samplesAtRequest) samples, at the stop \(before)")
        #expect(try String(contentsOfFile: freshConfig, encoding: .utf8) == String(contentsOfFile: config, encoding: .utf8))
        #expect(try String(contentsOfFile: "\(fresh.path)/data/settings.yaml", encoding: .utf8).contains("Backup plant"))
        #expect(FileManager.default.contentsEqual(atPath: "\(fresh.path)/data/web-key.pem", andPath: "\(data)/web-key.pem"))
        #expect(try String(contentsOfFile: "\(freshConfig).before-restore-\(Self.stampGlob(fresh.path))", encoding: .utf8) == "# the package's example\n",
                "the replaced configuration is kept aside")

        // Without the history: users and alarms, no samples.
        let (rc2, out2, err2) = try await offPool { try runBMGW(["restore", "-c", "\(fresh.path)/other.yaml", "--data", "\(fresh.path)/other", "\(dir.path)/small.tar"]) }
        #expect(rc2 == 0, "\(out2) \(err2)")
        #expect(try count("\(fresh.path)/other/history.sqlite", "samples") == 0)
        #expect(try count("\(fresh.path)/other/history.sqlite", "users") == before[2] && count("\(fresh.path)/other/history.sqlite", "alarms") == before[1])

        // Into the original place after losing it: the gateway starts on it, the restored administrator logs in.
        try FileManager.default.removeItem(atPath: data)
        let (rc3, out3, err3) = try await offPool { try runBMGW(["restore", "-c", config, archive]) }
        #expect(rc3 == 0, "\(out3) \(err3)")
        let again = try RunningGateway(configFile: config)
        #expect(await eventually(30) { accepts(port: https) })
        let restored = Browser(base: "https://127.0.0.1:\(https)", ca: "\(data)/web-cert.pem", jar: "\(dir.path)/cookies2", dir: dir.path)
        let login = try await restored.request("/login", form: ["username": "admin", "password": "restored-pass-123"])
        #expect(login.status == 303 || login.status == 302, "the restored password lets the administrator in: \(login.status)")
        let home = try await restored.request("/")
        #expect(home.status == 200 && home.body.contains("Backup plant"), "the restored project settings")
        try await again.stop()
        await sim.stop()
    }

    @Test func damagedTruncatedAndNewerArchivesAreRefusedBeforeAnythingChanges() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let data = "\(dir.path)/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let config = try dir.write("g.yaml", configText(data: data, endpoints: [.tcp(port: 1502, unit: 1)], cells: 4))
        _ = try GatewayDatabase(path: "\(data)/history.sqlite", parts: Gateway.tables)
        let archive = "\(dir.path)/b.tar"
        let (made, _, madeErr) = try runBMGW(["backup", "-c", config, archive])
        #expect(made == 0, "\(madeErr)")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: archive)))

        // One byte changed inside the database's entry.
        var damaged = bytes
        damaged[bytes.count / 2] ^= 0xFF
        try Data(damaged).write(to: URL(fileURLWithPath: "\(dir.path)/damaged.tar"))
        let (rc1, _, err1) = try runBMGW(["restore", "-c", config, "--check", "\(dir.path)/damaged.tar"])
        #expect(rc1 == 1 && err1.contains("damaged"), "\(err1)")
        // Cut short.
        try Data(bytes.prefix(bytes.count / 3)).write(to: URL(fileURLWithPath: "\(dir.path)/short.tar"))
        let (rc2, _, err2) = try runBMGW(["restore", "-c", config, "\(dir.path)/short.tar"])
        #expect(rc2 == 1 && err2.contains("truncated"), "\(err2)")
        // Not a backup at all.
        let other = try dir.write("other.tar", String(repeating: "x", count: 2048))
        let (rc3, _, err3) = try runBMGW(["restore", "-c", config, other])
        #expect(rc3 == 1 && !err3.isEmpty, "\(err3)")

        // From a gateway whose alarm tables are newer than ours: refused, nothing touched.
        let newer = try SQLiteConnection(path: "\(data)/history.sqlite")
        try newer.execute("UPDATE schema_parts SET version = 99 WHERE name = 'alarms'")
        let (made2, _, _) = try runBMGW(["backup", "-c", config, "\(dir.path)/newer.tar"])
        #expect(made2 == 0)
        let configBefore = try String(contentsOfFile: config, encoding: .utf8)
        let (rc4, _, err4) = try runBMGW(["restore", "-c", config, "--data", "\(dir.path)/target", "\(dir.path)/newer.tar"])
        #expect(rc4 == 1 && err4.contains("the alarms tables are at version 99") && err4.contains("Install gateway"), "\(err4)")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == configBefore)
        #expect(!FileManager.default.fileExists(atPath: "\(dir.path)/target"), "nothing restored")
    }

    /// The time stamp of the one `*.before-restore-*` file in `folder`.
    static func stampGlob(_ folder: String) -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.first { $0.contains(".before-restore-") }.map { String($0.split(separator: "-").last ?? "") } ?? ""
    }
}

/// Rows of a table, read with a connection of its own.
private func count(_ database: String, _ table: String) throws -> Int64 {
    let db = try SQLiteConnection(path: database, readOnly: true)
    return try db.scalar("SELECT count(*) FROM \(table)") ?? 0
}
