public import BatteryModel
import CSQLite
import Foundation

/// The gateway's database (`history.sqlite`): one SQLite connection, the history tables (string
/// registry, logged samples, hourly rollups) and the tables of the modules it is opened with
/// (``SchemaPart``: alarms, notifications, web users), each migrated by its own versions.
///
/// Synchronous and not Sendable (it owns a connection); ``DatabaseQueue``
/// runs it on a thread of its own for async callers.
public final class GatewayDatabase {
    public let db: SQLiteConnection
    /// Longest time one sample stands for in time-weighted means (a gap in logging
    /// must not make one old sample dominate an average).
    public var sampleWeightCap: Int64
    /// The modules' tables besides the history's (their retention runs with the history's).
    public let parts: [SchemaPart]

    /// Opens (creating) the database and brings the history tables and `parts` to their newest versions.
    public init(path: String, parts: [SchemaPart] = [], readOnly: Bool = false, sampleWeightCap: Duration = .seconds(120)) throws {
        db = try SQLiteConnection(path: path, readOnly: readOnly)
        self.sampleWeightCap = max(1, sampleWeightCap.milliseconds)
        self.parts = parts
        if !readOnly { try Schema.migrate(db, parts: parts) }
    }

    // MARK: Strings

    /// Stable integer keys for the topology's strings (by id), creating rows for new ones.
    public func register(_ topology: Topology) throws -> [Int64] {
        try db.transaction {
            try topology.strings.map { s in
                let upsId = topology.upses[s.upsIndex].id
                let upsert = try db.statement("""
                    INSERT INTO strings(id, name, ups, cell_count) VALUES (?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET name = excluded.name, ups = excluded.ups, cell_count = excluded.cell_count
                    """)
                try upsert.bind(1, s.id)
                try upsert.bind(2, s.name)
                try upsert.bind(3, upsId)
                try upsert.bind(4, Int64(s.cellCount))
                try upsert.step()
                upsert.reset()
                guard let key = try stringKey(id: s.id) else {
                    throw SQLiteError(code: SQLITE_ERROR, message: "string \(s.id) not stored", context: "register")
                }
                return key
            }
        }
    }

    public func stringKey(id: String) throws -> Int64? {
        let s = try db.statement("SELECT key FROM strings WHERE id = ?")
        defer { s.reset() }
        try s.bind(1, id)
        return try s.step() ? s.int64(0) : nil
    }

    /// Every stored string: key, id, name, UPS id, cell count.
    public func strings() throws -> [(key: Int64, id: String, name: String, ups: String, cellCount: Int)] {
        let s = try db.statement("SELECT key, id, name, ups, cell_count FROM strings ORDER BY key")
        defer { s.reset() }
        var out: [(Int64, String, String, String, Int)] = []
        while try s.step() { out.append((s.int64(0), s.text(1), s.text(2), s.text(3), Int(s.int64(4)))) }
        return out
    }

    // MARK: Samples

    /// Stores samples (string key and sample) in one transaction.
    public func insert(_ rows: [(key: Int64, sample: StringSample)]) throws {
        guard !rows.isEmpty else { return }
        try db.transaction {
            let s = try db.statement("""
                INSERT OR REPLACE INTO samples(key, voltage, current, soc, temperature, humidity, status, cells)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            defer { s.reset() }
            for (key, sample) in rows {
                try s.bind(1, SampleKey.make(string: key, millis: Timestamp(sample.time).millis))
                for (i, q) in StringQuantity.allCases.enumerated() {
                    try s.bind(2 + i, Measurement.value(sample.values[q]))
                }
                try s.bind(7, Int64(sample.values.status.rawValue))
                try s.bind(8, CellBlob.encode(sample.cells))
                try s.step()
                s.reset()
            }
        }
    }

    /// The newest stored sample of a string.
    public func latest(stringKey: Int64) throws -> StoredSample? {
        let (lo, hi) = SampleKey.range(string: stringKey, from: 0, to: SampleKey.timeMask)
        let s = try db.statement("""
            SELECT key, voltage, current, soc, temperature, humidity, status, cells
            FROM samples WHERE key >= ? AND key < ? ORDER BY key DESC LIMIT 1
            """)
        defer { s.reset() }
        try s.bind(1, lo)
        try s.bind(2, hi)
        guard try s.step() else { return nil }
        return decodeRow(s)
    }

    /// Every sample of a string in `from ..< to` (ms), oldest first, handed to `body` one at a time.
    public func forEachSample(stringKey: Int64, from: Int64, to: Int64, _ body: (StoredSample) throws -> Void) throws {
        let (lo, hi) = SampleKey.range(string: stringKey, from: from, to: to)
        let s = try db.statement("""
            SELECT key, voltage, current, soc, temperature, humidity, status, cells
            FROM samples WHERE key >= ? AND key < ? ORDER BY key
            """)
        defer { s.reset() }
        try s.bind(1, lo)
        try s.bind(2, hi)
        while try s.step() {
            if let row = decodeRow(s) { try body(row) }
        }
    }

    private func decodeRow(_ s: Statement) -> StoredSample? {
        var values = StringValues()
        for (i, q) in StringQuantity.allCases.enumerated() { values[q] = s.int32(1 + i) ?? Measurement.missing }
        values.status = StringStatus(rawValue: UInt16(truncatingIfNeeded: s.int64(6)))
        guard let cells = s.withBlob(7, { CellBlob.decode($0, cellCount: 0) }) else { return nil }
        return StoredSample(time: SampleKey.millis(s.int64(0)), values: values, cells: cells)
    }

    /// Raw (time ms, value) pairs of one quantity in `from ..< to`; n/a values are skipped.
    public func rawSeries(stringKey: Int64, _ quantity: HistoryQuantity, from: Int64, to: Int64) throws -> [(Int64, Int32)] {
        var out: [(Int64, Int32)] = []
        try scanRaw(stringKey: stringKey, quantity, from: from, to: to) { t, v in out.append((t, v)) }
        return out
    }

    /// Streams raw values of one quantity without decoding the rest of each row.
    func scanRaw(stringKey: Int64, _ quantity: HistoryQuantity, from: Int64, to: Int64, _ body: (Int64, Int32) -> Void) throws {
        let (lo, hi) = SampleKey.range(string: stringKey, from: from, to: to)
        switch quantity {
        case let .string(q):
            let s = try db.statement("SELECT key, \(q.rawValue) FROM samples WHERE key >= ? AND key < ? ORDER BY key")
            defer { s.reset() }
            try s.bind(1, lo)
            try s.bind(2, hi)
            while try s.step() {
                if let v = s.int32(1) { body(SampleKey.millis(s.int64(0)), v) }
            }
        case let .cell(q, index):
            let s = try db.statement("SELECT key, cells FROM samples WHERE key >= ? AND key < ? ORDER BY key")
            defer { s.reset() }
            try s.bind(1, lo)
            try s.bind(2, hi)
            let column = CellBlob.column(q)
            while try s.step() {
                let v = s.withBlob(1) { PackedColumns.value($0, column: column, index: index) }
                if let v, v != Measurement.missing { body(SampleKey.millis(s.int64(0)), v) }
            }
        }
    }
}
