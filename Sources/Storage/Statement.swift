public import BatteryModel
import CSQLite

/// Owns one prepared statement (`sqlite3_stmt*`) of a ``SQLiteConnection``.
public final class Statement {
    private let stmt: OpaquePointer
    private let db: OpaquePointer
    private let sql: String
    /// SQLITE_TRANSIENT is a macro Swift cannot import: SQLite copies bound buffers.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(connection: SQLiteConnection, sql: String) throws(SQLiteError) {
        var s: OpaquePointer?
        try SQLiteError.check(sqlite3_prepare_v2(connection.handle, sql, -1, &s, nil), connection.handle, "preparing \(sql)")
        guard let s else { throw SQLiteError(code: SQLITE_MISUSE, message: "empty statement", context: sql) }
        stmt = s
        db = connection.handle
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(stmt)
    }

    /// Ends the statement's use: a statement left mid-result keeps its read
    /// transaction open, and the connection would go on seeing an old snapshot.
    public func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    public func bind(_ index: Int, _ value: Int64) throws(SQLiteError) {
        try SQLiteError.check(sqlite3_bind_int64(stmt, Int32(index), value), db, "binding \(index) of \(sql)")
    }

    public func bind(_ index: Int, _ value: Int32?) throws(SQLiteError) {
        let rc = value.map { sqlite3_bind_int(stmt, Int32(index), $0) } ?? sqlite3_bind_null(stmt, Int32(index))
        try SQLiteError.check(rc, db, "binding \(index) of \(sql)")
    }

    /// A stored instant: its milliseconds (NULL for nil).
    public func bind(_ index: Int, _ value: Timestamp?) throws(SQLiteError) {
        if let value { try bind(index, value.millis) } else { try bindNull(index) }
    }

    public func bindNull(_ index: Int) throws(SQLiteError) {
        try SQLiteError.check(sqlite3_bind_null(stmt, Int32(index)), db, "binding \(index) of \(sql)")
    }

    public func bind(_ index: Int, _ value: String) throws(SQLiteError) {
        try SQLiteError.check(sqlite3_bind_text(stmt, Int32(index), value, -1, Self.transient), db, "binding \(index) of \(sql)")
    }

    public func bind(_ index: Int, _ bytes: [UInt8]) throws(SQLiteError) {
        // An empty array may have no address, which sqlite3_bind_blob would store as NULL.
        if bytes.isEmpty {
            try SQLiteError.check(sqlite3_bind_zeroblob(stmt, Int32(index), 0), db, "binding \(index) of \(sql)")
            return
        }
        let rc = bytes.withUnsafeBytes { sqlite3_bind_blob(stmt, Int32(index), $0.baseAddress, Int32($0.count), Self.transient) }
        try SQLiteError.check(rc, db, "binding \(index) of \(sql)")
    }

    /// Steps once; true when a row is available.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        try SQLiteError.check(rc, db, "running \(sql)")
        return false
    }

    public func isNull(_ column: Int) -> Bool { sqlite3_column_type(stmt, Int32(column)) == SQLITE_NULL }
    public func int64(_ column: Int) -> Int64 { sqlite3_column_int64(stmt, Int32(column)) }
    public func timestamp(_ column: Int) -> Timestamp? { isNull(column) ? nil : Timestamp(millis: int64(column)) }
    public func int32(_ column: Int) -> Int32? { isNull(column) ? nil : sqlite3_column_int(stmt, Int32(column)) }

    public func text(_ column: Int) -> String {
        sqlite3_column_text(stmt, Int32(column)).map { String(cString: $0) } ?? ""
    }

    /// The blob of `column` as a buffer valid until the next step; `body` must not keep it.
    public func withBlob<T>(_ column: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let count = Int(sqlite3_column_bytes(stmt, Int32(column)))
        let base = sqlite3_column_blob(stmt, Int32(column))
        return try body(UnsafeRawBufferPointer(start: base, count: base == nil ? 0 : count))
    }
}
