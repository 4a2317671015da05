public import BatteryModel
import Foundation
public import GatewayConfig
public import Logging
public import ServiceLifecycle
import ServiceSupport
public import Storage

/// Runs the alarm engine and the discharge detector over the live model,
/// keeps their lifecycle in SQLite and tells subscribers through ``events``.
public struct AlarmService: Service {
    public let events: EventBroadcaster
    private let store: DatabaseQueue<GatewayDatabase>
    private let model: LiveModel
    private let limits: LimitOverrides
    private var settings: AlarmSettings { limits.settings }
    private let discharge: DischargeSettings
    private let logger: Logger
    /// Days to each cell's estimated replacement by string id (the remaining-life estimates), for cellReplaceSoon.
    private let replacementDays: @Sendable () -> [String: [Int32]]
    /// ``AlarmEngine/sampleJitter``: a tenth of the poll interval.
    private let sampleJitter: Duration

    public init(store: DatabaseQueue<GatewayDatabase>, model: LiveModel, limits: LimitOverrides, discharge: DischargeSettings,
                events: EventBroadcaster, replacementDays: @escaping @Sendable () -> [String: [Int32]] = { [:] },
                sampleJitter: Duration = .zero, logger: Logger) {
        self.replacementDays = replacementDays
        self.sampleJitter = sampleJitter
        self.store = store
        self.model = model
        self.limits = limits
        self.discharge = discharge
        self.events = events
        self.logger = logger
    }

    /// Baselines are checked every 5 s (a period may end); limits as soon as they change.
    enum Tick: Hashable, Sendable { case baselines, limits }

    public func run() async throws {
        let topology = model.topology
        let keys = try await store.run { try $0.register(topology) }
        var state = try await AlarmState.load(store: store, topology: topology, keys: keys, limits: limits,
                                              discharge: discharge, now: .now)
        state.engine.sampleJitter = sampleJitter
        logger.info("alarm engine started", metadata: ["active": "\(state.engine.activeCount)"])
        let subscription = model.subscribe(ticks: Tick.self)
        let watch = limits.watch { subscription.wake(.limits) }
        defer { limits.unwatch(watch) }
        var dropped = 0
        var steady = SteadyTime()
        await ServiceLoop.run(subscription, timers: [.init(.baselines, every: .seconds(5))]) { input in
            switch input {
            case let .event(.sample(sample)):
                let (engine, detector) = (state.engine, state.detector)
                let st = steady.time(of: Timestamp(sample.time), arrivingAt: .now)
                let alarms = state.engine.evaluate(sample, steady: st)
                let dis = state.detector.update(sample, steady: st)
                if !alarms.isEmpty || dis != nil, await !apply(alarms, dis, &state) {
                    // Not stored: forget the decisions, so the next sample makes them again.
                    (state.engine, state.detector) = (engine, detector)
                }
            case let .event(.link(string, link)):
                let engine = state.engine
                let at = link.lastErrorTime.map(Timestamp.init) ?? .now
                let alarms = state.engine.evaluateLink(string: string, quality: link.quality, at: at, steady: steady.time(of: at))
                if !alarms.isEmpty, await !apply(alarms, nil, &state) { state.engine = engine }
            case .tick(.limits):
                state.apply(limits)
                logger.info("alarm limits applied")
            case .tick(.baselines):
                await state.refreshBaselines(store: store, settings: settings, now: .now, logger: logger)
                let days = replacementDays()
                for (i, s) in topology.strings.enumerated() { state.engine.setReplacementDays(days[s.id], string: i) }
                if subscription.dropped > dropped {
                    // The engine fell behind (a stalled database or output): samples were skipped, not queued.
                    logger.warning("alarm engine fell behind: samples skipped", metadata: ["samples": "\(subscription.dropped - dropped)"])
                    dropped = subscription.dropped
                }
            }
        }
        await state.saveOpenDischarges(store: store, now: .now, logger: logger)
    }

    /// The raise time in the clear's timeline when the wall clock was stepped while the alarm was
    /// active (the stored times would give a duration off by the step, negative for a step back),
    /// else nil. The duration is the monotonic time since the raise, less the off-delay already
    /// waited (`now − clearedAt`); 5 s of slack for a busy engine.
    static func raiseTime(_ raisedAt: Timestamp, clearedAt: Timestamp, now: Timestamp, raisedFor: Duration) -> Timestamp? {
        let waited = max(Duration.zero, .milliseconds(now.millis - clearedAt.millis))
        let duration = max(Duration.zero, raisedFor - waited)
        let stored = Duration.milliseconds(clearedAt.millis - raisedAt.millis)
        guard abs((stored - duration).milliseconds) > 5000 else { return nil }
        return Timestamp(millis: clearedAt.millis - duration.milliseconds)
    }

