import BatteryModel
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
    private let config: Mutex<(current: MQTTSettings, pending: MQTTSettings?)>
    private let outbox: DatabaseQueue<Outbox>
    private let logger: Logger
    private let threads = WorkerThreads()
    private let state: Mutex<UplinkStatus>
    /// Bumped by every append, so the sender knows when to look in the outbox again.
    private let generation = Atomic<Int>(0)

    public init(settings: MQTTSettings, outbox: DatabaseQueue<Outbox>, logger: Logger) {
        config = Mutex((settings, nil))
        self.outbox = outbox
        self.logger = logger
        state = Mutex(UplinkStatus(broker: "\(settings.host):\(settings.port)"))
    }

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
            return (r.dropped, (o.count, o.bytes, o.dropped))
        }
        wake()
        state.withLock { ($0.outboxMessages, $0.outboxBytes, $0.dropped) = counts }
        if dropped > 0 {
            logger.error("MQTT outbox full: oldest measurements dropped", metadata: [
                "dropped": "\(dropped)", "droppedTotal": "\(counts.2)", "limitBytes": "\(settings.outboxMaxBytes)"])
        }
    }

    public func start() async {
        // Read on the outbox's own queue, not on a cooperative thread.
        if let counts = try? await outbox.run({ ($0.count, $0.bytes, $0.dropped) }) {
            state.withLock { ($0.outboxMessages, $0.outboxBytes, $0.dropped) = counts }
        }
        threads.spawn(name: "mqtt-uplink") { [self] in run() }
    }

    /// Graceful: "offline" published, what is in flight given a moment to be acknowledged, then disconnect.
    public func stop() async {
        await threads.stop()
    }

    // MARK: Uplink thread

    private struct Session {
        let client: MosquittoClient
        var connected = false
        var plan = ReplayPlan(boundary: 0)
        /// Message id → sequence number (nil for the birth / offline messages).
        var inflight: [Int32: Int64?] = [:]
        /// The last turn handed messages over: there may be more.
        var sentLastTurn = false
    }

    private func run() {
        var settings = config.withLock { $0.current }
        var topics = UplinkTopics(prefix: settings.topicPrefix)
        var session: Session?
        var failures = 0
        var nextAttempt = ContinuousClock.now
        var acked: [Int64] = []
        var lastFlush = ContinuousClock.now

        func flush() {
            guard !acked.isEmpty else { return }
            let done = acked
            acked.removeAll(keepingCapacity: true)
            do {
                let counts = try outbox.sync { o in try o.remove(done); return (o.count, o.bytes) }
                state.withLock { ($0.outboxMessages, $0.outboxBytes) = counts }
            } catch {
                // Left in the outbox: sent again later (at least once).
                logger.error("MQTT outbox: acknowledged messages not removed", metadata: ["error": "\(error)"])
            }
            lastFlush = .now
        }

        func lost(_ reason: String) {
            flush()
            session = nil
            failures += 1
            let pause = Self.backoff(failures: failures, backlog: state.withLock { $0.outboxMessages } > 0)
            nextAttempt = .now + pause
            let now = Self.millis()
            let first = state.withLock { s -> Bool in
                defer { s.state = .disconnected; s.inflight = 0; s.connectedSince = nil; s.lastError = reason; s.lastErrorAt = now }
                return s.lastError != reason || s.state == .connected
            }
            // The same reason again (a broker that stays away) is logged once.
            logger.log(level: first ? .warning : .debug, "MQTT not connected; retrying",
                       metadata: ["broker": "\(settings.host):\(settings.port)", "reason": "\(reason)", "retryIn": "\(pause)"])
        }

        while !threads.isStopping {
            if let new = config.withLock({ c -> MQTTSettings? in
                defer { if let p = c.pending { c.current = p; c.pending = nil } }
                return c.pending
            }) {
                if let s = session { leave(s, topics: topics, acked: &acked) }
                flush()
                session = nil
                (settings, topics, failures, nextAttempt) = (new, UplinkTopics(prefix: new.topicPrefix), 0, .now)
                let limit = new.outboxMaxBytes
                outbox.sync { $0.maxBytes = limit }
                state.withLock { st in (st.broker, st.state, st.lastError, st.lastErrorAt) = ("\(new.host):\(new.port)", .connecting, nil, nil) }
                logger.notice("MQTT settings applied", metadata: ["broker": "\(new.host):\(new.port)", "topicPrefix": "\(new.topicPrefix)"])
            }
            guard var s = session else {
                if ContinuousClock.now < nextAttempt {
                    _ = threads.sleep(min(.milliseconds(100), nextAttempt - .now))
                    continue
                }
                state.withLock { $0.state = .connecting }
                do {
                    let client = try MosquittoClient(settings: settings, statusTopic: topics.status)
                    try client.connect()
                    session = Session(client: client)
                } catch {
                    lost(error.description)
                }
                continue
            }
            // Without waiting only while a replay keeps the window full of work; otherwise network
            // I/O waits up to 50 ms (a PUBACK or new message ends it early), so an idle uplink sleeps.
            let busy = s.connected && s.sentLastTurn && s.inflight.count < settings.maxInflight
            let loopError = s.client.loop(timeoutMs: busy ? 0 : 50)
            var gone: String?
            // Events first: a refusal in CONNACK says more than the loop's error that follows it.
            for event in s.client.takeEvents() {
                switch event {
                case .connected:
                    s.connected = true
                    failures = 0
                    let boundary = (try? outbox.sync { try $0.lastSeq() }) ?? 0
                    s.plan = ReplayPlan(boundary: boundary)
                    if let mid = try? s.client.publish(topic: topics.status, payload: Array("online".utf8), retain: true) { s.inflight[mid] = .some(nil) }
                    let now = Self.millis()
                    let backlog = state.withLock { st -> Int in
                        (st.state, st.connectedSince, st.lastError, st.lastErrorAt) = (.connected, now, nil, nil)
                        return st.outboxMessages
                    }
                    logger.notice("MQTT connected", metadata: ["broker": "\(settings.host):\(settings.port)", "backlog": "\(backlog)"])
                case let .refused(reason):
                    gone = gone ?? "broker refused the connection: \(reason)"
                case let .disconnected(reason):
                    gone = gone ?? reason
                case let .published(mid, reason):
                    guard let entry = s.inflight.removeValue(forKey: mid) else { continue }
                    guard let seq = entry else { continue }
                    acked.append(seq)
                    let now = Self.millis()
                    state.withLock { st in
                        st.acknowledged += 1
                        st.lastAckAt = now
                        if reason >= 0x80 { st.rejected += 1 }
                    }
                    if reason >= 0x80 {
                        // Refused for good (not authorised for the topic, say): sending it again would not help.
                        logger.error("MQTT broker refused a message", metadata: ["seq": "\(seq)", "reasonCode": "\(reason)"])
                    }
                }
            }
            gone = gone ?? loopError
            if let gone {
                session = s
                lost(gone)
                continue
            }
            if s.connected {
                s.sentLastTurn = false
                while s.inflight.count < settings.maxInflight {
                    let generation = generation.load(ordering: .acquiring)
                    guard let m = s.plan.next(generation: generation, fetch: { p, after, through, limit in
                        (try? self.outbox.sync { try $0.messages(priority: p, after: after, through: through, limit: limit) }) ?? []
                    }) else { break }
                    do {
                        let mid = try s.client.publish(topic: m.topic, payload: m.payload, retain: m.retain)
                        s.inflight[mid] = m.seq
                        s.sentLastTurn = true
                    } catch {
                        gone = error.description
                        break
                    }
                }
                let inflight = s.inflight.count
                state.withLock { $0.inflight = inflight }
            }
            session = s
            if let gone {
                lost(gone)
                continue
            }
            if acked.count >= 512 || (!acked.isEmpty && ContinuousClock.now - lastFlush >= .milliseconds(50)) { flush() }
        }
        if let s = session { leave(s, topics: topics, acked: &acked) }
        flush()
        session = nil
        state.withLock { $0.state = .disconnected; $0.inflight = 0 }
    }

    /// The pause before the next connection attempt: doubling from 1 s up to 60 s, but at most 2 s while
    /// the outbox holds messages, so a backlog flows soon after the broker is back (an attempt at a
    /// broker that is away costs a refused TCP connection). Up to 20 % longer at random, so a fleet of
    /// gateways does not come back in step.
    static func backoff(failures: Int, backlog: Bool) -> Duration {
        let seconds = min(backlog ? 2 : 60, 1 << min(max(failures, 1) - 1, 6))
        return .milliseconds(Int64(Double(seconds * 1000) * Double.random(in: 1...1.2)))
    }

    /// Leaving a broker on purpose: tell subscribers ("offline", as the will would), let what is in
    /// flight be acknowledged (up to 2 s), disconnect cleanly.
    private func leave(_ session: Session, topics: UplinkTopics, acked: inout [Int64]) {
        var s = session
        guard s.connected else { return }
        if let mid = try? s.client.publish(topic: topics.status, payload: Array("offline".utf8), retain: true) { s.inflight[mid] = .some(nil) }
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
