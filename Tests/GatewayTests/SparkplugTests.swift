import Foundation
import ModbusCore
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Sparkplug B against a real mosquitto broker, decoded by protoc's Python code from the
/// specification's .proto (scripts/peers/sparkplug.py): births, seq, rebirth, historical data, the
/// death certificate after kill -9. The gateway runs as its own process (it is killed).
@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(3))) struct SparkplugTests {
    static let proto = repoRoot.appendingPathComponent("proto/sparkplug_b.proto").path
    static let script = repoRoot.appendingPathComponent("scripts/peers/sparkplug.py").path

    /// One decoded message: topic, seq (nil in NDEATH), and its metrics.
    struct Message {
        var topic: String
        var seq: Int?
        var metrics: [[String: Any]]
        var type: String { topic.split(separator: "/").dropFirst(2).first.map(String.init) ?? "" }

        /// protobuf's JSON writes 64-bit integers as strings.
        static func int(_ v: Any?) -> Int? { (v as? Int) ?? (v as? String).flatMap { Int($0) } }
        func metric(_ name: String) -> [String: Any]? { metrics.first { $0["name"] as? String == name } }
        var bdSeq: Int? { metric("bdSeq").flatMap { Self.int($0["long_value"]) } }
    }

    /// Everything recorded so far, decoded.
    func decoded(_ file: String) throws -> [Message] {
        let (code, out) = try run("/usr/bin/python3", [Self.script, "decode", Self.proto, file])
        #expect(code == 0, "\(out)")
        return out.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let topic = o["topic"] as? String,
                  let p = o["payload"] as? [String: Any] else { return nil }
            return Message(topic: topic, seq: Message.int(p["seq"]), metrics: p["metrics"] as? [[String: Any]] ?? [])
        }
    }

    @Test func birthsSeqRebirthHistoryAndDeath() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let broker = try Broker(dir: dir)
        try await broker.start()
        // The plant in a process of its own, like the gateway: its physics moves whatever this process does.
        let port = try freePort()
        let sim = try spawn([bmgwExecutable, "simulate", "--strings", "3", "--cells", "4", "--tcp", "127.0.0.1:\(port)"], output: "\(dir.path)/sim.log")
        defer { kill(sim, SIGKILL); _ = waitExit(sim) }
        #expect(await eventually(10) { accepts(port: port) }, "simulator listening")
        let file = "\(dir.path)/spb.txt"
        // A durable session: what is published while the broker restarts is kept for it.
        let recorder = try spawn(["mosquitto_sub", "-h", "127.0.0.1", "-p", "\(broker.tlsPort)", "--cafile", "\(mqttPKI)/ca.crt",
                                  "-t", "spBv1.0/#", "-q", "1", "-c", "-i", "spb-\(getpid())", "-F", "%t %x"], output: file)
        defer { kill(recorder, SIGKILL); _ = waitExit(recorder) }
        let config = try dir.write("g.yaml", configText(
            data: dir.path, endpoints: [.tcp(port: port, unit: 1), .tcp(port: port, unit: 2), .tcp(port: port, unit: 3)], cells: 4,
            extra: mqttSection(port: broker.tlsPort, interval: "100ms", extra: "  format: sparkplugB\n  sparkplug: { groupId: plant }")))
        // A discharge on every string: values change at every poll (a floating string barely moves).
        for unit in 1...3 { try modbusClient(port: port, unit: unit).writeRegister(ControlRegisters.discharge, 300) }
        var gateway = try startGatewayProcess(config: config, log: "\(dir.path)/gw.log")
        defer { if gateway > 0 { kill(gateway, SIGKILL); _ = waitExit(gateway) } }

        // 1. NBIRTH (seq 0, bdSeq 0), a DBIRTH per string with names, aliases and units, then DDATA;
        //    seq goes up by one (mod 256) over 300 messages without a gap.
        func summary() -> String {
            let types = ((try? decoded(file)) ?? []).map(\.type)
            let log = (try? String(contentsOfFile: "\(dir.path)/gw.log", encoding: .utf8)) ?? ""
            return "\(Dictionary(types.map { ($0, 1) }, uniquingKeysWith: +)); gateway log: \(log.suffix(1500))"
        }
        #expect(await eventuallyOffPool(60) { ((try? decoded(file)) ?? []).count >= 300 }, "300 messages: \(summary())")
        var messages = try decoded(file)
        #expect(messages.first?.topic == "spBv1.0/plant/NBIRTH/test-gw" && messages.first?.seq == 0 && messages.first?.bdSeq == 0,
                "\(messages.first.map { "\($0.topic) \($0.seq ?? -1) \($0.metrics)" } ?? "none")")
        #expect(messages.first?.metric("Node Control/Rebirth")?["boolean_value"] as? Bool == false)
        #expect(Array(messages.dropFirst().prefix(3).map(\.topic)) == ["s1", "s2", "s3"].map { "spBv1.0/plant/DBIRTH/test-gw/\($0)" })
        let birth = messages[1]
        #expect(birth.metrics.count == 6 + 4 * 5, "string values, quality, 4 cells × 5")
        let voltage = try #require(birth.metric("Cells/002/Voltage"))
        #expect(Message.int(voltage["alias"]) == 10_110 && Message.int(voltage["datatype"]) == 10 && voltage["double_value"] is Double, "\(voltage)")
        let unit = (voltage["properties"] as? [String: Any])?["values"] as? [[String: Any]]
        #expect(unit?.first?["string_value"] as? String == "V", "engUnit: \(voltage)")
        let first300 = Array(messages.prefix(300))
        for (a, b) in zip(first300, first300.dropFirst()) {
            #expect(b.seq == ((a.seq ?? -1) + 1) % 256, "seq \(a.seq ?? -1) → \(b.seq ?? -1) at \(b.topic)")
        }
        let data = messages.filter { $0.type == "DDATA" }
        #expect(data.count > 250 && data.allSatisfy { d in d.metrics.allSatisfy { $0["name"] == nil && $0["datatype"] == nil && $0["alias"] != nil } },
                "DDATA by alias only, no type (births said it)")
        #expect(data.contains { !$0.metrics.isEmpty && $0.metrics.count < 26 }, "report by exception: only what changed")

        // 2. A rebirth request (NCMD): a new NBIRTH, seq 0, the same bdSeq, and the DBIRTHs.
        let ncmd = "\(dir.path)/rebirth.bin"
        #expect(try run("/usr/bin/python3", [Self.script, "rebirth", Self.proto, ncmd]).0 == 0)
        #expect(try run("mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(broker.tlsPort)", "--cafile", "\(mqttPKI)/ca.crt", "-q", "1",
                                          "-t", "spBv1.0/plant/NCMD/test-gw", "-f", ncmd]).0 == 0)
        #expect(await eventuallyOffPool(20) { ((try? decoded(file)) ?? []).count { $0.type == "NBIRTH" } == 2 }, "a new NBIRTH")
        messages = try decoded(file)
        let rebirth = try #require(messages.lastIndex { $0.type == "NBIRTH" })
        #expect(messages[rebirth].seq == 0 && messages[rebirth].bdSeq == 0)
        #expect(messages[rebirth + 1].type == "DBIRTH" && messages[rebirth + 1].seq == 1)

        // 3. The broker away for a while: data made meanwhile waits in the outbox and comes as
        //    historical after the new session's births (bdSeq 1).
        await broker.stop()
        try await Task.sleep(for: .seconds(2))
        try await broker.start()
        #expect(await eventuallyOffPool(30) { ((try? decoded(file)) ?? []).contains { $0.type == "NBIRTH" && $0.bdSeq == 1 } }, "reconnected: \(summary())")
        #expect(await eventuallyOffPool(30) {
            ((try? decoded(file)) ?? []).contains { m in m.type == "DDATA" && m.metrics.contains { $0["is_historical"] as? Bool == true } }
        }, "historical DDATA replayed")
        messages = try decoded(file)
        let second = try #require(messages.firstIndex { $0.type == "NBIRTH" && $0.bdSeq == 1 })
        // Live data of the first connection is not historical (from the rebirth on: before it, data made
        // while a loaded machine was still connecting the first time went out, rightly, as historical).
        #expect(messages[rebirth..<second].allSatisfy { m in m.metrics.allSatisfy { $0["is_historical"] == nil } }, "live data is not historical")

        // 4. kill -9: the broker publishes the will, an NDEATH whose bdSeq is the last NBIRTH's.
        kill(gateway, SIGKILL)
        _ = waitExit(gateway)
        gateway = 0
        #expect(await eventuallyOffPool(20) { ((try? decoded(file)) ?? []).contains { $0.type == "NDEATH" } }, "NDEATH")
        messages = try decoded(file)
        let death = try #require(messages.last { $0.type == "NDEATH" })
        let lastBirth = try #require(messages.last { $0.type == "NBIRTH" })
        #expect(death.topic == "spBv1.0/plant/NDEATH/test-gw" && death.seq == nil && death.bdSeq == 1 && lastBirth.bdSeq == 1, "\(death.metrics)")
        await broker.stop()
    }

    /// `format: both`: the JSON tree and Sparkplug side by side, on two connections with their own
    /// client ids and wills.
    @Test func bothFormatsGoOutSideBySide() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let broker = try Broker(dir: dir)
        try await broker.start()
        let (sim, port) = try startSimulator(units: [1], cells: 4)
        let file = "\(dir.path)/spb.txt"
        let spb = try spawn(["mosquitto_sub", "-h", "127.0.0.1", "-p", "\(broker.tlsPort)", "--cafile", "\(mqttPKI)/ca.crt",
                             "-t", "spBv1.0/#", "-q", "1", "-F", "%t %x"], output: file)
        defer { kill(spb, SIGKILL); _ = waitExit(spb) }
        let json = try Recorder(dir: dir, port: broker.tlsPort)
        defer { json.stop() }
        let gw = try RunningGateway(configFile: try dir.write("g.yaml", configText(
            data: dir.path, endpoints: [.tcp(port: port, unit: 1)], cells: 4,
            extra: mqttSection(port: broker.tlsPort, extra: "  format: both"))))
        #expect(await eventuallyOffPool(20) {
            let types = Set(((try? decoded(file)) ?? []).map(\.type))
            return types.isSuperset(of: ["NBIRTH", "DBIRTH", "DDATA"]) && json.messages.contains { $0.topic == "btms/test-gw/strings/s1/measurement" }
        }, "Sparkplug \(Set(((try? decoded(file)) ?? []).map(\.type))) and JSON: \(Set(json.messages.map(\.topic)))")
        #expect(json.messages.contains { $0.topic == "btms/test-gw/status" && $0.payload == "online" })
        #expect(broker.log.contains("bmgw-test-gw-spb") && broker.log.contains("bmgw-test-gw "), "two client ids")
        try await gw.stop()
        await sim.stop()
        await broker.stop()
    }
}
