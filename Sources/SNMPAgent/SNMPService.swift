public import Alarms
public import BatteryModel
import Foundation
public import GatewayConfig
public import Logging
public import ServiceLifecycle
public import Storage

/// Keeps the SNMP agent's view current: rebuilt from the live model once a
/// second, and at once when an alarm is raised or cleared; stores alarm limits set over SNMP.
public struct SNMPService: Service {
    let server: SNMPAgentServer
    let builder: MIBBuilder
    let writes: LimitWrites?
    let alarms: AlarmSettings
    let model: LiveModel
    let store: DatabaseQueue<HistoryStore>
    let events: EventBroadcaster
    let logger: Logger

    public init(server: SNMPAgentServer, builder: MIBBuilder, writes: LimitWrites?, alarms: AlarmSettings, model: LiveModel,
                store: DatabaseQueue<HistoryStore>, events: EventBroadcaster, logger: Logger) {
        self.server = server
        self.builder = builder
        self.writes = writes
        self.alarms = alarms
        self.model = model
        self.store = store
        self.events = events
        self.logger = logger
    }

    private enum Input: Sendable {
        case event(GatewayEvent)
        case tick
        case limit(LimitWrites.Change)
    }

    /// Configuration limits with the run-time overrides over them, in string order.
    private func effective(_ overrides: [String: [AlarmType: AlarmLimit]]) -> [[AlarmType: AlarmLimit]] {
        model.topology.strings.map { alarms.limits(forString: $0.id).merging(overrides[$0.id] ?? [:]) { $1 } }
    }

    public func run() async throws {
        let started = ContinuousClock.now
        do { try server.start() } catch {
            // Not fatal for the rest of the gateway (a port in use, say): said clearly, then idle.
            logger.error("SNMP agent not started", metadata: ["error": "\(error)"])
            try? await gracefulShutdown()
            return
        }
        var active = (try? await store.run { try AlarmLog(db: $0.db).active().map(\.record) }) ?? []
        var raised: UInt32 = 0
        var overrides = (try? await store.run { try LimitStore(db: $0.db).all() }) ?? [:]
        writes?.update(effective: effective(overrides))
        let subscription = events.subscribe()
        let (inputs, input) = AsyncStream<Input>.makeStream()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await e in subscription.events { input.yield(.event(e)) }
                input.finish()
            }
            if let writes {
                group.addTask {
                    for await change in writes.changes { input.yield(.limit(change)) }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    input.yield(.tick)
                }
            }
            group.addTask {
                try? await gracefulShutdown()
                subscription.finish()
                writes?.finish()
            }
            var ticks = 0
            server.update(builder.view(snapshot: model.snapshot(), activeAlarms: active, alarmsRaised: raised,
                                       uptime: .now - started, overrides: overrides))
            for await item in inputs {
                switch item {
                case let .event(.alarmRaised(r)):
                    active.append(r)
                    raised &+= 1
                    let n = builder.notification(r, cleared: false, topology: model.topology)
                    server.notify(trap: n.trap, varbinds: n.varbinds)
                case let .event(.alarmCleared(r)):
                    active.removeAll { $0.id == r.id }
                    let n = builder.notification(r, cleared: true, topology: model.topology)
                    server.notify(trap: n.trap, varbinds: n.varbinds)
                case .event:
                    continue
                case let .limit(change):
                    // Stored like `bmgw limits --set`: the alarm engine picks it up with its next reload.
                    do {
                        try await store.run { try LimitStore(db: $0.db).set(stringId: change.stringId, type: change.type, change.limit) }
                        overrides[change.stringId, default: [:]][change.type] = change.limit
                        logger.notice("alarm limit set over SNMP", metadata: ["user": "\(change.user)", "string": "\(change.stringId)",
                                                                             "type": "\(change.type.rawValue)"])
                    } catch {
                        logger.error("alarm limit set over SNMP not stored", metadata: ["string": "\(change.stringId)",
                                                                                        "type": "\(change.type.rawValue)", "error": "\(error)"])
                    }
                    writes?.update(effective: effective(overrides))
                case .tick:
                    ticks += 1
                    if ticks % 10 == 0, let fresh = try? await store.run({ try LimitStore(db: $0.db).all() }), fresh != overrides {
                        overrides = fresh
                        writes?.update(effective: effective(overrides))
                    }
                }
                server.update(builder.view(snapshot: model.snapshot(), activeAlarms: active, alarmsRaised: raised,
                                           uptime: .now - started, overrides: overrides))
            }
            group.cancelAll()
        }
        await server.stop()
    }
}
