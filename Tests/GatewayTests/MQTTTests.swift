import BatteryModel
import Foundation
import GatewayApp
import GatewayServices
import GatewayConfig
import Simulator
import Storage
import TestSupport
import Testing
import Uplink
#if canImport(Glibc)
import Glibc
#endif

func mqttSection(port: Int, ca: String = "ca.crt", interval: String = "200ms", extra: String = "") -> String {
    """
    mqtt:
      host: 127.0.0.1
      port: \(port)
      tls: { caFile: \(mqttPKI)/\(ca) }
      publishInterval: \(interval)
      statusInterval: 1s
    \(extra)
    """
}

/// The uplink against a real mosquitto broker over TLS, with mosquitto_sub recording.
@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(3))) struct MQTTTests {
    @Test func messagesArriveWithCorrectPayloads() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let broker = try Broker(dir: dir)
        try await broker.start()
        let recorder = try Recorder(dir: dir, port: broker.tlsPort)
        defer { recorder.stop() }
        let (sim, port) = try startSimulator(units: [1, 2], cells: 8)
        let gw = try RunningGateway(configFile: try dir.write("g.yaml", configText(
            data: dir.path, endpoints: [.tcp(port: port, unit: 1), .tcp(port: port, unit: 2)], cells: 8,
            extra: immediateAlarms + mqttSection(port: broker.tlsPort))))
        #expect(await eventually { gw.gateway.uplinkStatus?.state == .connected }, "\(String(describing: gw.gateway.uplinkStatus))")
        try pin(port, unit: 2, [(1004, [10900])])  // cell 5 of s2: 10.9 V, below the 11.5 V limit

        let prefix = "btms/test-gw"
        func measurement(_ s: String) -> [String: Any]? {
            recorder.json.last { $0.topic == "\(prefix)/strings/\(s)/measurement" }?.body
        }
        #expect(await eventually {
            ((measurement("s2")?["cells"] as? [String: Any])?["voltage"] as? [Double])?[4] == 10.9
        }, "\(recorder.messages.suffix(3))")
        let m = try #require(measurement("s2"))
        #expect(m["gateway"] as? String == "test-gw" && m["string"] as? String == "s2" && m["ups"] as? String == "u2")
        #expect(m["quality"] as? String == "ok")
        let cells = try #require(m["cells"] as? [String: Any])
        #expect(cells["count"] as? Int == 8)
        let volts = try #require(cells["voltage"] as? [Double])
        let model = try #require(gw.model.string(1).sample?.cells.voltage)
        #expect(volts.count == 8 && zip(volts, model).allSatisfy { abs($0 - Double($1) / 1000) < 0.01 }, "\(volts) vs \(model)")
        #expect((cells["soh"] as? [Double])?.count == 8 && (cells["resistance"] as? [Double])?.count == 8)
        let values = try #require(m["values"] as? [String: Any])
        let stringVolts = Double(try #require(gw.model.string(1).sample?.values.voltage)) / 1000
        #expect(abs((values["voltage"] as? Double ?? 0) - stringVolts) < 0.05, "\(values) vs \(stringVolts) V")
        #expect((m["time"] as? String)?.hasSuffix("Z") == true)

        // The alarm, with where, what, value and limit.
        #expect(await eventually { recorder.json.contains { $0.topic == "\(prefix)/alarms" } })
        let alarm = try #require(recorder.json.first { $0.topic == "\(prefix)/alarms" }?.body)
        #expect(alarm["event"] as? String == "raised")
        let a = try #require(alarm["alarm"] as? [String: Any])
        #expect(a["type"] as? String == "cellVoltageLow" && a["string"] as? String == "s2" && a["cell"] as? Int == 5)
        #expect(a["value"] as? Double == 10.9 && a["limit"] as? Double == 11.5 && a["unit"] as? String == "V")

        // Retained metadata and status; the gateway status message.
        let meta = try #require(recorder.json.first { $0.topic == "\(prefix)/meta" }?.body)
        #expect(meta["software"] as? String == "bmgw \(Gateway.version)")
        #expect((meta["strings"] as? [[String: Any]])?.map { $0["id"] as? String } == ["s1", "s2"])
        #expect((meta["units"] as? [String: String])?["cells.resistance"] == "mΩ")
        #expect(await eventually { recorder.json.contains { $0.topic == "\(prefix)/gateway" } })
        let status = try #require(recorder.json.last { $0.topic == "\(prefix)/gateway" }?.body)
        #expect((status["strings"] as? [String: String]) == ["s1": "ok", "s2": "ok"])
        let (_, retained) = try run("mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(broker.tlsPort)", "--cafile", "\(mqttPKI)/ca.crt",
                                                      "-t", "\(prefix)/status", "-t", "\(prefix)/meta", "-C", "2", "-W", "5", "-v"])
        #expect(retained.contains("\(prefix)/status online") && retained.contains("\(prefix)/meta {"), "\(retained)")

        // Every sequence number once, none missing.
        let seqs = recorder.seqs
        #expect(seqs == Set(1...(seqs.max() ?? 0)), "no gaps")

        try await gw.stop()
        await sim.stop()
        #expect(await eventually { recorder.messages.last { $0.topic == "\(prefix)/status" }?.payload == "offline" }, "offline at a clean stop")
        await broker.stop()  // keeps the broker alive to here, too
    }

    @Test func aWrongCAConnectsNothingAndLosesNothing() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let broker = try Broker(dir: dir)
        try await broker.start()
        let (sim, port) = try startSimulator(units: [1], cells: 8)
        let endpoints: [Endpoint] = [.tcp(port: port, unit: 1)]
        let wrong = try RunningGateway(configFile: try dir.write("wrong.yaml", configText(
            data: dir.path, endpoints: endpoints, cells: 8, extra: mqttSection(port: broker.tlsPort, ca: "other-ca.crt"))))
        #expect(await eventually { wrong.gateway.uplinkStatus?.lastError?.contains("certificate verify failed") == true },
                "\(String(describing: wrong.gateway.uplinkStatus))")
        // Generous: the whole suite shares the two cores (10 messages take 2 s when the gateway has a core).
        #expect(await eventually(30) { (wrong.gateway.uplinkStatus?.outboxMessages ?? 0) >= 10 }, "kept in the outbox")
        let status = try #require(wrong.gateway.uplinkStatus)
        #expect(status.state != .connected && status.acknowledged == 0 && status.dropped == 0)
        let (code, text, _) = try runBMGW(["status", "--data", dir.path])
        #expect(code == 0 && text.contains("certificate verify failed"), "bmgw status says why: \(text)")
        try await wrong.stop()

        // With the right CA, everything kept arrives, from the first message on.
        let recorder = try Recorder(dir: dir, port: broker.tlsPort)
        defer { recorder.stop() }
        try await Task.sleep(for: .milliseconds(300))
        let right = try RunningGateway(configFile: try dir.write("right.yaml", configText(
            data: dir.path, endpoints: endpoints, cells: 8, extra: mqttSection(port: broker.tlsPort))))
        #expect(await eventually { right.gateway.uplinkStatus?.state == .connected })
        #expect(await eventually { recorder.seqs.count > status.outboxMessages })
        let seqs = recorder.seqs
        #expect(seqs.min() == 1 && seqs == Set(1...(seqs.max() ?? 0)), "nothing lost")
        try await right.stop()
        await broker.stop()  // keeps the broker alive to here, too
        await sim.stop()
    }

    @Test func clientCertificatesAndCredentials() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let broker = try Broker(dir: dir)
        try await broker.start()
        let (sim, port) = try startSimulator(units: [1], cells: 8)
        let endpoints: [Endpoint] = [.tcp(port: port, unit: 1)]
        func gateway(_ name: String, port mqttPort: Int, extra: String, tls: String = "") throws -> RunningGateway {
            try FileManager.default.createDirectory(atPath: "\(dir.path)/\(name)", withIntermediateDirectories: true)
            var section = mqttSection(port: mqttPort, extra: extra)
            if !tls.isEmpty { section = section.replacingOccurrences(of: "tls: { caFile: \(mqttPKI)/ca.crt }", with: tls) }
            return try RunningGateway(configFile: try dir.write("\(name).yaml", configText(
                data: "\(dir.path)/\(name)", endpoints: endpoints, cells: 8, extra: section)))
        }
        // The listener that requires a client certificate: refused without one, accepted with ours.
        let without = try gateway("nocert", port: broker.certPort, extra: "")
        #expect(await eventually { without.gateway.uplinkStatus?.lastError != nil })
        #expect(without.gateway.uplinkStatus?.state != .connected)
        try await without.stop()
        let with = try gateway("cert", port: broker.certPort, extra: "", tls: "tls: { caFile: \(mqttPKI)/ca.crt, certFile: \(mqttPKI)/client.crt, keyFile: \(mqttPKI)/client.key }")
        #expect(await eventually { with.gateway.uplinkStatus?.state == .connected && (with.gateway.uplinkStatus?.acknowledged ?? 0) > 0 },
                "\(String(describing: with.gateway.uplinkStatus))")
        try await with.stop()

        // User name and password: a wrong one is refused (said clearly), the right one works; over MQTT 3.1.1 too.
        let bad = try gateway("badpw", port: broker.passwordPort, extra: "  username: \(Broker.user)\n  password: wrong-pass\n  protocol: \"3.1.1\"\n")
        #expect(await eventually { bad.gateway.uplinkStatus?.lastError?.contains("refused") == true },
                "\(String(describing: bad.gateway.uplinkStatus))")
        let refusal = bad.gateway.uplinkStatus?.lastError ?? ""
        #expect(refusal.localizedCaseInsensitiveContains("not authori") || refusal.localizedCaseInsensitiveContains("password"), "\(refusal)")
        try await bad.stop()
        let good = try gateway("goodpw", port: broker.passwordPort, extra: "  username: \(Broker.user)\n  password: \(Broker.password)\n  protocol: \"3.1.1\"\n")
        #expect(await eventually { good.gateway.uplinkStatus?.state == .connected && (good.gateway.uplinkStatus?.acknowledged ?? 0) > 0 })
        try await good.stop()

        // An unreadable CA file: said clearly, retried, nothing crashes.
        let missing = try gateway("noca", port: broker.tlsPort, extra: "", tls: "tls: { caFile: \(dir.path)/missing-ca.crt }")
        #expect(await eventually { missing.gateway.uplinkStatus?.lastError == "CA file \(dir.path)/missing-ca.crt is not readable" },
                "\(String(describing: missing.gateway.uplinkStatus))")
        try await missing.stop()
        await broker.stop()  // keeps the broker alive to here, too
        await sim.stop()
    }

    @Test func aFullOutboxDropsMeasurementsButKeepsEvents() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (sim, port) = try startSimulator(units: [1], cells: 8)
        let nobody = try freePort()  // no broker there
        let gw = try RunningGateway(configFile: try dir.write("g.yaml", configText(
            data: dir.path, endpoints: [.tcp(port: port, unit: 1)], cells: 8,
            extra: immediateAlarms + mqttSection(port: nobody, interval: "100ms", extra: "  outbox: { maxMegabytes: 0.01 }\n"))))
        #expect(await eventually { (gw.gateway.uplinkStatus?.dropped ?? 0) > 5 }, "\(String(describing: gw.gateway.uplinkStatus))")
        try pin(port, unit: 1, [(1002, [10800])])
        try await Task.sleep(for: .seconds(2))  // the alarm, then many more measurements over the limit
        let status = try #require(gw.gateway.uplinkStatus)
        #expect(status.outboxBytes <= 10 * 1024 * 105 / 100 + 2048, "about the limit: \(status.outboxBytes)")
        try await gw.stop()
        await sim.stop()
        let outbox = try Outbox(path: Gateway.outboxPath(dataDirectory: dir.path), maxBytes: 1 << 30)
        let events = try outbox.messages(priority: 0, after: 0, limit: 100).map(\.topic)
        #expect(events.contains("btms/test-gw/meta") && events.contains("btms/test-gw/alarms"), "\(events)")
        let measurements = try outbox.messages(priority: 1, after: 0, limit: 1000)
        #expect(!measurements.isEmpty && measurements.first?.seq ?? 0 > 1, "the oldest went first")
        #expect(outbox.dropped == status.dropped || outbox.dropped > status.dropped)
    }
}

