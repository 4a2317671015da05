public import BatteryModel
public import Storage
import Alarms
import Synchronization

/// The latest remaining-life estimates of every string's cells, for the web UI, the API, SNMP and
/// MQTT (computed by ``RemainingLifeService``; nil until the first run).
public final class LifeEstimates: Sendable {
    public struct Snapshot: Sendable {
        public var computedAt: Timestamp
        public var strings: [String: [CellLife]]
        /// Seconds the last run took.
        public var seconds: Double
    }

    private let state = Mutex<Snapshot?>(nil)

    public init() {}

    public var snapshot: Snapshot? { state.withLock { $0 } }

    public func cells(of stringId: String) -> [CellLife]? { state.withLock { $0?.strings[stringId] } }

    public func replace(with s: Snapshot) { state.withLock { $0 = s } }

    /// Every string of `topology`: its rollups of the last year, its rating, its baseline if taken.
    public static func compute(_ db: GatewayDatabase, topology: Topology, now: Timestamp) throws -> [String: [CellLife]] {
        let baselines = try BaselineStore(db: db.db).all()
        var out: [String: [CellLife]] = [:]
        for s in topology.strings {
            guard let key = try db.stringKey(id: s.id) else { continue }
            out[s.id] = try RemainingLife.estimate(db, stringKey: key, cellCount: s.cellCount, rating: BatteryRating(s.battery),
                                                   baseline: baselines.first { $0.stringKey == key }?.resistance, now: now)
        }
        return out
    }
}
