public import Storage
public import BatteryModel
/// Discharge event rows on a connection.
public struct DischargeLog {
    let db: SQLiteConnection

    public init(db: SQLiteConnection) {
        self.db = db
    }

    /// Inserts (id 0) or updates an event; returns its id.
    @discardableResult
    public func save(_ e: DischargeRecord, stringKey: Int64, now: Timestamp) throws -> Int64 {
        let s: Statement
        if e.id == 0 {
            s = try db.statement("""
                INSERT INTO discharges(string_key, start_at, end_at, updated_at, charge_mah, min_voltage, min_cell_voltage, min_cell)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            try s.bind(1, stringKey)
        } else {
            s = try db.statement("""
                UPDATE discharges SET start_at = ?2, end_at = ?3, updated_at = ?4, charge_mah = ?5, min_voltage = ?6,
                min_cell_voltage = ?7, min_cell = ?8 WHERE id = ?1
                """)
            try s.bind(1, e.id)
        }
        defer { s.reset() }
        try s.bind(2, e.startAt)
        try s.bind(3, e.endAt)
        try s.bind(4, now)
        try s.bind(5, e.chargeMilliAmpHours)
        try s.bind(6, e.minVoltage)
        try s.bind(7, e.minCellVoltage)
        try s.bind(8, e.minCell.map { Int32($0) })
        try s.step()
        return e.id == 0 ? db.lastInsertRowID : e.id
    }

    static let select = """
        SELECT d.id, s.id, s.ups, d.start_at, d.end_at, d.charge_mah, d.min_voltage, d.min_cell_voltage, d.min_cell, d.updated_at, d.string_key
        FROM discharges d JOIN strings s ON s.key = d.string_key
        """

    /// Events still open (gateway stopped during a discharge): record, string key, last update time.
    public func open() throws -> [(stringKey: Int64, record: DischargeRecord, updatedAt: Timestamp)] {
        let s = try db.statement(Self.select + " WHERE d.end_at IS NULL")
        defer { s.reset() }
        var out: [(Int64, DischargeRecord, Timestamp)] = []
        while try s.step() { out.append((s.int64(10), Self.record(s), Timestamp(millis: s.int64(9)))) }
        return out
    }

    /// One event by its id.
    public func find(id: Int64) throws -> DischargeRecord? {
        let s = try db.statement(Self.select + " WHERE d.id = ?")
        defer { s.reset() }
        try s.bind(1, id)
        return try s.step() ? Self.record(s) : nil
    }

    /// Events of a scope, newest first.
    public func list(_ scope: ListScope, limit: Int = 100, offset: Int = 0) throws -> [DischargeRecord] {
        let (filter, text) = scope.filter()
        let sql = Self.select + filter + " ORDER BY d.start_at DESC, d.id DESC LIMIT ? OFFSET ?"
        let s = try db.statement(sql)
        defer { s.reset() }
        var n = 1
        if let text { try s.bind(n, text); n += 1 }
        try s.bind(n, Int64(max(0, limit)))
        try s.bind(n + 1, Int64(max(0, offset)))
        var out: [DischargeRecord] = []
        while try s.step() { out.append(Self.record(s)) }
        return out
    }

    static func record(_ s: Statement) -> DischargeRecord {
        DischargeRecord(id: s.int64(0), stringId: s.text(1), upsId: s.text(2), startAt: Timestamp(millis: s.int64(3)),
                        endAt: s.timestamp(4), chargeMilliAmpHours: s.int64(5), minVoltage: s.int32(6),
                        minCellVoltage: s.int32(7), minCell: s.int32(8).map(Int.init))
    }
}
