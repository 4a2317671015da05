import BatteryModel
import Foundation
import GatewayApp
import GatewayServices
import ModbusCore
import RegisterMap
import RemoteAccess
import Simulator
import Storage
import TestSupport
import Testing
import WebUI

/// Modbus/TCP Security remote access against independent peers: pymodbus's TLS client with
/// certificates the gateway issued, openssl s_client for what must be refused.
@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(2))) struct RemoteAccessTests {
    /// A gateway with two TCP controllers and one on an RTU bus (pty), remote access on a free port.
    struct Plant {
        let dir: TempDir
        let config: String
        let tcp: PlantSimulator
        let tcpPort: Int
        let rtu: PlantSimulator
        let port: Int
        /// The TCP simulator's physics (it publishes a written cell count); the RTU one stands still.
        let clock: Task<Void, Never>
        var ca: String { Gateway.remoteAccessDirectory(dataDirectory: dir.path) + "/ca.pem" }

        init(tcpUnits: [Int] = [1, 2], rtuUnits: [Int] = [3], requestsPerSecond: Int = 500, limits: String = "") throws {
            dir = try TempDir()
            (tcp, tcpPort) = try startSimulator(units: tcpUnits)
            clock = runClock(tcp)
            rtu = try PlantSimulator(units: rtuUnits.map { ($0, 16) }, map: try .load(file: mapFile), logger: quietLogger)
            let pty = try SerialDevice.openPTY()
            rtu.serveRTU(fd: pty.master, baud: 115200)
            port = try freePort()
            let (simPort, device) = (tcpPort, pty.slavePath)
            let endpoints: [Endpoint] = tcpUnits.map { .tcp(port: simPort, unit: $0) } + rtuUnits.map { .rtu(device: device, unit: $0) }
            config = try dir.write("g.yaml", configText(
                data: dir.path, endpoints: endpoints,
                extra: "remoteAccess: { listen: \"127.0.0.1:\(port)\", requestsPerSecond: \(requestsPerSecond)\(limits) }\n"))
        }

        /// Issues a certificate with `bmgw remote-access issue`; returns the PEM's path.
        func issue(_ name: String, role: String) throws -> String {
            let out = "\(dir.path)/\(role.lowercased()).pem"
            let (code, text, err) = try runBMGW(["remote-access", "issue", "-c", config, "--name", name, "--role", role, "--out", out])
            #expect(code == 0, "\(text)\(err)")
            return out
        }

        /// pymodbus over TLS: one JSON object per operation.
        func client(_ cert: String, _ ops: [String], connects: Bool = true) async throws -> [[String: Any]] {
            let (code, out) = try await runOff("python3", [repoRoot.appendingPathComponent("scripts/peers/modbus-tls-client.py").path,
                                                           "--port", "\(port)", "--ca", ca, "--cert", cert] + ops, errors: .always)
            #expect((code == 0) == connects, "\(out)")
            return out.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            }
        }

        func stop() async {
            clock.cancel()
            await tcp.stop()
            await rtu.stop()
            dir.cleanup()
        }
    }

    @Test func rolesDecideAndEveryWriteIsAudited() async throws {
        let plant = try Plant()
        let viewer = try plant.issue("Vera Viewer", role: "Viewer"), op = try plant.issue("Otto Operator", role: "Operator")
        let gw = try RunningGateway(configFile: plant.config)
        #expect(await eventually { gw.model.snapshot().strings.allSatisfy { $0.quality == .ok } && gw.gateway.remoteAccessPort.value != nil })
        try pin(plant.tcpPort, unit: 2, [(1004, [12345])])  // cell 5 of s2

        // Reads: the registers the simulators serve, for a TCP controller and a unit on the RTU bus.
        let soh = plant.rtu.units[3]!.currentReading().1.soh
        let reads = try await plant.client(viewer, ["read:2:input:1004:1", "read:1:input:0:3", "read:3:input:0:3", "read:3:input:5000:16",
                                                    "write:2:100:20", "read:9:input:0:1"])
        try #require(reads.count == 6, "\(reads)")
        #expect(reads[0]["registers"] as? [Int] == [12345], "\(reads[0])")
        #expect((reads[1]["registers"] as? [Int])?.first == 0x4243 && (reads[1]["registers"] as? [Int])?.last == 16, "model id, cell count: \(reads[1])")
        #expect((reads[2]["registers"] as? [Int])?.first == 0x4243 && (reads[2]["registers"] as? [Int])?.last == 16, "\(reads[2])")
        #expect(reads[3]["registers"] as? [Int] == soh.map { Int($0) }, "cell SoH over the RTU bus: \(reads[3]) vs \(soh)")
        // A Viewer's write: exception 1 (illegal function), and nothing changed.
        #expect(reads[4]["ok"] as? Bool == false && reads[4]["exception"] as? Int == 1, "\(reads[4])")
        #expect(try modbusClient(port: plant.tcpPort, unit: 2).readHoldingRegisters(start: 100, count: 1) == [16])
        // A unit id with no string: gateway path unavailable (10).
        #expect(reads[5]["exception"] as? Int == 10, "\(reads[5])")

        // An Operator: a documented setting within its range is written; others are refused.
        let writes = try await plant.client(op, ["write:2:100:20", "write:3:100:12", "write:2:200:1", "write:2:100:500"])
        try #require(writes.count == 4, "\(writes)")
        #expect(writes[0]["ok"] as? Bool == true && writes[1]["ok"] as? Bool == true, "\(writes)")
        #expect(try modbusClient(port: plant.tcpPort, unit: 2).readHoldingRegisters(start: 100, count: 1) == [20], "the controller has it")
        #expect(writes[2]["exception"] as? Int == 1 && writes[3]["exception"] as? Int == 1, "outside the set or range: \(writes)")
        #expect(try modbusClient(port: plant.tcpPort, unit: 2).readHoldingRegisters(start: 200, count: 1) == [0])
        // The gateway sees the new cell count reported, and marks both strings as written remotely.
        #expect(await eventually { gw.model.string(1).link.warning?.contains("reports 20 cells") == true })
        #expect(gw.model.string(1).link.remoteWrite?.user == "remote:Otto Operator" && gw.model.string(2).link.remoteWrite != nil)
        #expect(gw.model.string(0).link.remoteWrite == nil)
        let line = LiveSummary.line(gw.model.snapshot(), 1)
        #expect(line.remoteWrite?.hasSuffix(" remote:Otto Operator: unit 2 (s2) register 100 = 20") == true, "the live summary: \(line)")

        // The audit log: connections with role and serial, each write with its result, refusals, read counts.
        try await gw.stop()
        let db = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: plant.dir.path), readOnly: true)
        let audit = try UserStore(db: db.db).auditLog(limit: 100)
        // The event log beside the alarms: the two successful writes only, newest first, with the role.
        let written = try RemoteWriteLog(db: db.db).list()
        #expect(written.map { "\($0.stringId) \($0.client) \($0.role) \($0.detail)" }
                == ["s3 remote:Otto Operator Operator unit 3 (s3) register 100 = 12", "s2 remote:Otto Operator Operator unit 2 (s2) register 100 = 20"])
        #expect(try RemoteWriteLog(db: db.db).list(strings: ["s2", "s1"]).count == 1)
        func entries(_ action: String) -> [String] { audit.filter { $0.action == action }.map { "\($0.user) \($0.detail)" } }
        #expect(entries("remote access connected").contains { $0.hasPrefix("remote:Vera Viewer role Viewer, serial ") }, "\(audit)")
        #expect(entries("remote write").contains("remote:Otto Operator unit 2 (s2) register 100 = 20: ok"), "\(audit)")
        #expect(entries("remote write").contains("remote:Otto Operator unit 3 (s3) register 100 = 12: ok"), "\(audit)")
        #expect(entries("remote write refused").contains { $0.hasPrefix("remote:Vera Viewer unit 2 (s2) register 100 = 20: role 'Viewer' may only read") })
        #expect(entries("remote write refused").count == 3, "\(audit)")
        #expect(entries("remote access disconnected").contains("remote:Vera Viewer 4 reads, 0 writes, 2 refused"), "\(audit)")
        #expect(entries("remote-access certificate issued").count == 2)
        await plant.stop()
    }

    @Test func aSessionLimitAndAnIdleTimeoutCloseConnections() async throws {
        let plant = try Plant(limits: ", maxConnections: 1, idleTimeout: 5s")
        let viewer = try plant.issue("Vera Viewer", role: "Viewer")
        let gw = try RunningGateway(configFile: plant.config)
        #expect(await eventually { gw.model.snapshot().strings.allSatisfy { $0.quality == .ok } && gw.gateway.remoteAccessPort.value != nil })
        // One session reads, then says nothing for longer than the idle timeout (5 s).
        let started = Timestamp.now.millis
        let first = Task { () async throws -> Bool in
            try await plant.client(viewer, ["read:1:input:0:1", "sleep:12"]).first?["ok"] as? Bool == true
        }
        let db = Gateway.databasePath(dataDirectory: plant.dir.path)
        func audited(_ action: String) -> Int64? {
            (try? UserStore(db: GatewayDatabase(path: db, readOnly: true).db).auditLog(limit: 100))?.first { $0.action == action }?.at
        }
        // Once it is open, a second session is one too many: closed at once, before TLS.
        #expect(await eventually(20) { audited("remote access connected") != nil })
        let second = try await plant.client(viewer, ["read:1:input:0:1"], connects: false)
        #expect(second.first?["op"] as? String == "connect" && second.first?["ok"] as? Bool == false, "\(second)")
        // The idle one is closed by the gateway while its client still sleeps (it ends 12 s after its read).
        #expect(try await first.value, "the first read was answered")
        let ended = Timestamp.now.millis
        let closed = try #require(audited("remote access disconnected"))
        #expect(closed - started >= 4500 && closed < ended - 500, "closed \(closed - started) ms after the start, \(ended - closed) ms before the client ended")
        // Both are free again: a new session works.
        let third = try await plant.client(viewer, ["read:1:input:0:1"])
        #expect(third.first?["ok"] as? Bool == true, "\(third)")
        try await gw.stop()
        await plant.stop()
    }

    @Test func whatMustBeRefusedIsRefusedByOpenSSL() async throws {
        let plant = try Plant()
        let op = try plant.issue("Otto Operator", role: "Operator"), viewer = try plant.issue("Vera Viewer", role: "Viewer")
        let gw = try RunningGateway(configFile: plant.config)
        #expect(await eventually { gw.model.snapshot().strings.allSatisfy { $0.quality == .ok } && gw.gateway.remoteAccessPort.value != nil })
        // Another CA's certificate, with the Engineer role in its subject: worth nothing here.
        let other = "\(plant.dir.path)/other"
        _ = try await runOff("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(other).key",
                                         "-out", "\(other).pem", "-days", "2", "-subj", "/CN=Mallory/OU=Engineer"])
        // Revoked while the gateway runs: refused at the next connection.
        let (_, list, _) = try runBMGW(["remote-access", "list", "-c", plant.config])
        let serial = try #require(list.split(separator: "\n").first { $0.contains("Vera Viewer") }?.split(separator: " ").first.map(String.init))
        let (revoked, _, _) = try runBMGW(["remote-access", "revoke", "-c", plant.config, serial])
        #expect(revoked == 0)

        /// One Modbus request (read input register 0 of unit 1) through s_client; its stdout and stderr.
        func sClient(_ args: [String]) async throws -> (answer: Data, text: String) {
            let request = "\(plant.dir.path)/request.bin"
            try Data([0, 1, 0, 0, 0, 6, 1, 4, 0, 0, 0, 1]).write(to: URL(fileURLWithPath: request))
            let answer = "\(plant.dir.path)/answer.bin"
            try? FileManager.default.removeItem(atPath: answer)
            let command = "(cat \(request); sleep 3) | openssl s_client -connect 127.0.0.1:\(plant.port) -CAfile \(plant.ca) -quiet -no_ign_eof "
                + args.joined(separator: " ") + " > \(answer)"
            let (_, text) = try await runOff("sh", ["-c", command], errors: .always)
            return ((try? Data(contentsOf: URL(fileURLWithPath: answer))) ?? Data(), text)
        }
        let good = try await sClient(["-cert", op, "-key", op])
        #expect(good.answer == Data([0, 1, 0, 0, 0, 5, 1, 4, 2, 0x42, 0x43]), "the model id through TLS: \(good.text)")
        // A PKCS#12 file (password on standard input), opened by OpenSSL, holds a certificate and key that connect.
        let p12 = "\(plant.dir.path)/otto.p12", fromP12 = "\(plant.dir.path)/from-p12.pem"
        let (made, madeText) = try await runOff("sh", ["-c", "printf 'correct horse\\n' | \(bmgwExecutable) remote-access issue -c \(plant.config) "
                                                           + "--name 'Otto P12' --role Operator --format pkcs12 --out \(p12)"], errors: .always)
        #expect(made == 0, "\(madeText)")
        let (opened, openedText) = try await runOff("openssl", ["pkcs12", "-in", p12, "-passin", "pass:correct horse", "-nodes", "-out", fromP12],
                                                    errors: .always)
        #expect(opened == 0, "\(openedText)")
        let viaP12 = try await sClient(["-cert", fromP12, "-key", fromP12])
        #expect(viaP12.answer == good.answer, "through the PKCS#12's certificate: \(viaP12.text)")
        let none = try await sClient([])
        #expect(none.answer.isEmpty && none.text.contains("certificate required"), "no client certificate: \(none.text)")
        let foreign = try await sClient(["-cert", "\(other).pem", "-key", "\(other).key"])
        #expect(foreign.answer.isEmpty && foreign.text.contains("alert"), "another CA: \(foreign.text)")
        let gone = try await sClient(["-cert", viewer, "-key", viewer])
        #expect(gone.answer.isEmpty && gone.text.contains("alert"), "revoked: \(gone.text)")
        let old = try await sClient(["-cert", op, "-key", op, "-tls1_1"])
        #expect(old.answer.isEmpty && (old.text.contains("protocol version") || old.text.contains("no protocols available")), "TLS 1.1: \(old.text)")
        try await gw.stop()

        let audit = try UserStore(db: GatewayDatabase(path: Gateway.databasePath(dataDirectory: plant.dir.path), readOnly: true).db).auditLog(limit: 100)
        let refused = audit.filter { $0.action == "remote access refused" }.map(\.detail)
        #expect(refused.contains { $0.hasPrefix("certificate revoked; serial \(serial)") }, "\(refused)")
        #expect(refused.contains { $0.hasPrefix("certificate not issued by this gateway's remote-access CA") }, "\(refused)")
        await plant.stop()
    }
}

