import Foundation
import GatewayApp
import GatewayServices
import Simulator
import Storage
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
import Uplink
#endif

/// The outbox's promise, end to end with `bmgw run` processes: the broker stops, the gateway is
/// killed with SIGKILL meanwhile and started again, an alarm is raised during the outage; when the
/// broker is back every sequence number ever assigned arrives, and the alarm before the backlog.
@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(4))) struct MQTTRecoveryTests {
    @Test func brokerOutageAndKillLoseNothingAndAlarmsComeFirst() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let broker = try Broker(dir: dir)
        try await broker.start()
        var recorder = try Recorder(dir: dir, port: broker.tlsPort)
        defer { recorder.stop() }
        let (sim, port) = try startSimulator(units: [1, 2, 3], cells: 16)
        let config = try dir.write("g.yaml", configText(
            data: dir.path, endpoints: [.tcp(port: port, unit: 1), .tcp(port: port, unit: 2), .tcp(port: port, unit: 3)], cells: 16,
            logLevel: "info", extra: immediateAlarms + mqttSection(port: broker.tlsPort, interval: "100ms")))
        func startGateway() throws -> pid_t {
            try spawn([bmgwExecutable, "run", "--config", config], output: "\(dir.path)/gateway.log")
        }
        var gateway = try startGateway()
        defer { kill(gateway, SIGKILL); _ = waitExit(gateway) }
        func log() -> String { (try? String(contentsOfFile: "\(dir.path)/gateway.log", encoding: .utf8)) ?? "" }
        #expect(await eventually(15) { recorder.seqs.count >= 30 }, "\(log().suffix(1500))")

        // Outage: measurements pile up (3 strings × 5 samples per second).
        await broker.stop()
        let deliveredBefore = recorder.seqs.max() ?? 0
        try await Task.sleep(for: .seconds(3))
        try pin(port, unit: 2, [(1006, [10700])])  // cell 7 of s2 below its limit: an alarm while offline
        try await Task.sleep(for: .seconds(1))
        kill(gateway, SIGKILL)
        _ = waitExit(gateway)
        gateway = try startGateway()
        try await Task.sleep(for: .seconds(2))
        try await broker.start()
        // The recorder's durable session is restored from the broker's persistence when it connects
        // again; should mosquitto_sub have given up reconnecting (seen once under load), start it anew
        // with the same client id.
        if !(await eventually(5) { broker.log.components(separatedBy: " as \(recorder.clientId) ").count > 2 }) {
            recorder.stop()
            recorder = try Recorder(dir: dir, port: broker.tlsPort, append: true)
        }

        // Everything arrives; the gateway's outbox empties.
        #expect(await eventually(60) {
            guard let (code, out, _) = try? runBMGW(["status", "--data", dir.path, "--json"]), code == 0,
                  let doc = try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any],
                  let mqtt = doc["mqtt"] as? [String: Any] else { return false }
            return mqtt["state"] as? String == "connected" && mqtt["outboxMessages"] as? Int == 0
        }, "\(log().suffix(2000))")
        kill(gateway, SIGTERM)
        #expect(waitExit(gateway) == 0)
        #expect(await eventually(15) { recorder.messages.last?.payload == "offline" }, "\(broker.log.suffix(1500))")
        let assigned = try Outbox(path: Gateway.outboxPath(dataDirectory: dir.path), maxBytes: 1 << 30).nextSeq - 1
        let seqs = recorder.seqs
        #expect(assigned > Int64(deliveredBefore) + 60, "the outage produced a backlog")
        #expect(seqs == Set(1...Int(assigned)), "every sequence number ever assigned arrived: missing \(Set(1...Int(assigned)).subtracting(seqs).sorted().prefix(20))")

        // The alarm came before the measurements that waited longer than it did.
        let arrivals = recorder.json
        let alarmAt = try #require(arrivals.firstIndex {
            let a = $0.body["alarm"] as? [String: Any]
            return $0.body["event"] as? String == "raised" && a?["string"] as? String == "s2" && a?["cell"] as? Int == 7
        }, "\(arrivals.filter { $0.topic.hasSuffix("/alarms") }.map(\.body))")
        let alarmSeq = try #require(arrivals[alarmAt].body["seq"] as? Int)
        // Produced after the broker had stopped (about 0.7 s later: surely not delivered before), and before the alarm.
        let older = arrivals.indices.filter { i in
            guard arrivals[i].topic.hasSuffix("/measurement"), let s = arrivals[i].body["seq"] as? Int else { return false }
            return s > deliveredBefore + 10 && s < alarmSeq
        }
        #expect(older.count > 10, "a backlog older than the alarm: delivered before \(deliveredBefore), alarm \(alarmSeq)")
        #expect(older.allSatisfy { $0 > alarmAt }, "alarm at \(alarmAt), older measurements from \(older.min() ?? -1): \(arrivals[max(0, alarmAt - 20)...].prefix(40).map { "\($0.topic.split(separator: "/").last ?? ""):\($0.body["seq"] ?? "")" })")
        await broker.stop()
        await sim.stop()
    }
}
