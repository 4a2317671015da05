public import Analytics
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
/// gateway status every `statusInterval`; with Home Assistant discovery on, also its retained
/// entity configurations, the site summary with each publish and the alarm state at each change.
/// The ``MQTTUplink`` thread sends them.
public struct UplinkService: Service {
    let uplink: MQTTUplink
    let payloads: UplinkPayloads
    let model: LiveModel
    /// Taken when the service is made, before any service runs, so no event of the start is missed.
    let subscription: Subscription<GatewayEvent, Tick>
    /// The alarms active at start (from the database); events keep the list current from then on.
    let activeAlarms: @Sendable () async -> [AlarmRecord]
    /// Each cell's remaining life, published when a new estimate is made.
    let life: LifeEstimates?
    let logger: Logger

    public init(uplink: MQTTUplink, gatewayId: String, version: String, model: LiveModel, events: EventBroadcaster,
                activeAlarms: @escaping @Sendable () async -> [AlarmRecord] = { [] }, life: LifeEstimates? = nil, logger: Logger) {
        self.life = life
        self.uplink = uplink
        payloads = UplinkPayloads(gatewayId: gatewayId, version: version, topology: model.topology)
        self.model = model
        subscription = events.subscribe(ticks: Tick.self)
        self.activeAlarms = activeAlarms
        self.logger = logger
    }

    /// Measurements and the gateway status are published on their own intervals.
    enum Tick: Hashable, Sendable { case measurements, status, life }

    public func run() async throws {
        let started = ContinuousClock.now
        await uplink.start()
        let payloads = self.payloads, uplink = self.uplink
        // Topics and intervals are read at each use: settings can change while running.
        var topics: UplinkTopics { UplinkTopics(prefix: uplink.settings.topicPrefix) }
        let interval = uplink.settings.publishInterval
        await store([Outbox.Draft(kind: .meta, topic: topics.meta, retain: true) { payloads.meta(seq: $0, publishInterval: interval) }])
        var active = await activeAlarms()
        var homeAssistant = HomeAssistantState()
        await store(homeAssistant.follow(uplink.settings, payloads: payloads, topics: topics) + alarmState(active, topics, uplink.settings))
        var published: [Date?] = Array(repeating: nil, count: model.topology.strings.count)
        let timers: [ServiceLoop.Timer<Tick>] = [.init(.measurements) { uplink.settings.publishInterval },
                                                 .init(.status) { uplink.settings.statusInterval }, .init(.life, every: .seconds(10))]
        var lifePublished: Timestamp?
        await ServiceLoop.run(subscription, timers: timers) { input in
            switch input {
            case let .event(e):
                var drafts = [draft(e, topics)]
                switch e {
                case let .alarmRaised(r):
                    // Raised after the subscription but before the active alarms were read: listed once.
                    if !active.contains(where: { $0.id == r.id }) { active.append(r) }
                    drafts += alarmState(active, topics, uplink.settings)
                case let .alarmCleared(r):
                    active.removeAll { $0.id == r.id }
                    drafts += alarmState(active, topics, uplink.settings)
                default: break
                }
                await store(drafts)
            case .tick(.measurements):
                // Discovery switched on or off, or its prefix or the topic prefix changed (a reload).
                let settings = uplink.settings
                var followed = homeAssistant.follow(settings, payloads: payloads, topics: topics)
                if !followed.isEmpty { followed += alarmState(active, topics, settings) }
                await store(followed)
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
                if settings.homeAssistant && !drafts.isEmpty {
                    let site = LiveSummary.site(snapshot, id: payloads.gatewayId), now = Timestamp.now
                    drafts.append(Outbox.Draft(kind: .status, topic: topics.site, retain: true) { payloads.site(seq: $0, site, now: now) })
                }
                await store(drafts)
            case .tick(.life):
                // Checked every 10 s, sent once per estimate (every 6 h): retained, so a new dashboard has it at once.
                guard let snapshot = life?.snapshot, snapshot.computedAt != lifePublished else { return }
                lifePublished = snapshot.computedAt
                await store(model.topology.strings.compactMap { s in
                    snapshot.strings[s.id].map { cells in
                        Outbox.Draft(kind: .meta, topic: topics.life(string: s.id), retain: true) {
                            payloads.life(seq: $0, string: s.id, computedAt: snapshot.computedAt, cells: cells)
                        }
                    }
                })
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

    /// The alarm state for Home Assistant, when its discovery is on.
    private func alarmState(_ active: [AlarmRecord], _ topics: UplinkTopics, _ settings: MQTTSettings) -> [Outbox.Draft] {
        guard settings.homeAssistant else { return [] }
        let payloads = self.payloads, now = Timestamp.now
        return [Outbox.Draft(kind: .event, topic: topics.alarmState, retain: true) { payloads.alarmState(seq: $0, active, now: now) }]
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

/// Which discovery configurations are published, so a change of settings removes the old ones.
struct HomeAssistantState {
    private var published: (key: [String], topics: [String])?

    /// The drafts that bring the broker's retained configurations in line with `settings`: none
    /// when nothing changed; empty retained payloads (Home Assistant's "remove") for the old topics,
    /// then the new configurations.
    mutating func follow(_ settings: MQTTSettings, payloads: UplinkPayloads, topics: UplinkTopics) -> [Outbox.Draft] {
        let key = settings.homeAssistant ? [settings.discoveryPrefix, settings.topicPrefix, "\(settings.publishInterval)"] : []
        guard key != (published?.key ?? []) else { return [] }
        var drafts = (published?.topics ?? []).map { Outbox.Draft(kind: .meta, topic: $0, retain: true) { _ in [] } }
        published = nil
        if settings.homeAssistant {
            let entities = payloads.homeAssistantEntities(discoveryPrefix: settings.discoveryPrefix, topics: topics, publishInterval: settings.publishInterval)
            drafts += entities.map { e in Outbox.Draft(kind: .meta, topic: e.topic, retain: true) { _ in e.payload } }
            published = (key, entities.map(\.topic))
        }
        return drafts
    }
}