/// Polling goes on while a client reads continuously through the gateway (a heavy test: it measures
/// cadence, so it runs with the other heavy suites, not beside every end-to-end suite).
@Suite(.tags(.endToEnd, .heavy), .serialized, .timeLimit(.minutes(2))) struct RemoteAccessCadenceTests {
    /// Sweeps per second of each string over about `seconds`, from the samples' own times (a sleep
    /// on a loaded machine overshoots, so the window's length is not the measure).
    func sweeps(_ gw: RunningGateway, seconds: Double) async -> [Double] {
        let events = gw.model.events()
        let stop = Task { try? await Task.sleep(for: .seconds(seconds)); events.finish() }
        var times = Array(repeating: [Date](), count: gw.model.topology.strings.count)
        for await e in events { if case let .sample(s) = e { times[s.stringIndex].append(s.time) } }
        _ = await stop.value
        return times.map { t in
            guard let first = t.first, let last = t.last, t.count > 1 else { return 0 }
            return (Double(t.count - 1) / last.timeIntervalSince(first) * 100).rounded() / 100
        }
    }

    @Test func pollingKeepsItsCadenceDuringABurstOfRemoteReads() async throws {
        // s1 on TCP; s2 and s3 share an RTU bus, and the client reads s3's cells as fast as it can.
        let plant = try RemoteAccessTests.Plant(tcpUnits: [1], rtuUnits: [2, 3], requestsPerSecond: 1000)
        let viewer = try plant.issue("Vera Viewer", role: "Viewer")
        let gw = try RunningGateway(configFile: plant.config)
        #expect(await eventually { gw.model.snapshot().strings.allSatisfy { $0.quality == .ok } && gw.gateway.remoteAccessPort.value != nil })
        let quiet = await sweeps(gw, seconds: 4)
        let burst = Task { () async throws -> (ok: Bool, count: Int) in
            let done = try await plant.client(viewer, ["for:6:read:3:input:1000:16"]).first
            return (done?["ok"] as? Bool ?? false, done?["count"] as? Int ?? 0)
        }
        try await Task.sleep(for: .seconds(1))
        let busy = await sweeps(gw, seconds: 4)
        let (ok, count) = try await burst.value
        #expect(ok && count > 100, "every remote read answered: \(count)")
        print("poll sweeps per second without / with \(count) remote reads in 6 s: \(quiet) / \(busy)")
        for s in [0, 1] {
            #expect(busy[s] >= 0.9 * quiet[s], "string \(s + 1): \(busy[s]) sweeps/s vs \(quiet[s]) without remote reads")
        }
        try await gw.stop()
        await plant.stop()
    }
}
