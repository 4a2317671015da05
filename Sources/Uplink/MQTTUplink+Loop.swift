import BatteryModel
import GatewayConfig
import Logging
import ServiceSupport
import Storage
import Synchronization

extension MQTTUplink {
    /// The uplink thread's work, one turn at a time: apply new settings, connect when due, then
    /// network I/O, the events it brought, and new messages up to the in-flight window. Lives on
    /// that thread only.
    struct Loop {
        let uplink: MQTTUplink
        var settings: MQTTSettings
        var dialect: any UplinkDialect
        var session: Session?
        var failures = 0
        var nextAttempt = ContinuousClock.now
        /// Sequence numbers acknowledged and not yet recorded in the outbox.
        var acked: [Int64] = []
        var lastFlush = ContinuousClock.now
        /// The outbox holds acknowledged rows to delete while idle.
        var purgeDue = true

        init(uplink: MQTTUplink) {
            self.uplink = uplink
            settings = uplink.config.withLock { $0.current }
            dialect = uplink.dialect(settings)
        }

        mutating func run() {
            while !uplink.threads.isStopping {
                applyNewSettings()
                guard var s = session else {
                    purgeWhileIdle()
                    connectWhenDue()
                    continue
                }
                let gone = turn(&s)
                session = s
                if let gone {
                    lost(gone)
                    continue
                }
                if flushDue(s) { flush() }
                if s.inflight.isEmpty && !s.sentLastTurn { purgeWhileIdle() }
            }
            if let s = session { uplink.leave(s, saying: dialect.leaving(), acked: &acked) }
            flush()
            session = nil
            uplink.state.withLock { $0.state = .disconnected; $0.inflight = 0 }
        }

        /// New settings from ``MQTTUplink/reconfigure(_:)``: leave the broker cleanly, start afresh.
        private mutating func applyNewSettings() {
            guard let new = uplink.config.withLock({ c -> MQTTSettings? in
                defer { if let p = c.pending { c.current = p; c.pending = nil } }
                return c.pending
            }) else { return }
            if let s = session { uplink.leave(s, saying: dialect.leaving(), acked: &acked) }
            flush()
            session = nil
            (settings, dialect, failures, nextAttempt) = (new, uplink.dialect(new), 0, .now)
            let limit = new.outboxMaxBytes
            uplink.outbox.sync { $0.maxBytes = limit }
            uplink.state.withLock { st in (st.broker, st.state, st.lastError, st.lastErrorAt) = ("\(new.host):\(new.port)", .connecting, nil, nil) }
            uplink.logger.notice("MQTT settings applied", metadata: ["broker": "\(new.host):\(new.port)", "topicPrefix": "\(new.topicPrefix)"])
        }

        private mutating func connectWhenDue() {
            if ContinuousClock.now < nextAttempt {
                _ = uplink.threads.sleep(min(.milliseconds(100), nextAttempt - .now))
                return
            }
            uplink.state.withLock { $0.state = .connecting }
            do {
                let client = try MosquittoClient(settings: settings, will: dialect.will())
                try client.connect()
                session = Session(client: client)
            } catch {
                lost(error.description)
            }
        }

        /// Network I/O, then its events, then sending; returns why the connection is gone, if it is.
        private mutating func turn(_ s: inout Session) -> String? {
            // Without waiting only while a replay keeps the window full of work; otherwise network
            // I/O waits up to 50 ms (a PUBACK or new message ends it early), so an idle uplink sleeps.
            // Acknowledged rows to delete (once nothing is in flight) keep it from waiting too.
            let busy = (s.connected && s.sentLastTurn && s.inflight.count < settings.maxInflight) || (purgeDue && s.inflight.isEmpty)
            let loopError = s.client.loop(timeoutMs: busy ? 0 : 50)
            // Events first: a refusal in CONNACK says more than the loop's error that follows it.
            if let gone = handle(s.client.takeEvents(), &s) ?? loopError { return gone }
            return s.connected ? send(&s) : nil
        }

        /// Returns the first reason the connection is gone among `events`, if any.
        private mutating func handle(_ events: [MosquittoClient.Event], _ s: inout Session) -> String? {
            var gone: String?
            for event in events {
                switch event {
                case .connected:
                    connected(&s)
                case let .refused(reason):
                    gone = gone ?? "broker refused the connection: \(reason)"
                case let .disconnected(reason):
                    gone = gone ?? reason
                case let .published(mid, reason):
                    acknowledged(mid, reason: reason, &s)
                case let .message(topic, payload):
                    gone = gone ?? publish(dialect.received(topic: topic, payload: payload), &s)
                }
            }
            return gone
        }

        private mutating func connected(_ s: inout Session) {
            s.connected = true
            s.client.stopLogging()
            failures = 0
            let boundary = (try? uplink.outbox.sync { try $0.lastSeq() }) ?? 0
            s.plan = ReplayPlan(boundary: boundary)
            for topic in dialect.subscriptions {
                do { try s.client.subscribe(topic) } catch {
                    uplink.logger.error("MQTT subscription refused", metadata: ["topic": "\(topic)", "error": "\(error)"])
                }
            }
            _ = publish(dialect.births(), &s)
            let now = MQTTUplink.millis()
            let backlog = uplink.state.withLock { st -> Int in
                (st.state, st.connectedSince, st.lastError, st.lastErrorAt) = (.connected, now, nil, nil)
                return st.outboxMessages
            }
            uplink.logger.notice("MQTT connected", metadata: ["broker": "\(settings.host):\(settings.port)", "backlog": "\(backlog)"])
        }

