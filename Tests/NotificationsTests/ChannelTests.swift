import BatteryModel
import Foundation
import GatewayConfig
@testable import Notifications
import Simulator
import Storage
import TestSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
import Alarms
#endif

@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(2))) struct ChannelTests {
    func smtp(_ mode: String, password: String = "s3cret") throws -> (Peer, EmailSettings, String) {
        let dir = try tempDir()
        let (cert, key) = try makeCertificate(in: dir)
        let port = try freePort()
        let peer = try Peer(script: "smtp_sink.py", port: port,
                            arguments: ["--out", "\(dir)/mail", "--mode", mode, "--cert", cert, "--key", key, "--user", "gateway", "--password", "s3cret"])
        var s = EmailSettings(host: "localhost", port: port, security: mode == "tls" ? .tls : .starttls, from: "gateway@example.org")
        s.username = "gateway"
        s.password = password
        s.caFile = cert
        s.timeout = .seconds(10)
        return (peer, s, "\(dir)/mail")
    }

    @Test func starttlsWithAuthDelivers() async throws {
        let (peer, settings, mailDir) = try smtp("starttls")
        defer { peer.stop() }
        try SMTPMailer(settings: settings).send(to: "oncall@example.org", subject: "Zellenspannung hoch – Ω", body: "line 1\n.line starting with a dot")
        #expect(await eventually { receivedMail(mailDir).count == 1 })
        let mail = try #require(receivedMail(mailDir).first)
        #expect(mail.contains("X-Envelope-To: oncall@example.org"))
        #expect(mail.contains("Subject: =?UTF-8?B?"), "non-ASCII subject is encoded")
        #expect(mail.contains("\r\n.line starting with a dot"), "a line starting with a dot arrives intact")
    }

    @Test func implicitTLSDelivers() async throws {
        let (peer, settings, mailDir) = try smtp("tls")
        defer { peer.stop() }
        try SMTPMailer(settings: settings).send(to: "a@example.org", subject: "TLS", body: "ok")
        #expect(await eventually { receivedMail(mailDir).count == 1 })
    }

    @Test func wrongPasswordReportsTheServersAnswer() throws {
        let (peer, settings, _) = try smtp("starttls", password: "wrong")
        defer { peer.stop() }
        do {
            try SMTPMailer(settings: settings).send(to: "a@example.org", subject: "x", body: "y")
            Issue.record("sent with a wrong password")
        } catch {
            #expect(error.description.contains("535") || error.description.lowercased().contains("login denied"), "\(error)")
        }
    }

    @Test func untrustedCertificateIsRefused() throws {
        let (peer, settings, _) = try smtp("starttls")
        defer { peer.stop() }
        var s = settings
        s.caFile = nil  // the system CAs do not know our self-signed certificate
        #expect(throws: DeliveryError.self) { try SMTPMailer(settings: s).send(to: "a@example.org", subject: "x", body: "y") }
    }

    @Test func serverDownIsAnError() throws {
        var s = EmailSettings(host: "127.0.0.1", port: try freePort(), security: .starttls, from: "g@example.org")
        s.timeout = .seconds(3)
        do {
            try SMTPMailer(settings: s).send(to: "a@example.org", subject: "x", body: "y")
            Issue.record("sent to nobody")
        } catch {
            #expect(error.description.contains("connect"), "\(error)")
        }
    }

    @Test func httpGatewayGetsJSONAndReportsFailures() async throws {
        let dir = try tempDir()
        let port = try freePort()
        let peer = try Peer(script: "http_sink.py", port: port, arguments: ["--out", "\(dir)/requests.jsonl"])
        defer { peer.stop() }
        var s = HTTPSMSSettings(url: "http://127.0.0.1:\(port)/sms")
        s.username = "api"
        s.password = "key"
        try HTTPSMSGateway(settings: s).send(to: "+4915112345678", text: "Cell \"7\" high\nnow")
        let line = try String(contentsOfFile: "\(dir)/requests.jsonl", encoding: .utf8)
        let request = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        let body = try JSONSerialization.jsonObject(with: Data(((request?["body"] as? String) ?? "").utf8)) as? [String: String]
        #expect(body == ["to": "+4915112345678", "text": "Cell \"7\" high\nnow"], "valid JSON with the text escaped")
        #expect((request?["headers"] as? [String: String])?["Authorization"]?.hasPrefix("Basic ") == true)

        let failing = try Peer(script: "http_sink.py", port: try freePort(), arguments: ["--out", "\(dir)/x.jsonl", "--status", "500"])
        defer { failing.stop() }
        s.url = "http://127.0.0.1:\(failing.port)/sms"
        do {
            try HTTPSMSGateway(settings: s).send(to: "+4915112345678", text: "x")
            Issue.record("HTTP 500 taken as sent")
        } catch {
            #expect(error.description.contains("HTTP 500") && error.description.contains("quota exceeded"), "\(error)")
        }
    }

    @Test(.timeLimit(.minutes(1))) func aTestSMSAndTheDeliveryQueueTakeTurnsOnTheModem() async throws {
        // The web UI's test SMS runs on its own thread while the queue may be sending: one AT dialogue at a time.
        let pty = try SerialDevice.openPTY()
        let modem = FakeModem(fd: pty.master, failAt: nil)
        modem.start()
        defer { modem.stop(); close(pty.master) }
        var settings = ModemSettings(device: pty.slavePath, baud: 115200)
        settings.timeout = .seconds(3)
        let modemSettings = settings
        let texts = (1...4).map { "message \($0) of 4" }
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: texts.count) { i in
            do { try ModemSMS(settings: modemSettings).send(to: "+4915112345678", text: texts[i]) } catch {
                failures.withLock { $0.append("\(texts[i]): \(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        for text in texts { #expect(modem.transcript.contains("\(text)\u{1A}"), "\(text) sent whole") }
    }

    @Test func modemDialogueAndModemErrors() async throws {
        for failAt in [nil, "AT+CMGS", "AT+CMGF"] as [String?] {
            let pty = try SerialDevice.openPTY()
            let modem = FakeModem(fd: pty.master, failAt: failAt)
            modem.start()
            var settings = ModemSettings(device: pty.slavePath, baud: 115200)
            settings.timeout = .seconds(3)
            do {
                try ModemSMS(settings: settings).send(to: "+4915112345678", text: "Cell 7 high\nat 14.6 V")
                #expect(failAt == nil, "an ERROR reply must fail the send")
                #expect(modem.transcript.contains("AT+CMGS=\"+4915112345678\""))
                #expect(modem.transcript.contains("Cell 7 high at 14.6 V\u{1A}"), "newline folded, text ended by Ctrl-Z")
            } catch {
                #expect(failAt != nil, "\(error)")
                #expect(error.description.contains(failAt == "AT+CMGS" ? "+CMS ERROR: 500" : "ERROR"), "\(error)")
            }
            modem.stop()
            close(pty.master)
        }
    }

    @Test func composerBatchesAndFitsAnSMS() {
        let c = MessageComposer(gatewayId: "gw1", site: "Site", time: SiteTime(identifier: "Europe/Berlin"))
        var changes: [MessageComposer.Change] = []
        for i in 0..<3 {
            let raisedAt = Timestamp(millis: 1_800_000_000_000) + .seconds(20 * i)
            let clearedAt: Timestamp? = i < 2 ? nil : 1_800_000_040_000
            let record = AlarmRecord(id: Int64(i + 1), stringId: "a\(i + 1)", upsId: "ups-a", cell: 17, type: .cellVoltageHigh,
                                     raisedAt: raisedAt, clearedAt: clearedAt, value: 14600, limit: 14400)
            changes.append(MessageComposer.Change(raised: i < 2, record: record))
        }
        let (subject, body) = c.email(changes)
        // In the site's zone (08:00 UTC is 09:00 in Berlin in January), said once; the zone by its
        // abbreviation where the system has one (CET), else by its offset.
        let zone = SiteTime(identifier: "Europe/Berlin").abbreviation(1_800_000_000_000)
        #expect(["CET", "UTC+01:00"].contains(zone))
        #expect(subject == "[BTMS gw1] 3 events from 2027-01-15 09:00:00 to 2027-01-15 09:00:40 \(zone) (2 raised, 1 cleared)")
        #expect(body.contains("Times in Europe/Berlin (\(zone == "CET" ? "CET, " : "")UTC+01:00).\n\n2027-01-15 09:00:00  RAISED "), "\(body)")
        #expect(body.contains("RAISED   Cell voltage high  UPS ups-a / string a1 cell 17  value 14.600 V, limit 14.400 V"))
        #expect(body.contains("CLEARED  Cell voltage high  UPS ups-a / string a3 cell 17"))
        let many = (0..<20).map { _ in changes[0] }
        #expect(c.sms(many).count <= 160)
        #expect(c.sms([changes[0]]) == "BTMS gw1: Cell voltage high a1#17 14.600V")
        #expect(c.sms(Array(changes[0...1])).hasPrefix("BTMS gw1: 2 events 09:00:00–09:00:20 \(zone) (2 raised, 0 cleared): Cell voltage high a1#17"))
        let utc = MessageComposer(gatewayId: "gw1", site: "Site", time: .utc)
        #expect(utc.email(changes).subject == "[BTMS gw1] 3 events from 2027-01-15 08:00:00 to 2027-01-15 08:00:40 UTC (2 raised, 1 cleared)")
        #expect(ModemSMS.gsmSafe("35.0 °C, 8.1 mΩ, 3 µΩ…\nnext") == "35.0 C, 8.1 mOhm, 3 uOhm... next")
    }
}

/// A modem on the master side of a pty: answers OK to AT commands, "> " to AT+CMGS,
/// and +CMGS/OK after Ctrl-Z; `failAt` makes that command answer an error.
final class FakeModem: @unchecked Sendable {
    // @unchecked: `log` is only touched under `lock`; the fd by the modem thread until stop.
    private let fd: Int32
    private let failAt: String?
    private let lock = NSLock()
    private var log = ""
    private var running = true

    init(fd: Int32, failAt: String?) {
        self.fd = fd
        self.failAt = failAt
    }

    var transcript: String { lock.withLock { log } }

    func start() {
        Thread { [self] in
            var pending = ""
            var buf = [UInt8](repeating: 0, count: 256)
            while lock.withLock({ running }) {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 100) > 0 else { continue }
                let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard n > 0 else { continue }
                let text = String(decoding: buf[0..<n], as: UTF8.self)
                lock.withLock { log += text }
                pending += text
                while let end = pending.firstIndex(where: { $0 == "\r" || $0 == "\u{1A}" }) {
                    let line = String(pending[..<end])
                    let ctrlZ = pending[end] == "\u{1A}"
                    pending = String(pending[pending.index(after: end)...])
                    reply(to: line, messageEnd: ctrlZ)
                }
            }
        }.start()
    }

    private func reply(to line: String, messageEnd: Bool) {
        let answer: String
        if messageEnd {
            answer = "\r\n+CMGS: 42\r\n\r\nOK\r\n"
        } else if let failAt, line.hasPrefix(failAt) {
            answer = failAt == "AT+CMGS" ? "\r\n+CMS ERROR: 500\r\n" : "\r\nERROR\r\n"
        } else if line.hasPrefix("AT+CMGS") {
            answer = "\r\n> "
        } else {
            answer = "\r\nOK\r\n"
        }
        _ = Array(answer.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    func stop() {
        lock.withLock { running = false }
        Thread.sleep(forTimeInterval: 0.15)
    }
}
