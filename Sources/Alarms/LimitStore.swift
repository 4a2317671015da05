public import Storage
public import BatteryModel
import Foundation

/// Per-string alarm limits changed at run time (the web UI's settings), over the configuration's.
public struct LimitStore {
    let db: SQLiteConnection

    public init(db: SQLiteConnection) {
        self.db = db
    }

    /// String id → type → limit.
    public func all() throws -> [String: [AlarmType: AlarmLimit]] {
        let s = try db.statement("SELECT string_id, type, settings FROM alarm_limits")
        defer { s.reset() }
        var out: [String: [AlarmType: AlarmLimit]] = [:]
        while try s.step() {
            guard let type = AlarmType(rawValue: s.text(1)),
                  let limit = try? JSONDecoder().decode(AlarmLimit.self, from: Data(s.text(2).utf8)) else { continue }
            out[s.text(0), default: [:]][type] = limit
        }
        return out
    }

    public func set(stringId: String, type: AlarmType, _ limit: AlarmLimit) throws {
        let json = String(decoding: try JSONEncoder().encode(limit), as: UTF8.self)
        let s = try db.statement("INSERT OR REPLACE INTO alarm_limits(string_id, type, settings) VALUES (?, ?, ?)")
        defer { s.reset() }
        try s.bind(1, stringId)
        try s.bind(2, type.rawValue)
        try s.bind(3, json)
        try s.step()
    }

    public func remove(stringId: String, type: AlarmType?) throws {
        let s = try db.statement(type == nil ? "DELETE FROM alarm_limits WHERE string_id = ?1"
                                             : "DELETE FROM alarm_limits WHERE string_id = ?1 AND type = ?2")
        defer { s.reset() }
        try s.bind(1, stringId)
        if let type { try s.bind(2, type.rawValue) }
        try s.step()
    }
}
