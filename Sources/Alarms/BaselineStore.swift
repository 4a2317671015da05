public import Storage
public import BatteryModel

/// Per-string resistance baselines for the ohmic-rise alarm: the mean resistance of
/// every cell over a period after commissioning (or after a reset).
public struct BaselineStore {
    let db: SQLiteConnection

    public init(db: SQLiteConnection) {
        self.db = db
    }

    public struct Baseline: Sendable, Equatable {
        public var stringKey: Int64
        public var startAt: Timestamp
        public var endAt: Timestamp
        /// Mean µΩ per cell; nil until the period is over and computed.
        public var resistance: [Int32]?
    }

    public func all() throws -> [Baseline] {
        let s = try db.statement("SELECT string_key, start_at, end_at, resistance FROM baselines")
        defer { s.reset() }
        var out: [Baseline] = []
        while try s.step() {
            let r = s.isNull(3) ? nil : s.withBlob(3) { PackedColumns.decode($0)?.first }
            out.append(Baseline(stringKey: s.int64(0), startAt: Timestamp(millis: s.int64(1)), endAt: Timestamp(millis: s.int64(2)), resistance: r))
        }
        return out
    }

    /// Starts a baseline period for a string that has none.
    public func begin(stringKey: Int64, at: Timestamp, period: Duration) throws {
        let s = try db.statement("INSERT OR IGNORE INTO baselines(string_key, start_at, end_at) VALUES (?, ?, ?)")
        defer { s.reset() }
        try s.bind(1, stringKey)
        try s.bind(2, at)
        try s.bind(3, at + period)
        try s.step()
    }

    /// Starts the period again from `at` (after cells were replaced); nil key: every string.
    public func reset(stringKey: Int64?, at: Timestamp, period: Duration) throws {
        let s = try db.statement(stringKey == nil
            ? "UPDATE baselines SET start_at = ?1, end_at = ?2, resistance = NULL"
            : "UPDATE baselines SET start_at = ?1, end_at = ?2, resistance = NULL WHERE string_key = ?3")
        defer { s.reset() }
        try s.bind(1, at)
        try s.bind(2, at + period)
        if let stringKey { try s.bind(3, stringKey) }
        try s.step()
    }

    public func complete(stringKey: Int64, resistance: [Int32]) throws {
        let s = try db.statement("UPDATE baselines SET resistance = ? WHERE string_key = ?")
        defer { s.reset() }
        try s.bind(1, PackedColumns.encode([resistance]))
        try s.bind(2, stringKey)
        try s.step()
    }
}

extension GatewayDatabase {
    /// Mean resistance of every cell over `from ..< to` from the logged samples; nil without samples.
    public func meanCellResistance(stringKey: Int64, from: Timestamp, to: Timestamp) throws -> [Int32]? {
        var sums: [Int64] = [], counts: [Int] = []
        try forEachSample(stringKey: stringKey, from: from.millis, to: to.millis) { sample in
            let r = sample.cells.resistance
            if sums.count < r.count {
                sums += Array(repeating: 0, count: r.count - sums.count)
                counts += Array(repeating: 0, count: r.count - counts.count)
            }
            for (i, v) in r.enumerated() where v != Measurement.missing {
                sums[i] += Int64(v)
                counts[i] += 1
            }
        }
        guard counts.contains(where: { $0 > 0 }) else { return nil }
        return zip(sums, counts).map { $1 > 0 ? Int32(clamping: $0 / Int64($1)) : Measurement.missing }
    }
}
