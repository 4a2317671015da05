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

    /// Whole days from `now` to each cell's estimate by string id: 0 when due, n/a without a date
    /// (what the cellReplaceSoon alarm compares with its limit).
    public func replacementDays(now: Timestamp) -> [String: [Int32]] {
        guard let s = snapshot else { return [:] }
        return s.strings.mapValues { cells in
            var days = [Int32](repeating: Measurement.missing, count: (cells.map(\.cell).max() ?? 0))
            for c in cells where c.cell >= 1 {
                switch c.status {
                case .due: days[c.cell - 1] = 0
                case .estimate: days[c.cell - 1] = c.date.map { Int32(clamping: max(0, ($0 - now).milliseconds / 86_400_000)) } ?? Measurement.missing
                case .beyondHorizon, .notEnoughHistory: break
                }
            }
            return days
        }
    }

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
