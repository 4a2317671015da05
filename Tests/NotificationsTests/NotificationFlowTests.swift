import Alarms
import BatteryModel
import Foundation
import GatewayApp
import GatewayServices
import GatewayConfig
import Logging
import ModbusCore
import RegisterMap
import ServiceLifecycle
import Simulator
import Storage
import TestSupport
import Testing
import Notifications

/// A gateway polling two simulated strings, with e-mail notifications to `smtpPort`.
struct NotifyingPlant {
    let dir: String
    let sim: PlantSimulator
    let port: Int
    let gateway: Gateway
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(smtpPort: Int, cert: String, dir existing: String? = nil, window: String = "2s") throws {
        dir = try existing ?? tempDir()
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let map = repoRoot.appendingPathComponent("config/registermaps/bmc-v1.yaml").path
        sim = try PlantSimulator(units: [(1, 16), (2, 16)], map: try RegisterMap.load(file: map), logger: logger)
        port = try sim.listenTCP(host: "127.0.0.1", port: 0)
        let yaml = """
            gateway: { id: notify-gw, site: Test site }
            dataDirectory: \(dir)/data
            time: { zone: Asia/Kolkata }
            acquisition: { pollInterval: 200ms, timeout: 150ms }
            ups: [ { id: u1, name: UPS 1 } ]
            strings:
              - { id: s1, ups: u1, cells: 16, registerMap: \(map), modbus: { tcp: { host: 127.0.0.1, port: \(port), unit: 1 } } }
              - { id: s2, ups: u1, cells: 16, registerMap: \(map), modbus: { tcp: { host: 127.0.0.1, port: \(port), unit: 2 } } }
            alarms:
              defaults:
                cellVoltageHigh: { onDelay: 0s, offDelay: 0s, email: true }
            notifications:
              batchWindow: \(window)
              retry: { first: 1s, max: 2s, attempts: 20 }
              email: { host: localhost, port: \(smtpPort), security: starttls, username: gateway, password: s3cret,
                       from: gateway@example.org, caFile: \(cert), timeout: 3s }
              recipients:
                - { name: Alice Operator, email: alice@example.org, strings: [s1, s2] }
                - { name: Bob Other, email: bob@example.org, strings: [s2] }
            """
        let file = "\(dir)/g.yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        gateway = try Gateway(config: try GatewayConfig.load(file: file), logger: logger)
        let group = gateway.serviceGroup(signals: [])
        self.group = group
        task = Task { try await group.run() }
    }

    func pinCell(unit: Int, cell: Int, millivolts: UInt16) throws {
        let ctx = try ModbusContext.tcp(host: "127.0.0.1", port: port)
        // Generous: the simulator's threads share two cores with every suite at once.
        ctx.setResponseTimeout(.seconds(5))
        try ctx.connect()
        try ctx.setUnit(unit)
        try ctx.writeRegister(ControlRegisters.pinBase + 1000 + cell - 1, millivolts)
    }

    func log() throws -> [NotificationStore.LogEntry] {
        let store = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: "\(dir)/data"), readOnly: true)
        return try NotificationStore(db: store.db).log()
    }

    func stop(keepData: Bool = false) async throws {
        await group.triggerGracefulShutdown()
        try await task.value
        gateway.model.finishEvents()
        gateway.events.finish()
        await sim.stop()
        if !keepData { try? FileManager.default.removeItem(atPath: dir) }
    }
}

/// The SMTP sink (STARTTLS, AUTH gateway/s3cret) writing what it receives under `<certDir>/mail`.
func startMailSink() throws -> (sink: Peer, certDir: String, cert: String, port: Int) {
    let certDir = try tempDir()
    let (cert, key) = try makeCertificate(in: certDir)
    let smtpPort = try freePort()
    let sink = try Peer(script: "smtp_sink.py", port: smtpPort, arguments: [
        "--out", "\(certDir)/mail", "--mode", "starttls", "--cert", cert, "--key", key, "--user", "gateway", "--password", "s3cret"])
    return (sink, certDir, cert, smtpPort)
}

