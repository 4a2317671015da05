extension GatewayDatabase {
    /// Deletes at most `span` (ms) of the oldest data older than `cutoff` (ms)
    /// per string and table; returns the rows deleted. Callers repeat until 0,
    /// so each transaction stays small and never stalls the recorder.
    public func deleteExpired(before cutoff: Int64, span: Int64 = 3_600_000) throws -> Int {
        var deleted = 0
        for (key, _, _, _, _) in try strings() {
            let (lo, hi) = SampleKey.range(string: key, from: 0, to: SampleKey.timeMask)
            for table in ["samples", "rollups"] {
                guard let oldest = try db.scalar("SELECT MIN(key) FROM \(table) WHERE key >= ? AND key < ?", lo, hi) else { continue }
                let t0 = SampleKey.millis(oldest)
                guard t0 < cutoff else { continue }
                let end = SampleKey.make(string: key, millis: min(cutoff, t0 + span))
                let s = try db.statement("DELETE FROM \(table) WHERE key >= ? AND key < ?")
                defer { s.reset() }
                try s.bind(1, oldest)
                try s.bind(2, end)
                try s.step()
                deleted += db.changes
            }
        }
        // The modules' logs age out with the history (ended alarms and discharges, delivery log
        // entries, which name people: GDPR wants them gone when no longer needed).
        for sql in parts.flatMap(\.expiry) {
            let s = try db.statement(sql)
            defer { s.reset() }
            try s.bind(1, cutoff)
            try s.step()
            deleted += db.changes
        }
        return deleted
    }

    /// Bytes the database file uses (pages in use × page size).
    public func usedBytes() throws -> Int64 {
        let pages = try db.scalar("PRAGMA page_count") ?? 0
        let free = try db.scalar("PRAGMA freelist_count") ?? 0
        let size = try db.scalar("PRAGMA page_size") ?? 4096
        return (pages - free) * size
    }
}
