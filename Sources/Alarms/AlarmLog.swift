public import Storage
public import BatteryModel
import Foundation

/// Alarm lifecycle rows on a connection (see ``Schema`` version 2).
public struct AlarmLog {
    let db: SQLiteConnection

    public init(db: SQLiteConnection) {
        self.db = db
    }

    /// Stores a raised alarm; returns its id.
    public func raise(stringKey: Int64, cell: Int?, type: AlarmType, at: Timestamp, value: Int32?, limit: Int32) throws -> Int64 {
        let s = try db.statement("""
            INSERT INTO alarms(string_key, cell, type, raised_at, value, limit_value) VALUES (?, ?, ?, ?, ?, ?)
            """)
        defer { s.reset() }
        try s.bind(1, stringKey)
        try s.bind(2, cell.map { Int32($0) })
        try s.bind(3, type.rawValue)
        try s.bind(4, at)
        try s.bind(5, value)
        try s.bind(6, Int64(limit))
        try s.step()
        return db.lastInsertRowID
    }

    public func clear(id: Int64, at: Timestamp) throws {
        let s = try db.statement("UPDATE alarms SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL")
        defer { s.reset() }
        try s.bind(1, at)
        try s.bind(2, id)
        try s.step()
    }

    /// Moves an alarm's raise time (a wall-clock step while it was active, see AlarmService).
    public func moveRaise(id: Int64, to at: Timestamp) throws {
        let s = try db.statement("UPDATE alarms SET raised_at = ? WHERE id = ?")
        defer { s.reset() }
        try s.bind(1, at)
        try s.bind(2, id)
        try s.step()
    }

    static let select = """
        SELECT a.id, s.id, s.ups, a.cell, a.type, a.raised_at, a.cleared_at, a.value, a.limit_value
        FROM alarms a JOIN strings s ON s.key = a.string_key
        """

    /// Active alarms with their string keys (to restore the engine after a restart).
    public func active() throws -> [(stringKey: Int64, record: AlarmRecord)] {
        let s = try db.statement(Self.select.replacingOccurrences(of: "SELECT a.id,", with: "SELECT a.string_key, a.id,")
                                 + " WHERE a.cleared_at IS NULL ORDER BY a.id")
        defer { s.reset() }
        var out: [(Int64, AlarmRecord)] = []
        while try s.step() {
            if let r = Self.record(s, offset: 1) { out.append((s.int64(0), r)) }
        }
        return out
    }

    /// Alarms of a scope, newest first, `limit` rows from `offset`.
    public func list(_ scope: ListScope, activeOnly: Bool = false, limit: Int = 100, offset: Int = 0) throws -> [AlarmRecord] {
        let (filter, text) = scope.filter(activeOnly ? "a.cleared_at IS NULL" : nil)
        let sql = Self.select + filter + " ORDER BY a.raised_at DESC, a.id DESC LIMIT ? OFFSET ?"
        let s = try db.statement(sql)
        defer { s.reset() }
        var n = 1
        if let text { try s.bind(n, text); n += 1 }
        try s.bind(n, Int64(max(0, limit)))
        try s.bind(n + 1, Int64(max(0, offset)))
        var out: [AlarmRecord] = []
        while try s.step() {
            if let r = Self.record(s, offset: 0) { out.append(r) }
        }
        return out
    }

    /// The alarms with these ids (those still in the log), by id.
    public func records(ids: [Int64]) throws -> [Int64: AlarmRecord] {
        guard !ids.isEmpty else { return [:] }
        let s = try db.statement(Self.select + " WHERE a.id = ?")
        defer { s.reset() }
        var out: [Int64: AlarmRecord] = [:]
        for id in Set(ids) {
            try s.bind(1, id)
            if try s.step(), let r = Self.record(s, offset: 0) { out[id] = r }
            s.reset()
        }
        return out
    }

    public func count(_ scope: ListScope, activeOnly: Bool = false) throws -> Int {
        let (filter, text) = scope.filter(activeOnly ? "a.cleared_at IS NULL" : nil)
        let s = try db.statement("SELECT COUNT(*) FROM alarms a JOIN strings s ON s.key = a.string_key" + filter)
        defer { s.reset() }
        if let text { try s.bind(1, text) }
        return try s.step() ? Int(s.int64(0)) : 0
    }

    static func record(_ s: Statement, offset o: Int) -> AlarmRecord? {
        guard let type = AlarmType(rawValue: s.text(o + 4)) else { return nil }
        return AlarmRecord(id: s.int64(o), stringId: s.text(o + 1), upsId: s.text(o + 2),
                           cell: s.int32(o + 3).map(Int.init), type: type, raisedAt: Timestamp(millis: s.int64(o + 5)),
                           clearedAt: s.timestamp(o + 6), value: s.int32(o + 7),
                           limit: Int32(clamping: s.int64(o + 8)))
    }
}