@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(2))) struct NotificationFlowTests {
    @Test func aBurstBecomesOneMessagePerRecipient() async throws {
        let (sink, certDir, cert, smtpPort) = try startMailSink()
        defer { sink.stop() }
        // A window wide enough for the three alarms to be raised in it on a loaded two-core machine
        // (6 s was once too short in CI: the third alarm came in a window of its own).
        let plant = try NotifyingPlant(smtpPort: smtpPort, cert: cert, window: "15s")
        #expect(await eventually { plant.gateway.model.snapshot().strings.allSatisfy { $0.quality == .ok } }, "polling")
        try plant.pinCell(unit: 1, cell: 3, millivolts: 14600)
        try plant.pinCell(unit: 1, cell: 9, millivolts: 14700)
        try plant.pinCell(unit: 2, cell: 5, millivolts: 14800)
        #expect(await eventually(30) { receivedMail("\(certDir)/mail").count == 2 })
        try await Task.sleep(for: .seconds(3))
        let mails = receivedMail("\(certDir)/mail")
        #expect(mails.count == 2, "one message per recipient, not one per alarm")
        let alice = try #require(mails.first { $0.contains("X-Envelope-To: alice@example.org") })
        let bob = try #require(mails.first { $0.contains("X-Envelope-To: bob@example.org") })
        #expect(alice.contains("3 events from"))
        // In the site's zone (UTC+05:30, no daylight saving), said once; the times of the lines in it.
        #expect(alice.contains("Times in Asia/Kolkata (") && alice.contains("UTC+05:30)."), "\(alice)")
        let local = SiteTime(identifier: "Asia/Kolkata")
        let raised = try AlarmLog(db: try GatewayDatabase(path: Gateway.databasePath(dataDirectory: "\(plant.dir)/data"), readOnly: true).db)
            .list(.site, limit: 10).map { local.text($0.raisedAt) }
        #expect(!raised.isEmpty && raised.allSatisfy { alice.contains("\($0)  RAISED") }, "\(raised) in \(alice)")
        #expect(alice.contains("string s1 cell 3") && alice.contains("string s1 cell 9") && alice.contains("string s2 cell 5"))
        #expect(bob.contains("RAISED Cell voltage high: UPS u1 / string s2 cell 5"), "Bob only follows s2")
        let log = try plant.log()
        #expect(log.filter { $0.status == "sent" }.count == 2)
        // Each delivery names the alarms it was about (Alice's three, Bob's one).
        #expect(log.filter { $0.status == "sent" }.map(\.alarmIds.count).sorted() == [1, 3], "\(log)")
        #expect(Set(log.map(\.contact)) == ["alice@example.org", "bob@example.org"])
        try await plant.stop()
    }

    @Test func newRecipientsTakeEffectWithoutARestart() async throws {
        let (sink, certDir, cert, smtpPort) = try startMailSink()
        defer { sink.stop() }
        let plant = try NotifyingPlant(smtpPort: smtpPort, cert: cert, window: "1s")
        #expect(await eventually { plant.gateway.model.snapshot().strings.allSatisfy { $0.quality == .ok } }, "polling")
        // Carol replaces Alice and Bob (SIGHUP, or the web UI's settings).
        let file = "\(plant.dir)/g.yaml"
        let yaml = try String(contentsOfFile: file, encoding: .utf8)
            .replacingOccurrences(of: "{ name: Alice Operator, email: alice@example.org, strings: [s1, s2] }", with: "{ name: Carol New, email: carol@example.org }")
            .split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("Bob Other") }.joined(separator: "\n")
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try plant.gateway.reload(GatewayConfig.load(file: file)).isEmpty, "applied without a restart")
        try plant.pinCell(unit: 2, cell: 4, millivolts: 14600)
        #expect(await eventually(15) { receivedMail("\(certDir)/mail").count == 1 })
        try await Task.sleep(for: .seconds(2))
        let mails = receivedMail("\(certDir)/mail")
        #expect(mails.count == 1 && mails.first?.contains("X-Envelope-To: carol@example.org") == true, "only the new recipient: \(mails)")
        try await plant.stop()
    }

    @Test func changesWaitingForTheirWindowSurviveARestart() async throws {
        let (sink, certDir, cert, smtpPort) = try startMailSink()
        defer { sink.stop() }
        let first = try NotifyingPlant(smtpPort: smtpPort, cert: cert, window: "5s")
        #expect(await eventually { first.gateway.model.snapshot().strings.allSatisfy { $0.quality == .ok } }, "polling")
        try first.pinCell(unit: 1, cell: 2, millivolts: 14600)
        let db = Gateway.databasePath(dataDirectory: "\(first.dir)/data")
        #expect(await eventually(10) {
            ((try? GatewayDatabase(path: db, readOnly: true).db.scalar("SELECT COUNT(*) FROM notification_pending")) ?? 0) == 1
        })
        try await first.stop(keepData: true)  // inside the 5 s window: nothing was sent yet
        #expect(receivedMail("\(certDir)/mail").isEmpty)

        let second = try NotifyingPlant(smtpPort: smtpPort, cert: cert, dir: first.dir, window: "5s")
        #expect(await eventually(15) { receivedMail("\(certDir)/mail").count == 1 }, "sent after the restart")
        #expect(receivedMail("\(certDir)/mail").first?.contains("string s1 cell 2") == true)
        try await second.stop()
    }

    @Test func smtpDownIsLoggedAndRetriedUntilDelivered() async throws {
        let certDir = try tempDir()
        let (cert, key) = try makeCertificate(in: certDir)
        let smtpPort = try freePort()  // nothing listens yet
        let plant = try NotifyingPlant(smtpPort: smtpPort, cert: cert)
        #expect(await eventually { plant.gateway.model.snapshot().strings.allSatisfy { $0.quality == .ok } }, "polling")
        try plant.pinCell(unit: 2, cell: 1, millivolts: 14600)
        #expect(await eventually(15) { ((try? plant.log()) ?? []).contains { $0.status == "failed" } })
        let failed = try #require(try plant.log().first { $0.status == "failed" })
        #expect(failed.error?.contains("connect") == true, "\(failed.error ?? "")")

        let sink = try Peer(script: "smtp_sink.py", port: smtpPort, arguments: [
            "--out", "\(certDir)/mail", "--mode", "starttls", "--cert", cert, "--key", key, "--user", "gateway", "--password", "s3cret"])
        defer { sink.stop() }
        #expect(await eventually(15) { receivedMail("\(certDir)/mail").count == 2 }, "both recipients' messages arrive on retry")
        // The sink has the message before the gateway has its answer and logs the delivery.
        #expect(await eventually(10) { ((try? plant.log()) ?? []).filter { $0.status == "sent" }.count == 2 })
        let log = try plant.log()
        let sent = log.filter { $0.status == "sent" }
        #expect(sent.count == 2)
        // Every message that failed was delivered by a later attempt of the same message.
        for f in log where f.status == "failed" {
            #expect(sent.contains { $0.contact == f.contact && $0.attempt > f.attempt && $0.at >= f.at })
        }
        // The metrics count the same attempts as the log.
        let counted = plant.gateway.deliveries.current["email"] ?? [:]
        #expect(counted["sent"] == 2 && counted["failed"] == Int64(log.count { $0.status == "failed" }) && counted["gave-up"] == nil, "\(counted)")
        try await plant.stop()
    }
}