        private mutating func acknowledged(_ mid: Int32, reason: Int32, _ s: inout Session) {
            // nil: not ours; .some(nil): the birth or offline message, not in the outbox.
            guard let entry = s.inflight.removeValue(forKey: mid), let seq = entry else { return }
            acked.append(seq)
            let now = MQTTUplink.millis()
            uplink.state.withLock { st in
                st.acknowledged += 1
                st.lastAckAt = now
                if reason >= 0x80 { st.rejected += 1 }
            }
            if reason >= 0x80 {
                // Refused for good (not authorised for the topic, say): sending it again would not help.
                uplink.logger.error("MQTT broker refused a message", metadata: ["seq": "\(seq)", "reasonCode": "\(reason)"])
            }
        }

        /// Publishes the connection's own messages (births, answers to commands); returns why the
        /// connection is gone if it is.
        private mutating func publish(_ messages: [UplinkMessage], _ s: inout Session) -> String? {
            guard !messages.isEmpty else { return nil }
            for m in messages {
                do { s.inflight[try s.client.publish(topic: m.topic, payload: m.payload, retain: m.retain)] = .some(nil) } catch {
                    return error.description
                }
            }
            uplink.birthCount.add(1, ordering: .releasing)
            return nil
        }

        /// Hands the next messages of the replay plan to libmosquitto, up to the in-flight window.
        private mutating func send(_ s: inout Session) -> String? {
            s.sentLastTurn = false
            var gone: String?
            let outbox = uplink.outbox
            while s.inflight.count < settings.maxInflight {
                let generation = uplink.generation.load(ordering: .acquiring)
                guard let m = s.plan.next(generation: generation, fetch: { p, after, through, limit in
                    (try? outbox.sync { try $0.messages(priority: p, after: after, through: through, limit: limit) }) ?? []
                }) else { break }
                do {
                    let payload = dialect.outgoing(m.payload, historical: m.seq <= s.plan.boundary)
                    let mid = try s.client.publish(topic: m.topic, payload: payload, retain: m.retain)
                    s.inflight[mid] = m.seq
                    s.sentLastTurn = true
                } catch {
                    gone = error.description
                    break
                }
            }
            let inflight = s.inflight.count
            uplink.state.withLock { $0.inflight = inflight }
            return gone
        }

        /// Acknowledgements are recorded once the in-flight window has drained (a replay is over, or
        /// between live messages), or every 2 s / 8 192 messages during a replay. A crash sends
        /// those not recorded again (at least once).
        private func flushDue(_ s: Session) -> Bool {
            guard !acked.isEmpty else { return false }
            return (s.inflight.isEmpty && !s.sentLastTurn) || acked.count >= 8192 || ContinuousClock.now - lastFlush >= .seconds(2)
        }

        /// Records acknowledged messages in the outbox (their rows are deleted later, while idle).
        private mutating func flush() {
            guard !acked.isEmpty else { return }
            let done = acked
            acked.removeAll(keepingCapacity: true)
            do {
                let counts = try uplink.outbox.sync { o in try o.acknowledge(done); return (o.waiting, o.bytes, o.oldestCreated) }
                uplink.state.withLock { ($0.outboxMessages, $0.outboxBytes, $0.outboxOldestAt) = counts }
                purgeDue = true
            } catch {
                // Left in the outbox: sent again later (at least once).
                uplink.logger.error("MQTT outbox: acknowledged messages not recorded", metadata: ["error": "\(error)"])
            }
            lastFlush = .now
        }

        /// Nothing to send: deletes acknowledged rows, a few thousand per turn, so a new message
        /// waits for one small transaction at most; stops once none is left.
        private mutating func purgeWhileIdle() {
            guard purgeDue else { return }
            do {
                let (left, bytes) = try uplink.outbox.sync { o in (try o.purge(limit: 4096), o.bytes) }
                uplink.state.withLock { $0.outboxBytes = bytes }
                purgeDue = left > 0
            } catch {
                uplink.logger.error("MQTT outbox: acknowledged messages not deleted", metadata: ["error": "\(error)"])
                purgeDue = false
            }
        }

        private mutating func lost(_ reason: String) {
            flush()
            session = nil
            failures += 1
            let pause = MQTTUplink.backoff(failures: failures, backlog: uplink.state.withLock { $0.outboxMessages } > 0)
            nextAttempt = .now + pause
            let now = MQTTUplink.millis()
            let first = uplink.state.withLock { s -> Bool in
                defer { s.state = .disconnected; s.inflight = 0; s.connectedSince = nil; s.lastError = reason; s.lastErrorAt = now }
                return s.lastError != reason || s.state == .connected
            }
            // The same reason again (a broker that stays away) is logged once.
            uplink.logger.log(level: first ? .warning : .debug, "MQTT not connected; retrying",
                              metadata: ["broker": "\(settings.host):\(settings.port)", "reason": "\(reason)", "retryIn": "\(pause)"])
        }
    }
}
