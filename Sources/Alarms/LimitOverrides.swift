public import BatteryModel
public import GatewayConfig
public import Storage
import Synchronization

/// The alarm limits changed at run time (web UI, SNMP SET, `bmgw limits`), over the configuration's,
/// held in memory for everyone who evaluates or shows them: the alarm engine, the notifier, the SNMP
/// agent, the web UI. A change is stored first (the `alarm_limits` table is the record), then
/// published: watchers are woken at once, in this process, instead of polling the table.
public final class LimitOverrides: Sendable {
    public typealias Overrides = [String: [AlarmType: AlarmLimit]]

    /// The configured limits under the overrides.
    public let settings: AlarmSettings
    private struct State {
        var overrides: Overrides
        var watchers: [Int: @Sendable () -> Void] = [:]
        var next = 0
    }
    private let state: Mutex<State>

    public init(settings: AlarmSettings, overrides: Overrides = [:]) {
        self.settings = settings
        state = Mutex(State(overrides: overrides))
    }

    /// The overrides stored in `store`.
    public static func load(settings: AlarmSettings, store: DatabaseQueue<GatewayDatabase>) async throws -> LimitOverrides {
        LimitOverrides(settings: settings, overrides: try await store.run { try LimitStore(db: $0.db).all() })
    }

    public var overrides: Overrides { state.withLock { $0.overrides } }

    /// Configured limits of a string with its overrides applied.
    public func effective(forString id: String) -> [AlarmType: AlarmLimit] {
        let o = state.withLock { $0.overrides[id] } ?? [:]
        return settings.limits(forString: id).merging(o) { $1 }
    }

    /// Stores a string's new limit of one type (with `also` in the same transaction: an audit entry),
    /// then tells the watchers.
    public func set(stringId: String, type: AlarmType, _ limit: AlarmLimit, store: DatabaseQueue<GatewayDatabase>,
                    also: (@Sendable (GatewayDatabase) throws -> Void)? = nil) async throws {
        try await store.run { s in
            try s.db.transaction {
                try LimitStore(db: s.db).set(stringId: stringId, type: type, limit)
                try also?(s)
            }
        }
        publish { $0[stringId, default: [:]][type] = limit }
    }

    /// Removes an override (nil type: all of the string's), then tells the watchers.
    public func remove(stringId: String, type: AlarmType?, store: DatabaseQueue<GatewayDatabase>) async throws {
        try await store.run { try LimitStore(db: $0.db).remove(stringId: stringId, type: type) }
        publish { o in
            if let type { o[stringId]?[type] = nil } else { o[stringId] = nil }
            if o[stringId]?.isEmpty == true { o[stringId] = nil }
        }
    }

    /// Reads the table again after a change made by another process (`bmgw limits`, which says so
    /// over the status socket); watchers are told only if something changed.
    public func reload(store: DatabaseQueue<GatewayDatabase>) async throws {
        replace(with: try await store.run { try LimitStore(db: $0.db).all() })
    }

    /// All overrides at once, as just read from the table.
    public func replace(with fresh: Overrides) {
        publish { $0 = fresh }
    }

    /// Calls `onChange` (on the changing task: keep it short, e.g. a ``Subscription/wake(_:)``)
    /// after every change, until ``unwatch(_:)``.
    @discardableResult
    public func watch(_ onChange: @escaping @Sendable () -> Void) -> Int {
        state.withLock { s in
            s.next += 1
            s.watchers[s.next] = onChange
            return s.next
        }
    }

    public func unwatch(_ id: Int) {
        _ = state.withLock { $0.watchers.removeValue(forKey: id) }
    }

    private func publish(_ change: (inout Overrides) -> Void) {
        let watchers = state.withLock { s -> [@Sendable () -> Void] in
            var o = s.overrides
            change(&o)
            guard o != s.overrides else { return [] }
            s.overrides = o
            return Array(s.watchers.values)
        }
        for w in watchers { w() }
    }
}
