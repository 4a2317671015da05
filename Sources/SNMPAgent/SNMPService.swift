public import Alarms
public import Analytics
public import BatteryModel
import Foundation
import GatewayConfig
public import Logging
public import ServiceLifecycle
import ServiceSupport
public import Storage

/// Keeps the SNMP agent's view current: rebuilt from the live model once a
/// second, and at once when an alarm is raised or cleared; stores alarm limits set over SNMP.
public struct SNMPService: Service {
    let server: SNMPAgentServer
    let builder: MIBBuilder
    let writes: LimitWrites?
    let limits: LimitOverrides
    let model: LiveModel
    let store: DatabaseQueue<GatewayDatabase>
    let logger: Logger
    /// Remaining-life estimates for the cell table's columns 8–12.
    let life: LifeEstimates
    /// Taken when the service is made, before any service runs: an alarm raised while the agent
    /// starts is still notified (the agent's start can take seconds on a busy machine).
    let subscription: Subscription<GatewayEvent, Tick>

    public init(server: SNMPAgentServer, builder: MIBBuilder, writes: LimitWrites?, limits: LimitOverrides, model: LiveModel,
                store: DatabaseQueue<GatewayDatabase>, events: EventBroadcaster, life: LifeEstimates = LifeEstimates(), logger: Logger) {
        self.server = server
        self.life = life
        self.builder = builder
        self.writes = writes
        self.limits = limits
        self.model = model
        self.store = store
        self.logger = logger
        subscription = events.subscribe(ticks: Tick.self)
    }

    /// The view is rebuilt every second; the limit table as soon as a limit changes.
    enum Tick: Hashable, Sendable { case refresh, limits }

    /// Configuration limits with the run-time overrides over them, in string order.
    private func effective() -> [[AlarmType: AlarmLimit]] {
        model.topology.strings.map { limits.effective(forString: $0.id) }
    }

    public func run() async throws {
        let started = ContinuousClock.now
        do { try await server.start() } catch {
            // Not fatal for the rest of the gateway (a port in use, say): said clearly, then idle.
            logger.error("SNMP agent not started", metadata: ["error": "\(error)"])
            subscription.finish()  // lossless: left open, it would hold up the alarm service once full
            try? await gracefulShutdown()
            return
        }
        var active = (try? await store.run { try AlarmLog(db: $0.db).active().map(\.record) }) ?? []
        var raised: UInt32 = 0
        var battery = builder.batteryNotifications ? BatteryNotifier(discharge: builder.discharge) : nil
        writes?.update(effective: effective())
        let subscription = self.subscription
        let watch = limits.watch { subscription.wake(.limits) }
        defer { limits.unwatch(watch) }
        let (limits, store, logger, writes) = (self.limits, self.store, self.logger, self.writes)
        // SETs committed on the agent thread are stored here, then published to every limit reader.
        let storeWrites: @Sendable () async -> Void = {
            guard let writes else { return }
            for await change in writes.changes {
                do {
                    try await limits.set(stringId: change.stringId, type: change.type, change.limit, store: store)
                    logger.notice("alarm limit set over SNMP", metadata: ["user": "\(change.user)", "string": "\(change.stringId)",
                                                                         "type": "\(change.type.rawValue)"])
                } catch {
                    logger.error("alarm limit set over SNMP not stored", metadata: ["string": "\(change.stringId)",
                                                                                    "type": "\(change.type.rawValue)", "error": "\(error)"])
                }
            }
        }
        var layout = MIBView.Layout()
        server.update(builder.view(snapshot: model.snapshot(), activeAlarms: active, alarmsRaised: raised,
                                   uptime: .now - started, overrides: limits.overrides, life: life.snapshot, layout: &layout))
        await ServiceLoop.run(subscription, timers: [.init(.refresh, every: .seconds(1))], alongside: [storeWrites],
                              onShutdown: { writes?.finish() }) { input in
            switch input {
            case let .event(.alarmRaised(r)):
                // Raised after the subscription but before the active alarms were read: listed once, notified.
                if !active.contains(where: { $0.id == r.id }) { active.append(r) }
                raised &+= 1
                let n = builder.notification(r, cleared: false, topology: model.topology)
                server.notify(trap: n.trap, varbinds: n.varbinds)
                if let b = battery?.notification(for: r, snapshot: model.snapshot()) { server.notify(trap: b.trap, varbinds: b.varbinds) }
            case let .event(.alarmCleared(r)):
                active.removeAll { $0.id == r.id }
                let n = builder.notification(r, cleared: true, topology: model.topology)
                server.notify(trap: n.trap, varbinds: n.varbinds)
            case .event:
                return
            case .tick(.limits):
                writes?.update(effective: effective())
            case .tick(.refresh):
                break
            }
            server.update(builder.view(snapshot: model.snapshot(), activeAlarms: active, alarmsRaised: raised,
                                       uptime: .now - started, overrides: limits.overrides, cellIdentifiers: battery?.cellIdentifiers ?? [:],
                                       life: life.snapshot, layout: &layout))
        }
        await server.stop()
    }
}