extension MQTTTests {
    /// SIGHUP (or the web UI) with new MQTT settings: another listener, credentials and topic prefix, no restart.
    @Test func newSettingsTakeEffectWithoutARestart() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let broker = try Broker(dir: dir)
        try await broker.start()
        let recorder = try Recorder(dir: dir, port: broker.tlsPort, topic: "#")
        defer { recorder.stop() }
        let (sim, port) = try startSimulator(units: [1], cells: 8)
        func config(_ name: String, _ section: String) throws -> String {
            try dir.write(name, configText(data: dir.path, endpoints: [.tcp(port: port, unit: 1)], cells: 8, extra: section))
        }
        let gw = try RunningGateway(configFile: try config("a.yaml", mqttSection(port: broker.tlsPort)))
        #expect(await eventually { gw.gateway.uplinkStatus?.state == .connected })
        let second = mqttSection(port: broker.passwordPort, extra: "  username: \(Broker.user)\n  password: \(Broker.password)\n  topicPrefix: site7/gw\n")
        #expect(try gw.gateway.reload(GatewayConfig.load(file: try config("b.yaml", second))).isEmpty, "nothing needs a restart")
        #expect(await eventually { gw.gateway.uplinkStatus?.broker == "127.0.0.1:\(broker.passwordPort)" && gw.gateway.uplinkStatus?.state == .connected })
        #expect(await eventually { recorder.messages.contains { $0.topic == "site7/gw/strings/s1/measurement" } }, "new topics")
        let statuses = recorder.messages.filter { $0.topic.hasSuffix("/status") }.map { "\($0.topic) \($0.payload)" }
        #expect(statuses.starts(with: ["btms/test-gw/status online", "btms/test-gw/status offline", "site7/gw/status online"]), "\(statuses)")
        let seqs = recorder.seqs
        #expect(seqs == Set(1...(seqs.max() ?? 0)), "one numbering across the change, nothing lost")
        try await gw.stop()
        await sim.stop()
        await broker.stop()
    }
}
