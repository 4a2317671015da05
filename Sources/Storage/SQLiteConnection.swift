import CSQLite
import Foundation

/// Owns one SQLite connection (`sqlite3*`).
///
/// Not Sendable: a connection is used by one thread at a time; ``DatabaseQueue``
/// gives it a serial queue of its own.
public final class SQLiteConnection {
    let handle: OpaquePointer
    private var statements: [String: Statement] = [:]
    public let path: String

    /// Opens (creating if needed) the database at `path` in WAL mode.
    public init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(db)
            throw SQLiteError(code: rc, message: message, context: "opening \(path)")
        }
        handle = db
        self.path = path
        // Readers wait briefly for a writer's checkpoint instead of failing.
        sqlite3_busy_timeout(db, 5000)
        if !readOnly {
            try execute("PRAGMA journal_mode=WAL")
            // WAL + NORMAL: a power cut may lose the last transactions, never corrupts the file.
            try execute("PRAGMA synchronous=NORMAL")
        }
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements without results.
    public func execute(_ sql: String) throws(SQLiteError) {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(error)
            throw SQLiteError(code: rc, message: message, context: String(sql.prefix(80)))
        }
    }

    /// A prepared statement, cached by its SQL text.
    public func statement(_ sql: String) throws(SQLiteError) -> Statement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        let s = try Statement(connection: self, sql: sql)
        statements[sql] = s
        return s
    }

    /// Runs `body` in one transaction; rolls back if it throws. Nested calls become savepoints,
    /// so store methods that need a transaction compose into a caller's larger one.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if sqlite3_get_autocommit(handle) == 0 {
            try execute("SAVEPOINT nested")
            do {
                let result = try body()
                try execute("RELEASE nested")
                return result
            } catch {
                try? execute("ROLLBACK TO nested")
                try? execute("RELEASE nested")
                throw error
            }
        }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    public var changes: Int { Int(sqlite3_changes(handle)) }
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Integer from a single-value query (nil for no row or NULL).
    public func scalar(_ sql: String, _ bindings: Int64...) throws(SQLiteError) -> Int64? {
        let s = try statement(sql)
        defer { s.reset() }
        for (i, b) in bindings.enumerated() { try s.bind(i + 1, b) }
        guard try s.step() else { return nil }
        return s.isNull(0) ? nil : s.int64(0)
    }
}
