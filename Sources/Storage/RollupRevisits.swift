import Synchronization

/// Hours whose rollup may be stale: samples were written into them after a later hour, which only
/// happens when the wall clock is stepped back (NTP, an operator). Their rollups are computed again,
/// so hourly history matches the raw rows (the recorder's maintenance and its last step at shutdown).
final class RollupRevisits: Sendable {
    /// Rollup keys (string key + hour start), and each string's newest hour written.
    private let state = Mutex<(hours: Set<Int64>, newest: [Int64: Int64])>(([], [:]))

    /// Notes a sample written at `millis` for string `key`.
    func wrote(string key: Int64, millis: Int64) {
        let hour = millis / GatewayDatabase.hour * GatewayDatabase.hour
        state.withLock {
            if let newest = $0.newest[key], hour < newest { $0.hours.insert(SampleKey.make(string: key, millis: hour)) }
            $0.newest[key] = max($0.newest[key] ?? hour, hour)
        }
    }

    func take() -> Set<Int64> {
        state.withLock { s in
            defer { s.hours = [] }
            return s.hours
        }
    }

    func putBack(_ keys: [Int64]) {
        state.withLock { $0.hours.formUnion(keys) }
    }
}

extension GatewayDatabase {
    /// Computes a revisited hour's rollup again if the hour has one, or if it is over (before
    /// `limit`). Returns whether the hour is settled: false while it still runs (rows may come).
    func rollUpAgain(_ rollupKey: Int64, before limit: Int64) throws -> Bool {
        let hourStart = SampleKey.millis(rollupKey)
        let exists = try db.scalar("SELECT count(*) FROM rollups WHERE key = ?", rollupKey) ?? 0 > 0
        guard exists || hourStart + Self.hour <= limit else { return false }
        try rollUp(stringKey: SampleKey.string(rollupKey), hourStart: hourStart)
        return hourStart + Self.hour <= limit
    }
}
