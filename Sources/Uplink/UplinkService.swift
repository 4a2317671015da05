public import Alarms
public import BatteryModel
import Foundation
import GatewayConfig
public import Logging
public import ServiceLifecycle
import ServiceSupport
import Storage

/// Turns the live model and the gateway's events into outbox messages: each string's measurements
/// every `publishInterval`, alarm and discharge events as they happen, metadata at start and the
/// gateway status every `statusInterval`. The ``MQTTUplink`` thread sends them.
public struct UplinkService: Service {
    let uplink: MQTTUplink
    let payloads: UplinkPayloads
    let model: LiveModel
    /// Taken when the service is made, before any service runs, so no event of the start is missed.
    let subscription: Subscription<GatewayEvent, Tick>
    let logger: Logger

    public init(uplink: MQTTUplink, gatewayId: String, version: String, model: LiveModel, events: EventBroadcaster, logger: Logger) {
        self.uplink = uplink
        payloads = UplinkPayloads(gatewayId: gatewayId, version: version, topology: model.topology)
        self.model = model
        subscription = events.subscribe(ticks: Tick.self)
        self.logger = logger
    }

    /// Measurements and the gateway status are published on their own intervals.
    enum Tick: Hashable, Sendable { case measurements, status }

    public func run() async throws {
        let started = ContinuousClock.now
        await uplink.start()
        let payloads = self.payloads, uplink = self.uplink
        // Topics and intervals are read at each use: settings can change while running.
        var topics: UplinkTopics { UplinkTopics(prefix: uplink.settings.topicPrefix) }
        let interval = uplink.settings.publishInterval
        await store([Outbox.Draft(kind: .meta, topic: topics.meta, retain: true) { payloads.meta(seq: $0, publishInterval: interval) }])
        var published: [Date?] = Array(repeating: nil, count: model.topology.strings.count)
        let timers: [ServiceLoop.Timer<Tick>] = [.init(.measurements) { uplink.settings.publishInterval },
                                                 .init(.status) { uplink.settings.statusInterval }]
        await ServiceLoop.run(subscription, timers: timers) { input in
            switch input {
            case let .event(e):
                await store([draft(e, topics)])
            case .tick(.measurements):
                // Only samples not published yet: a string that stopped answering sends nothing new
                // (its quality is in the gateway status).
                let snapshot = model.snapshot()
                var drafts: [Outbox.Draft] = []
                for (i, s) in snapshot.strings.enumerated() {
                    guard let sample = s.sample, sample.time != published[i] else { continue }
                    published[i] = sample.time
                    let quality = s.quality
                    drafts.append(Outbox.Draft(kind: .measurement, topic: topics.measurement(string: snapshot.topology.strings[i].id)) {
                        payloads.measurement(seq: $0, stringIndex: i, sample: sample, quality: quality)
                    })
                }
                await store(drafts)
            case .tick(.status):
                let qualities = model.snapshot().strings.map(\.quality)
                let st = uplink.status
                let uptime = ContinuousClock.now - started
                let now = Timestamp.now
                await store([Outbox.Draft(kind: .status, topic: topics.gateway, retain: true) {
                    payloads.status(seq: $0, now: now, uptime: uptime, qualities: qualities,
                                    outbox: (st.outboxMessages, st.outboxBytes, st.dropped))
                }])
            }
        }
        await uplink.stop()
    }

    private func draft(_ e: GatewayEvent, _ topics: UplinkTopics) -> Outbox.Draft {
        let payloads = self.payloads
        switch e {
        case let .alarmRaised(r): return Outbox.Draft(kind: .event, topic: topics.alarms) { payloads.alarm(seq: $0, r, cleared: false) }
        case let .alarmCleared(r): return Outbox.Draft(kind: .event, topic: topics.alarms) { payloads.alarm(seq: $0, r, cleared: true) }
        case let .dischargeStarted(d): return Outbox.Draft(kind: .event, topic: topics.discharges) { payloads.discharge(seq: $0, d, ended: false) }
        case let .dischargeEnded(d): return Outbox.Draft(kind: .event, topic: topics.discharges) { payloads.discharge(seq: $0, d, ended: true) }
        case let .remoteWrite(w): return Outbox.Draft(kind: .event, topic: topics.remoteWrites) { payloads.remoteWrite(seq: $0, w) }
        }
    }

    /// Into the outbox; a failure (disk full) is logged and the messages are lost, loudly.
    private func store(_ drafts: [Outbox.Draft]) async {
        do {
            try await uplink.enqueue(drafts)
        } catch {
            logger.error("MQTT outbox: messages not stored", metadata: ["count": "\(drafts.count)", "error": "\(error)"])
        }
    }
}
