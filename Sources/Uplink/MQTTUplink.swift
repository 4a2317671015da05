public import BatteryModel
import Sparkplug
import Foundation
public import GatewayConfig
public import Logging
import ServiceSupport
public import Storage
import Synchronization

/// The MQTT connection on a thread of its own: connects (TLS), replays the outbox with a bounded
/// number of messages in flight, deletes each message when its PUBACK arrives, reconnects with
/// back-off. Producers only append to the outbox and call ``wake()``.
public final class MQTTUplink: Sendable {
    /// Settings in force, and new ones waiting for the uplink thread.
    let config: Mutex<(current: MQTTSettings, pending: MQTTSettings?)>
    let outbox: DatabaseQueue<Outbox>
    let logger: Logger
    let threads = WorkerThreads()
    let state: Mutex<UplinkStatus>
    /// Bumped by every append, so the sender knows when to look in the outbox again.
    let generation = Atomic<Int>(0)
    /// Bumped whenever births went out (Sparkplug): the producer then reports every value again.
    let birthCount = Atomic<Int>(0)
    /// What a connection says beyond the stored messages, made for the settings in force.
    let dialect: @Sendable (MQTTSettings) -> any UplinkDialect

    /// The JSON topic tree's uplink.
    public convenience init(settings: MQTTSettings, outbox: DatabaseQueue<Outbox>, logger: Logger) {
        self.init(settings: settings, outbox: outbox, logger: logger) { JSONDialect(topics: UplinkTopics(prefix: $0.topicPrefix)) }
    }

    /// A Sparkplug B edge node's uplink: births from `model`.
    public convenience init(sparkplug settings: MQTTSettings, outbox: DatabaseQueue<Outbox>, model: LiveModel, version: String, logger: Logger) {
        let payloads = SparkplugPayloads(topology: model.topology, version: version)
        self.init(settings: settings, outbox: outbox, logger: logger) { s in
            SparkplugDialect(session: SparkplugSession(topics: SparkplugTopics(group: s.sparkplugGroup, node: s.sparkplugNode), payloads: payloads),
                             model: model)
        }
    }

    init(settings: MQTTSettings, outbox: DatabaseQueue<Outbox>, logger: Logger, dialect: @escaping @Sendable (MQTTSettings) -> any UplinkDialect) {
        config = Mutex((settings, nil))
        self.outbox = outbox
        self.logger = logger
        self.dialect = dialect
        state = Mutex(UplinkStatus(broker: "\(settings.host):\(settings.port)"))
    }

    /// Births went out this many times (Sparkplug: NBIRTH and DBIRTHs).
    public var births: Int { birthCount.load(ordering: .acquiring) }

    public var status: UplinkStatus { state.withLock { $0 } }

    /// The settings new messages are made with (topics, intervals).
    public var settings: MQTTSettings { config.withLock { $0.pending ?? $0.current } }

    /// New broker, credentials, TLS files, topics, intervals or limits, without a restart: the uplink
    /// leaves the current broker cleanly ("offline") and connects with the new settings at once.
    /// Messages already in the outbox keep their topics.
    public func reconfigure(_ new: MQTTSettings) {
        config.withLock { $0.pending = new }
    }

    /// New messages are in the outbox.
    public func wake() {
        generation.add(1, ordering: .releasing)
    }

    /// Stores the drafts durably (before anything is sent), then wakes the sender. Logs what a full
    /// outbox dropped.
    public func enqueue(_ drafts: [Outbox.Draft]) async throws {
        guard !drafts.isEmpty else { return }
        let now = Timestamp.now.millis
        let (dropped, counts) = try await outbox.run { o in
            let r = try o.append(drafts, now: now)
            return (r.dropped, (o.waiting, o.bytes, o.dropped, o.oldestCreated))
        }
        wake()
        state.withLock { ($0.outboxMessages, $0.outboxBytes, $0.dropped, $0.outboxOldestAt) = counts }
        if dropped > 0 {
            logger.error("MQTT outbox full: oldest measurements dropped", metadata: [
                "dropped": "\(dropped)", "droppedTotal": "\(counts.2)", "limitBytes": "\(settings.outboxMaxBytes)"])
        }
    }

    public func start() async {
        // Read on the outbox's own queue, not on a cooperative thread.
        if let counts = try? await outbox.run({ ($0.waiting, $0.bytes, $0.dropped, $0.oldestCreated) }) {
            state.withLock { ($0.outboxMessages, $0.outboxBytes, $0.dropped, $0.outboxOldestAt) = counts }
        }
        threads.spawn(name: "mqtt-uplink") { [self] in
            var loop = Loop(uplink: self)
            loop.run()
        }
    }

    /// Graceful: "offline" published, what is in flight given a moment to be acknowledged, then disconnect.
    public func stop() async {
        await threads.stop()
    }

    // MARK: Uplink thread

    struct Session {
        let client: MosquittoClient
        var connected = false
        var plan = ReplayPlan(boundary: 0)
        /// Message id → sequence number (nil for the birth / offline messages).
        var inflight: [Int32: Int64?] = [:]
        /// The last turn handed messages over: there may be more.
        var sentLastTurn = false
    }

    /// The pause before the next connection attempt: doubling from 1 s up to 60 s, but at most 2 s while
    /// the outbox holds messages, so a backlog flows soon after the broker is back (an attempt at a
    /// broker that is away costs a refused TCP connection). Up to 20 % longer at random, so a fleet of
    /// gateways does not come back in step.
    static func backoff(failures: Int, backlog: Bool) -> Duration {
        let seconds = min(backlog ? 2 : 60, 1 << min(max(failures, 1) - 1, 6))
        return .milliseconds(Int64(Double(seconds * 1000) * Double.random(in: 1...1.2)))
    }

    /// Leaving a broker on purpose: tell subscribers ("offline" or NDEATH, as the will would), let
    /// what is in flight be acknowledged (up to 2 s), disconnect cleanly.
    func leave(_ session: Session, saying last: UplinkMessage, acked: inout [Int64]) {
        var s = session
        guard s.connected else { return }
        if let mid = try? s.client.publish(topic: last.topic, payload: last.payload, retain: last.retain) { s.inflight[mid] = .some(nil) }
        let deadline = ContinuousClock.now + .seconds(2)
        while !s.inflight.isEmpty && ContinuousClock.now < deadline {
            if s.client.loop(timeoutMs: 50) != nil { break }
            for case let .published(mid, _) in s.client.takeEvents() {
                if let entry = s.inflight.removeValue(forKey: mid), let seq = entry { acked.append(seq) }
            }
        }
        s.client.disconnect()
        _ = s.client.loop(timeoutMs: 10)
    }

    static func millis() -> Int64 {
        Timestamp.now.millis
    }
}
