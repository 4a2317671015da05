import CSQLite

extension SQLiteConnection {
    /// Copies this database into a new file at `path` with SQLite's online backup API, in one step:
    /// the copy is one read snapshot (in WAL mode the gateway's writer goes on meanwhile), where a
    /// copy in pieces would start again each time the writer commits.
    public func backup(to path: String) throws(SQLiteError) {
        let target = try SQLiteConnection(path: path)
        guard let backup = sqlite3_backup_init(target.handle, "main", handle, "main") else {
            throw SQLiteError(code: sqlite3_errcode(target.handle), message: String(cString: sqlite3_errmsg(target.handle)), context: "backup of \(self.path)")
        }
        var rc = sqlite3_backup_step(backup, -1)
        // Busy or locked: a writer holds the file for a moment (it checkpoints); try again shortly.
        var tries = 0
        while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && tries < 100 {
            sqlite3_sleep(50)
            tries += 1
            rc = sqlite3_backup_step(backup, -1)
        }
        let finish = sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE, finish == SQLITE_OK else {
            throw SQLiteError(code: rc == SQLITE_DONE ? finish : rc, message: String(cString: sqlite3_errstr(rc == SQLITE_DONE ? finish : rc)),
                              context: "backup of \(self.path) to \(path)")
        }
    }

    /// `PRAGMA integrity_check`: nil when the file is sound, else SQLite's first problems.
    public func integrityProblems() throws(SQLiteError) -> String? {
        let s = try statement("PRAGMA integrity_check(5)")
        defer { s.reset() }
        var lines: [String] = []
        while try s.step() { lines.append(s.text(0)) }
        return lines == ["ok"] ? nil : lines.joined(separator: "; ")
    }
}