    /// Persists transitions in one transaction, then tells subscribers (a stored id in every event).
    /// Returns false when nothing could be stored.
    private func apply(_ alarms: [AlarmTransition], _ dis: DischargeTransition?, _ state: inout AlarmState) async -> Bool {
        let topology = model.topology
        let keys = state.keys
        let known = state.active
        let now = Timestamp.now
        let instant = ContinuousClock.now
        let raisedInstants = state.raisedInstants
        do {
            let result = try await store.run { store -> ([GatewayEvent], [AlarmKey: AlarmRecord], Int64?, [(Int64, Double)]) in
                try store.db.transaction {
                    var out: [GatewayEvent] = []
                    var active = known
                    var moved: [(Int64, Double)] = []
                    let log = AlarmLog(db: store.db)
                    for tr in alarms {
                        switch tr {
                        case let .raise(key, at, value, limit):
                            let id = try log.raise(stringKey: keys[key.string], cell: key.cell.map { $0 + 1 }, type: key.type,
                                                   at: at, value: value, limit: limit)
                            let record = AlarmState.record(key, id: id, at: at, value: value, limit: limit, topology)
                            active[key] = record
                            out.append(.alarmRaised(record))
                        case let .clear(key, at):
                            // The cleared event repeats the raise (from, value, limit) with its end.
                            guard var record = active.removeValue(forKey: key) else { continue }
                            if let raised = raisedInstants[key],
                               let corrected = Self.raiseTime(record.raisedAt, clearedAt: at, now: now, raisedFor: instant - raised) {
                                try log.moveRaise(id: record.id, to: corrected)
                                moved.append((record.id, Double((corrected - record.raisedAt).milliseconds) / 1000))
                                record.raisedAt = corrected
                            }
                            try log.clear(id: record.id, at: at)
                            record.clearedAt = at
                            out.append(.alarmCleared(record))
                        }
                    }
                    var dischargeId: Int64?
                    if let dis {
                        let dlog = DischargeLog(db: store.db)
                        switch dis {
                        case let .started(s, e), let .progress(s, e):
                            dischargeId = try dlog.save(AlarmState.record(e, string: s, topology), stringKey: keys[s], now: now)
                            if case .started = dis {
                                out.append(.dischargeStarted(AlarmState.record(e, string: s, topology, id: dischargeId)))
                            }
                        case let .ended(s, e):
                            dischargeId = try dlog.save(AlarmState.record(e, string: s, topology), stringKey: keys[s], now: now)
                            out.append(.dischargeEnded(AlarmState.record(e, string: s, topology, id: dischargeId)))
                        }
                    }
                    return (out, active, dischargeId, moved)
                }
            }
            state.active = result.1
            for tr in alarms {
                switch tr {
                case let .raise(key, _, _, _): state.raisedInstants[key] = instant
                case let .clear(key, _): state.raisedInstants[key] = nil
                }
            }
            for (id, seconds) in result.3 {
                logger.notice("alarm raise time moved: the wall clock was stepped while it was active", metadata: ["alarm": "\(id)", "seconds": "\(seconds)"])
            }
            if let id = result.2 {
                switch dis {
                case let .started(s, _), let .progress(s, _): state.detector.setId(id, string: s)
                default: break
                }
            }
            for event in result.0 {
                log(event)
                await events.send(event)
            }
            return true
        } catch {
            logger.error("cannot store alarm transitions; retried with the next sample", metadata: ["error": "\(error)", "count": "\(alarms.count)"])
            return false
        }
    }

    private func log(_ event: GatewayEvent) {
        switch event {
        case let .alarmRaised(r):
            logger.warning("alarm raised", metadata: ["type": "\(r.type.rawValue)", "string": "\(r.stringId)",
                                                      "cell": "\(r.cell.map(String.init) ?? "-")", "value": "\(r.value.map(String.init) ?? "-")"])
        case let .alarmCleared(r):
            logger.notice("alarm cleared", metadata: ["type": "\(r.type.rawValue)", "string": "\(r.stringId)",
                                                      "cell": "\(r.cell.map(String.init) ?? "-")"])
        case let .dischargeStarted(d):
            logger.notice("discharge started", metadata: ["string": "\(d.stringId)"])
        case let .dischargeEnded(d):
            logger.notice("discharge ended", metadata: ["string": "\(d.stringId)", "mAh": "\(d.chargeMilliAmpHours)"])
        case .remoteWrite:
            break  // logged by remote access
        }
    }

}
