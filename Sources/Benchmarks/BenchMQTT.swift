import CMosquitto
import Foundation
import GatewayConfig
import Logging
import Storage
import Synchronization
import Uplink

/// Replay of a large outbox through the uplink against a bare libmosquitto QoS 1 publisher of the
/// same messages, to the same broker, in the same run.
enum BenchMQTT {
    static let count = 100_000
    static let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 1000)

    /// Rounds of one bare run then one replay; the ratio is taken pair by pair (the machine's load
    /// changes between rounds more than between the two halves of one).
    static let rounds = 5

    static func run(broker: String, logger: Logger) async throws {
        guard let (host, port) = GatewayConfig.hostPort(broker) else { throw BenchError("--broker must be HOST:PORT") }
        Bench.say("\nMQTT: \(count) QoS 1 messages of \(payload.count) bytes to mosquitto at \(broker) (plain TCP), 100 in flight, \(rounds) rounds:")
        var ours: [(acked: Double, removed: Double)] = [], bare: [Double] = []
        for round in 0..<rounds {
            bare.append(try barePublisher(host: host, port: port, topic: "bench/bare/\(round)"))
            ours.append(try await outboxReplay(host: host, port: port, round: round, logger: logger))
        }
        let b = Double(count) / (bare.min() ?? 1)
        let o = Double(count) / (ours.map(\.acked).min() ?? 1), r = Double(count) / (ours.map(\.removed).min() ?? 1)
        let ackedRatios = zip(bare, ours).map { $0 / $1.acked }.sorted(), removedRatios = zip(bare, ours).map { $0 / $1.removed }.sorted()
        let median = { (v: [Double]) in v[v.count / 2] }
        let range = { (v: [Double]) in "\(Bench.fmt(v.first ?? 0))–\(Bench.fmt(v.last ?? 0))" }
        Bench.say("  bare libmosquitto publisher: \(Bench.fmt(b, 0)) messages/s (best; seconds: \(bare.map { Bench.fmt($0, 2) }))")
        Bench.say("  outbox replay (uplink):      \(Bench.fmt(o, 0)) messages/s to the last acknowledgement "
                  + "(best; seconds: \(ours.map { Bench.fmt($0.acked, 2) })); \(Bench.fmt(r, 0)) messages/s until every one is "
                  + "removed from the outbox (\(ours.map { Bench.fmt($0.removed, 2) }))")
        Bench.say("  ratio replay / bare, median of \(rounds) pairs: \(Bench.fmt(median(ackedRatios))) acknowledged (\(range(ackedRatios))), "
                  + "\(Bench.fmt(median(removedRatios))) removed (\(range(removedRatios)))   (goal ≥ 0.9 acknowledged)")
    }

    /// Seconds to replay a full outbox until the broker has acknowledged every message, and until
    /// the outbox is empty.
    static func outboxReplay(host: String, port: Int, round: Int, logger: Logger) async throws -> (acked: Double, removed: Double) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bmgw-bench-\(getpid())-\(round)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outbox = try DatabaseQueue(label: "bench-outbox") { try Outbox(path: "\(dir)/outbox.sqlite", maxBytes: 1 << 30) }
        let body = payload
        try outbox.sync { o in
            let drafts = (0..<count).map { _ in Outbox.Draft(kind: .measurement, topic: "bench/outbox/\(round)") { _ in body } }
            try o.append(drafts, now: 0)
        }
        var settings = MQTTSettings(host: host, gatewayId: "bench")
        (settings.port, settings.tls, settings.clientId) = (port, false, "bmgw-bench-\(getpid())-\(round)")
        let uplink = MQTTUplink(settings: settings, outbox: outbox, logger: logger)
        let start = ContinuousClock.now
        await uplink.start()
        var acked: Duration?
        // Acknowledged, then every row deleted (the uplink does that while idle, after the replay).
        while outbox.sync({ $0.count }) > 0 || uplink.status.acknowledged < count {
            if acked == nil && uplink.status.acknowledged >= count { acked = ContinuousClock.now - start }
            try await Task.sleep(for: .milliseconds(acked == nil ? 2 : 10))
            if ContinuousClock.now - start > .seconds(300) { throw BenchError("replay did not finish: \(uplink.status)") }
        }
        let removed = ContinuousClock.now - start
        await uplink.stop()
        let left = outbox.sync { $0.count }
        guard left == 0 else { throw BenchError("\(left) messages left in the outbox") }
        let seconds = { (d: Duration) in Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        return (seconds(acked ?? removed), seconds(removed))
    }

    /// Seconds for a plain libmosquitto client to publish every message and get every PUBACK.
    static func barePublisher(host: String, port: Int, topic: String) throws -> Double {
        mosquitto_lib_init()
        let acks = Counter()
        guard let m = mosquitto_new("bare-\(getpid())-\(topic.hashValue)", true, Unmanaged.passUnretained(acks).toOpaque()) else {
            throw BenchError("mosquitto_new failed")
        }
        defer { mosquitto_destroy(m) }
        mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5)
        mosquitto_int_option(m, MOSQ_OPT_SEND_MAXIMUM, 100)
        mosquitto_publish_v5_callback_set(m) { _, ctx, _, _, _ in
            if let ctx { Unmanaged<Counter>.fromOpaque(ctx).takeUnretainedValue().value += 1 }
        }
        guard mosquitto_connect(m, host, Int32(port), 60) == MOSQ_ERR_SUCCESS.rawValue else { throw BenchError("cannot connect to \(host):\(port)") }
        let start = ContinuousClock.now
        for _ in 0..<count {
            let rc = payload.withUnsafeBytes { mosquitto_publish(m, nil, topic, Int32($0.count), $0.baseAddress, 1, false) }
            guard rc == MOSQ_ERR_SUCCESS.rawValue else { throw BenchError("publish: \(rc)") }
        }
        while acks.value < count {
            guard mosquitto_loop(m, 100, 1) == MOSQ_ERR_SUCCESS.rawValue else { throw BenchError("connection lost") }
        }
        let elapsed = ContinuousClock.now - start
        mosquitto_disconnect(m)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Touched only by the thread running mosquitto_loop.
    final class Counter {
        var value = 0
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
