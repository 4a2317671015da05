import BatteryModel
import Foundation
import GatewayApp
import GatewayServices
import GatewayConfig
import HummingbirdBcrypt
import Simulator
import Storage
import Synchronization
import TestSupport
import Testing
import Uplink
import Notifications
import WebUI

/// The settings pages over live TLS: each form checked like the configuration file with the problem
/// at its field, saved to `<data>/settings.yaml`, applied without a restart (SNMP answered by
/// net-snmp's snmpget; network and time as system files and the apply command), audited, kept
/// across a restart; read-only for viewers.
@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(3))) struct WebSettingsTests {
    @Test func settingsAreCheckedAppliedAuditedAndKept() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let base = try #require(smiBaseDirectory, "run scripts/install-deps.sh --test for the SMIv2 base modules")
        let snmpPort = try freePort()
        let apply = try dir.write("apply.sh", "#!/bin/sh\nenv | grep '^BMGW_' | sort > \"$BMGW_SYSTEM_DIR/applied-$BMGW_CHANGED.env\"\necho applied $BMGW_CHANGED\n")
        // Run by /bin/sh rather than executed: a process another test spawns while this file is open for
        // writing inherits that descriptor, and exec of the file then fails (ETXTBSY) while it lives.
        // A `bmgw run` process: net-snmp's agent is one per process, and SNMPTests has this one's.
        let (sim, port) = try startSimulator(units: [1, 2], cells: 8)
        let https = try freePort()
        let config = try dir.write("g.yaml", configText(data: dir.path, endpoints: [.tcp(port: port, unit: 1), .tcp(port: port, unit: 2)], cells: 8, extra: """
            web: { listen: "127.0.0.1:\(https)", redirectFrom: "" }
            snmp: { listen: "udp:127.0.0.1:\(snmpPort)", community: old-community, sources: [127.0.0.1] }
            system: { applyCommand: ["/bin/sh", "\(apply)"] }

            """))
        let gw = try startGatewayProcess(config: config, log: "\(dir.path)/gateway.log")
        var running = true
        defer { if running { kill(gw, SIGKILL); _ = waitExit(gw) } }
        #expect(await eventually(30) { accepts(port: https) && FileManager.default.fileExists(atPath: "\(dir.path)/web-cert.pem") })
        let browser = Browser(base: "https://127.0.0.1:\(https)", ca: "\(dir.path)/web-cert.pem", jar: "\(dir.path)/cookies", dir: dir.path)
        let csrf = try await browser.loginAsNewAdministrator()
        let mibs = ["-M", "+\(base):\(repoRoot.appendingPathComponent("mibs").path)", "-m", "BTMS-GATEWAY-MIB"]
        // snmpget blocks (up to its 1 s timeout): always off the cooperative threads.
        @Sendable func snmpgetBlocking(_ community: String) -> Int32 {
            (try? run("snmpget", ["-v2c", "-c", community, "-t", "1", "-r", "0"] + mibs + ["127.0.0.1:\(snmpPort)", "btmsGatewayId.0"]).0) ?? -1
        }
        func snmpget(_ community: String) async throws -> Int32 { try await offPool { snmpgetBlocking(community) } }
        #expect(await eventuallyOffPool { snmpgetBlocking("old-community") == 0 })

        // SNMP: the file's section is shown (the community never is); wrong values named at their fields.
        let snmpPage = try await browser.request("/settings/snmp")
        #expect(snmpPage.status == 200 && snmpPage.body.contains("value=\"udp:127.0.0.1:\(snmpPort)\"") && !snmpPage.body.contains("old-community"))
        let bad = try await browser.request("/settings/snmp", form: [
            "csrf": csrf, "enabled": "true", "listen": "udp:127.0.0.1:\(snmpPort)", "v2c": "true", "community": "two words",
            "trapDestinations": "nohost", "users[0].name": "nms", "users[0].authPassphrase": "short", "users[0].privPassphrase": "priv-pass-1"])
        #expect(bad.status == 400)
        #expect(bad.body.contains("id=\"community-problem\">must be one word"), "\(bad.body.suffix(3000))")
        #expect(bad.body.contains("id=\"trapDestinations-problem\">&#39;nohost&#39; is not HOST:PORT"))
        #expect(bad.body.contains("id=\"users[0].authPassphrase-problem\">"), "a table cell's problem is at that cell")
        #expect(!FileManager.default.fileExists(atPath: "\(dir.path)/settings.yaml"), "nothing saved")
        #expect(try await snmpget("old-community") == 0, "nothing applied")
        #expect(try await browser.request("/settings/snmp", form: ["community": "x"]).status == 403, "no CSRF token")

        let good = try await browser.request("/settings/snmp", form: [
            "csrf": csrf, "enabled": "true", "listen": "udp:127.0.0.1:\(snmpPort)", "v2c": "true", "community": "new-community",
            "sources": "127.0.0.0/8, ::1", "users[0].name": "nms", "users[0].authPassphrase": "auth-pass-1", "users[0].privPassphrase": "priv-pass-1",
            "users[0].access": "read", "batteryMib": "true", "batteryNotifications": "true"])
        #expect(good.status == 200 && good.body.contains("Saved and applied."), "\(good.body.suffix(2000))")
        #expect(await eventuallyOffPool { snmpgetBlocking("new-community") == 0 }, "the new community answers without a restart")
        #expect(try await snmpget("old-community") != 0, "the old one no longer")
        let v3 = try await offPool {
            try run("snmpget", ["-v3", "-l", "authPriv", "-u", "nms", "-a", "SHA-256", "-A", "auth-pass-1", "-x", "AES", "-X", "priv-pass-1",
                                "-t", "1", "-r", "0"] + mibs + ["127.0.0.1:\(snmpPort)", "btmsGatewayId.0"])
        }
        #expect(v3.0 == 0, "the v3 user added in the form answers: \(v3.1)")
        let saved = try String(contentsOfFile: "\(dir.path)/settings.yaml", encoding: .utf8)
        #expect(saved.contains("community: new-community") && saved.contains("- 127.0.0.0/8"))
        let mode = try FileManager.default.attributesOfItem(atPath: "\(dir.path)/settings.yaml")[.posixPermissions] as? Int
        #expect(mode == 0o600, "it holds passwords")

        // Saving again with the secret fields empty keeps the secrets.
        let again = try await browser.request("/settings/snmp", form: [
            "csrf": csrf, "enabled": "true", "listen": "udp:127.0.0.1:\(snmpPort)", "v2c": "true", "users[0].name": "nms", "users[0].access": "read",
            "batteryMib": "true", "batteryNotifications": "true"])
        #expect(again.status == 200)
        #expect(try await snmpget("new-community") == 0)
        #expect(try String(contentsOfFile: "\(dir.path)/settings.yaml", encoding: .utf8).contains("authPassphrase: auth-pass-1"))

        // The JSON API: secrets masked; a wrong value named by its field; administrators only.
        let api = try await browser.request("/api/v1/settings/snmp")
        #expect(api.status == 200 && api.body.contains("\"community\":\"(set)\"") && !api.body.contains("new-community"), "\(api.body)")
        let apiBad = try await browser.post("/api/v1/settings/snmp", json: #"{"community": "two words", "v2c": true}"#)
        #expect(apiBad.status == 400 && apiBad.body.contains(#"{"field":"community","message":"must be one word"}"#), "\(apiBad.body)")
        #expect(try await browser.request("/api/v1/settings/snmp", curl: ["--data", "listen=x"]).status == 415, "JSON only")

        // Network: files for systemd-networkd, then the apply command with the change named.
        let badNet = try await browser.request("/settings/network", form: [
            "csrf": csrf, "lan.interface": "eth0", "lan.mode": "static", "lan.address": "192.168.1.300", "lan.netmask": "255.0.255.0"])
        #expect(badNet.status == 400 && badNet.body.contains("id=\"lan.address-problem\">&#39;192.168.1.300&#39; is not an IPv4 address")
                && badNet.body.contains("id=\"lan.netmask-problem\">"))
        #expect(badNet.body.contains("value=\"192.168.1.300\""), "the typed value is kept")
        let net = try await browser.request("/settings/network", form: [
            "csrf": csrf, "lan.interface": "eth0", "lan.mode": "static", "lan.address": "192.168.1.20", "lan.netmask": "255.255.255.0",
            "lan.gateway": "192.168.1.1", "lan.dns": "192.168.1.1, 9.9.9.9", "wan.interface": "eth1", "wan.mode": "dhcp"])
        #expect(net.status == 200 && net.body.contains("applied by /bin/sh"), "\(net.body.suffix(1500))")
        let lan = try String(contentsOfFile: "\(dir.path)/system/network/10-bmgw-lan.network", encoding: .utf8)
        #expect(lan.contains("Name=eth0") && lan.contains("Address=192.168.1.20/24") && lan.contains("Gateway=192.168.1.1") && lan.contains("DNS=9.9.9.9"))
        #expect(try String(contentsOfFile: "\(dir.path)/system/network/10-bmgw-wan.network", encoding: .utf8).contains("DHCP=yes"))
        #expect(try String(contentsOfFile: "\(dir.path)/system/applied-network.env", encoding: .utf8).contains("BMGW_SYSTEM_DIR=\(dir.path)/system"))

        // Time: zone and NTP servers for timesyncd and chrony; a one-off clock setting goes to the command.
        let badTime = try await browser.request("/settings/time", form: ["csrf": csrf, "zone": "Mars/Olympus", "ntp.enabled": "true",
                                                                         "ntp.servers[0].host": "bad host", "setTime": "soon"])
        #expect(badTime.status == 400 && badTime.body.contains("id=\"zone-problem\">&#39;Mars/Olympus&#39; is not a time zone"), "\(badTime.body.suffix(2500))")
        let time = try await browser.request("/settings/time", form: [
            "csrf": csrf, "zone": "Europe/Berlin", "ntp.enabled": "true", "ntp.servers[0].host": "ntp.example.org",
            "ntp.servers[1].host": "10.0.0.5", "ntp.servers[1].port": "1123", "setTime": "2026-11-25T14:30:00Z"])
        #expect(time.status == 200, "\(time.body.suffix(1500))")
        #expect(try String(contentsOfFile: "\(dir.path)/system/timesyncd.conf.d/10-bmgw.conf", encoding: .utf8).contains("NTP=ntp.example.org\n"))
        #expect(try String(contentsOfFile: "\(dir.path)/system/chrony/sources.d/bmgw.sources", encoding: .utf8).contains("server 10.0.0.5 port 1123 iburst"))
        let timeEnv = try String(contentsOfFile: "\(dir.path)/system/applied-time.env", encoding: .utf8)
        #expect(timeEnv.contains("BMGW_TIMEZONE=Europe/Berlin") && timeEnv.contains("BMGW_SET_TIME=2026-11-25T14:30:00Z"), "\(timeEnv)")
        #expect(!(try String(contentsOfFile: "\(dir.path)/settings.yaml", encoding: .utf8)).contains("setTime"), "a one-off, not saved")
        let request = try String(contentsOfFile: "\(dir.path)/system/request.env", encoding: .utf8)
        #expect(request == "BMGW_CHANGED=time\nBMGW_NTP=on\nBMGW_SET_TIME=2026-11-25T14:30:00Z\nBMGW_TIMEZONE=Europe/Berlin\n", "for a systemd path unit: \(request)")

        // Project: shown in every page's header; the logo is checked by its bytes.
        let project = try await browser.request("/settings/project", form: ["csrf": csrf, "name": "Hall <7>", "company": "ACME", "url": "ftp://x"])
        #expect(project.status == 400 && project.body.contains("id=\"url-problem\">&#39;ftp://x&#39; is not an http:// or https:// address"))
        _ = try await browser.request("/settings/project", form: ["csrf": csrf, "name": "Hall <7>", "company": "ACME", "url": "https://acme.example"])
        #expect(try await browser.request("/alarms").body.contains("Hall &lt;7&gt; · ACME"), "escaped, on every page")
        let png = try dir.write("logo.png", "")
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 64)).write(to: URL(fileURLWithPath: png))
        let text = try dir.write("logo.txt", "<script>alert(1)</script>")
        let refused = try await browser.upload("/settings/logo", field: "logo", file: text, csrf: csrf)
        #expect(refused.status == 400 && refused.body.contains("not a PNG, JPEG, GIF or WebP"))
        #expect(try await browser.upload("/settings/logo", field: "logo", file: png, csrf: "forged").status == 403)
        #expect(try await browser.upload("/settings/logo", field: "logo", file: png, csrf: csrf).status == 303)
        let logo = try await browser.request("/logo")
        #expect(logo.status == 200 && logo.header("Content-Type") == "image/png")
        #expect(try await browser.request("/").body.contains("<img class=\"logo\" src=\"/logo\""))
        _ = try await browser.request("/settings/logo/delete", form: ["csrf": csrf])
        #expect(try await browser.request("/logo").status == 404)

        // The audit log names who changed what; secrets only as "changed".
        let audit = try await browser.request("/settings/audit")
        #expect(audit.body.contains("snmp: community changed") && audit.body.contains("lan.address: unset → 192.168.1.20"))
        #expect(!audit.body.contains("new-community") && !audit.body.contains("auth-pass-1"))

        // A viewer sees the settings read-only and cannot change them.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let rw = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: dir.path), parts: Gateway.tables)
        try UserStore(db: rw.db).add(username: "viewer", fullName: "V", isAdmin: false, passwordHash: Bcrypt.hash("viewer-password-1", cost: 4),
                                     mustChange: false, now: now)
        let viewer = Browser(base: browser.base, ca: browser.ca, jar: "\(dir.path)/viewer-jar", dir: dir.path)
        _ = try await viewer.request("/login", form: ["username": "viewer", "password": "viewer-password-1"])
        let seen = try await viewer.request("/settings/network")
        #expect(seen.status == 200 && seen.body.contains("Only administrators change settings.") && seen.body.contains(" disabled"))
        let viewerCSRF = try #require(Browser.csrf(seen.body))
        #expect(try await viewer.request("/settings/project", form: ["csrf": viewerCSRF, "name": "mine"]).status == 403)
        #expect(try await viewer.request("/api/v1/settings/snmp").status == 403)
        #expect(try await viewer.request("/settings/users").status == 403)

        // Kept across a restart: the gateway stops cleanly, and the saved sections are read over the file's.
        kill(gw, SIGTERM)
        running = false
        #expect(try await offPool { waitExit(gw) } == 0, "\((try? String(contentsOfFile: "\(dir.path)/gateway.log", encoding: .utf8)) ?? "")")
        let reread = try GatewayConfig.load(file: config)
        #expect(reread.project.name == "Hall <7>" && reread.time.zone == "Europe/Berlin" && reread.network?.ports.count == 2)
        #expect(reread.snmp?.community == "new-community" && reread.snmp?.users.map(\.name) == ["nms"])
        await sim.stop()
    }

    @Test func usersAreManagedExportedAndErased() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let mailPort = try freePort()
        let sink = try spawn(["python3", repoRoot.appendingPathComponent("scripts/peers/smtp_sink.py").path, "--port", "\(mailPort)",
                              "--out", "\(dir.path)/mail", "--mode", "plain"], output: "\(dir.path)/sink.log")
        defer { kill(sink, SIGKILL); _ = waitExit(sink) }
        #expect(await eventually(15) { accepts(port: mailPort) }, "the SMTP sink listens")
        let (gw, sim, port, https) = try await startWebGateway(dir, extra: immediateAlarms + """
            notifications:
              batchWindow: 0s
              email: { host: 127.0.0.1, port: \(mailPort), security: none, from: btms@example.org }

            """)
        let browser = Browser(base: "https://127.0.0.1:\(https)", ca: "\(dir.path)/web-cert.pem", jar: "\(dir.path)/cookies", dir: dir.path)
        let csrf = try await browser.loginAsNewAdministrator()

        // Each wrong field is named; nothing is stored.
        let bad = try await browser.request("/settings/users/new", form: [
            "csrf": csrf, "username": "Bad Name", "role": "viewer", "email": "not-mail", "phone": "0171", "notifySMS": "true", "password": "short"])
        #expect(bad.status == 400)
        for (field, text) in [("username", "must be 1–32"), ("email", "is not an e-mail address"), ("phone", "must be an international number"),
                              ("password", "must be at least 10 characters")] {
            #expect(bad.body.contains("id=\"\(field)-problem\">\(text)"), "\(field)")
        }
        #expect(bad.body.contains("id=\"notifySMS-problem\">needs a phone number") == false, "phone given (wrong), so not this one")

        // A user who wants alarm e-mails: added, then gets the next alarm's e-mail.
        let added = try await browser.request("/settings/users/new", form: [
            "csrf": csrf, "username": "oncall", "fullName": "On Call", "role": "viewer", "email": "oncall@example.org", "phone": "+4915112345678",
            "notifyEmail": "true", "password": "first-pass-123"])
        #expect(added.status == 200 && added.body.contains("id=\"user-oncall\""), "\(added.body.suffix(1500))")
        try pin(port, unit: 1, [(1000, [14900])])  // cell 1 of s1 above the default 14.4 V
        #expect(await eventually(20) { receivedMail("\(dir.path)/mail").contains { $0.contains("X-Envelope-To: oncall@example.org") } },
                "the user's alarm e-mail arrives: \((try? String(contentsOfFile: "\(dir.path)/sink.log", encoding: .utf8)) ?? "")")
        // The e-mail log names what the message was about: UPS, string, cell, alarm.
        var emailLog = ""
        for _ in 0..<40 where !emailLog.contains("oncall@example.org") {
            emailLog = try await browser.request("/alarms/email").body
            if !emailLog.contains("oncall@example.org") { try await Task.sleep(for: .milliseconds(250)) }
        }
        let row = emailLog.components(separatedBy: "<tr>").first { $0.contains("oncall@example.org") } ?? ""
        #expect(row.contains("<td class=\"text\">u1</td><td class=\"text\">s1</td><td>1</td><td class=\"text\">Cell voltage high</td>"), "\(row)")

        // The new user logs in and must choose a password first.
        let oncall = Browser(base: browser.base, ca: browser.ca, jar: "\(dir.path)/oncall-jar", dir: dir.path)
        #expect(try await oncall.request("/login", form: ["username": "oncall", "password": "first-pass-123"]).header("Location") == "/password")

        // The test e-mail button goes through the same SMTP settings.
        let test = try await browser.request("/settings/email/test", form: ["csrf": csrf, "to": "tester@example.org"])
        #expect(test.status == 200 && test.body.contains("Test e-mail sent"), "\(test.body.suffix(800))")
        #expect(await eventually { receivedMail("\(dir.path)/mail").contains { $0.contains("X-Envelope-To: tester@example.org") } })

        // The last administrator cannot become a viewer.
        let store = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: dir.path), readOnly: true)
        let admin = try #require(try UserStore(db: store.db).user(named: "admin"))
        let demote = try await browser.request("/settings/users/\(admin.id)", form: ["csrf": csrf, "fullName": "A", "role": "viewer"])
        #expect(demote.status == 400 && demote.body.contains("id=\"role-problem\">the last administrator cannot become a viewer"))

        // GDPR: the export holds the person's data; deleting erases it from the delivery log too.
        let user = try #require(try UserStore(db: store.db).user(named: "oncall"))
        let export = try await browser.request("/settings/users/\(user.id)/export")
        #expect(export.status == 200 && export.header("Content-Disposition")?.contains("personal-data-oncall.json") == true)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(export.body.utf8)) as? [String: Any])
        #expect((json["user"] as? [String: Any])?["email"] as? String == "oncall@example.org")
        #expect((json["deliveries"] as? [[String: Any]])?.contains { $0["contact"] as? String == "oncall@example.org" } == true)
        #expect(!export.body.contains("passwordHash") && !export.body.contains("$2b$"), "no password hash")
        let unconfirmed = try await browser.request("/settings/users/\(user.id)/delete", form: ["csrf": csrf])
        #expect(unconfirmed.status == 400 && unconfirmed.body.contains("id=\"confirm-problem\">"))
        let deleted = try await browser.request("/settings/users/\(user.id)/delete", form: ["csrf": csrf, "confirm": "yes"])
        #expect(deleted.status == 200 && !deleted.body.contains("id=\"user-oncall\""))
        #expect(try UserStore(db: store.db).user(named: "oncall") == nil)
        let log = try NotificationStore(db: store.db).log(channel: nil, limit: 1000)
        #expect(!log.contains { $0.contact == "oncall@example.org" } && log.contains { $0.contact == "erased" })
        #expect(try await oncall.request("/").header("Location") == "/login", "the deleted user's session ended")

        // `bmgw password` on the console: checked, and the running server's sessions of that user end.
        let config = "\(dir.path)/g.yaml"
        @Sendable func password(_ args: String, _ input: String) throws -> (Int32, String) {
            try run("sh", ["-c", "printf '%s\\n' '\(input)' | '\(bmgwExecutable)' password -c '\(config)' \(args) 2>&1"])
        }
        let unknown = try await offPool { try password("nobody", "console-pass-123") }
        #expect(unknown.0 == 2 && unknown.1.contains("no web UI user 'nobody'; add --create"), "\(unknown.1)")
        #expect(try await offPool { try password("'Bad Name'", "console-pass-123") }.0 != 0)
        #expect(try await offPool { try password("admin", "short") }.1.contains("must be at least 10 characters"))
        let reset = try await offPool { try password("admin --keep", "console-pass-123") }
        #expect(reset.0 == 0 && reset.1.contains("password set for admin"), "\(reset.1)")
        #expect(await eventuallyOffPool(12) { (try? browser.requestBlocking("/", form: nil, url: nil).header("Location")) == "/login" },
                "the administrator's open session ended with the password change")
        let again = Browser(base: browser.base, ca: browser.ca, jar: "\(dir.path)/again-jar", dir: dir.path)
        #expect(try await again.request("/login", form: ["username": "admin", "password": "console-pass-123"]).header("Location") == "/")
        try await gw.stop()
        await sim.stop()
    }

    @Test func anUploadedCAConnectsTheUplinkAndTheTestSMSGoesOut() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let broker = try Broker(dir: dir)
        try await broker.start()
        let smsPort = try freePort()
        let sink = try spawn(["python3", repoRoot.appendingPathComponent("scripts/peers/http_sink.py").path, "--port", "\(smsPort)",
                              "--out", "\(dir.path)/sms.jsonl"], output: "\(dir.path)/sms.log")
        defer { kill(sink, SIGKILL); _ = waitExit(sink) }
        #expect(await eventually(15) { accepts(port: smsPort) }, "the SMS gateway sink listens")
        let (gw, sim, _, https) = try await startWebGateway(dir, extra: mqttSection(port: broker.tlsPort, ca: "other-ca.crt") + """
            notifications:
              sms: { http: { url: "http://127.0.0.1:\(smsPort)/send" } }

            """)
        let browser = Browser(base: "https://127.0.0.1:\(https)", ca: "\(dir.path)/web-cert.pem", jar: "\(dir.path)/cookies", dir: dir.path)
        let csrf = try await browser.loginAsNewAdministrator()

        // The wrong CA: the page shows the uplink's error and the outbox filling.
        #expect(await eventually { gw.gateway.uplinkStatus?.lastError?.contains("certificate verify failed") == true })
        let before = try await browser.request("/settings/mqtt")
        #expect(before.body.contains("certificate verify failed") && before.body.contains("Messages in the outbox"))

        // A key where a certificate belongs, and an encrypted key, are refused by their content.
        let key = try dir.write("wrong.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        let notCert = try await browser.request("/settings/tls-upload", curl: ["-F", "csrf=\(csrf)", "-F", "kind=caFile", "-F", "pem=@\(key)"])
        #expect(notCert.status == 400 && notCert.body.contains("is not a PEM certificate"))
        let encrypted = try dir.write("enc.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")
        let refusedKey = try await browser.request("/settings/tls-upload", curl: ["-F", "csrf=\(csrf)", "-F", "kind=keyFile", "-F", "pem=@\(encrypted)"])
        #expect(refusedKey.status == 400 && refusedKey.body.contains("encrypted key"))

        // The right CA uploaded: stored, set in the section, and the uplink connects with it.
        let upload = try await browser.request("/settings/tls-upload", curl: ["-F", "csrf=\(csrf)", "-F", "kind=caFile", "-F", "pem=@\(mqttPKI)/ca.crt"])
        #expect(upload.status == 303 && upload.header("Location") == "/settings/mqtt?uploaded=caFile", "\(upload.body.suffix(600))")
        #expect(await eventually(20) { gw.gateway.uplinkStatus?.state == .connected }, "\(String(describing: gw.gateway.uplinkStatus))")
        #expect(await eventually(20) { gw.gateway.uplinkStatus?.outboxMessages == 0 }, "the backlog is delivered")
        let stored = try #require(try FileManager.default.contentsOfDirectory(atPath: "\(dir.path)/tls").first { $0.hasPrefix("mqtt-caFile-") })
        #expect(try String(contentsOfFile: "\(dir.path)/tls/\(stored)", encoding: .utf8) == String(contentsOfFile: "\(mqttPKI)/ca.crt", encoding: .utf8))
        #expect(try String(contentsOfFile: "\(dir.path)/settings.yaml", encoding: .utf8).contains("caFile: \(dir.path)/tls/\(stored)"))
        let mode = try FileManager.default.attributesOfItem(atPath: "\(dir.path)/tls/\(stored)")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let after = try await browser.request("/settings/mqtt?uploaded=caFile")
        #expect(after.body.contains("Uploaded the CA certificates file and applied it.") && after.body.contains("<td>connected</td>"))

        // The test SMS button: through the configured HTTP gateway, in the SMS log.
        let bad = try await browser.request("/settings/sms/test", form: ["csrf": csrf, "to": "0171"])
        #expect(bad.status == 400 && bad.body.contains("to: not an international number"))
        let sent = try await browser.request("/settings/sms/test", form: ["csrf": csrf, "to": "+4915112345678"])
        #expect(sent.status == 200 && sent.body.contains("Test SMS sent"), "\(sent.body.suffix(600))")
        let requests = (try? String(contentsOfFile: "\(dir.path)/sms.jsonl", encoding: .utf8)) ?? ""
        #expect(requests.contains("+4915112345678") && requests.contains("test SMS"), "\(requests)")
        #expect(try await browser.request("/alarms/sms").body.contains("+4915112345678"))
        try await gw.stop()
        await sim.stop()
        await broker.stop()
    }

    @Test func aDataExportRunsAndIsDownloaded() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (gw, sim, _, https) = try await startWebGateway(dir)
        let browser = Browser(base: "https://127.0.0.1:\(https)", ca: "\(dir.path)/web-cert.pem", jar: "\(dir.path)/cookies", dir: dir.path)
        let csrf = try await browser.loginAsNewAdministrator()
        try await Task.sleep(for: .seconds(4))  // a few stored samples

        let bad = try await browser.request("/settings/exports", form: ["csrf": csrf, "from": "last week", "to": "now", "content": "strings"])
        #expect(bad.status == 400 && bad.body.contains("id=\"from-problem\">&#39;last week&#39; is not a time"))
        let started = try await browser.request("/settings/exports", form: ["csrf": csrf, "from": "-1h", "to": "now", "content": "cells", "string": "s2"])
        #expect(started.status == 200 && started.body.contains("Export export-"), "\(started.body.suffix(800))")
        let found = Mutex<String>("")
        #expect(await eventuallyOffPool(20) {
            let list = (try? browser.requestBlocking("/api/v1/exports", form: nil, url: nil).body) ?? ""
            guard let json = try? JSONSerialization.jsonObject(with: Data(list.utf8)) as? [String: Any],
                  let files = json["files"] as? [[String: Any]], let first = files.first?["name"] as? String else { return false }
            found.withLock { $0 = first }
            return true
        }, "the export finishes and is listed")
        let name = found.withLock { $0 }
        let page = try await browser.request("/settings/exports")
        #expect(page.body.contains("href=\"/settings/exports/\(name)\""))
        let csv = try await browser.request("/settings/exports/\(name)")
        #expect(csv.status == 200 && csv.header("Content-Disposition")?.contains(name) == true)
        let lines = csv.body.split(separator: "\n")
        #expect(lines.first == "time,ups,string,cell,voltage_V,resistance_mOhm,temperature_C,soc_pct,soh_pct")
        #expect(lines.count > 8 && lines.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 9 })
        #expect(lines.dropFirst().allSatisfy { $0.contains(",u2,s2,") }, "only the chosen string")
        let cellNumbers: Set<String> = Set(lines.dropFirst().map { String($0.split(separator: ",")[3]) })
        let expected: Set<String> = Set((1...8).map { String($0) })
        #expect(cellNumbers == expected, "every cell")
        #expect(try await browser.request("/settings/exports/..%2Fhistory.sqlite").status == 404, "only export files")
        _ = try await browser.request("/settings/exports/\(name)/delete", form: ["csrf": csrf])
        #expect(try await browser.request("/settings/exports/\(name)").status == 404)
        try await gw.stop()
        await sim.stop()
    }
}
