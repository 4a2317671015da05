import Storage

/// Acknowledged messages: recorded at once, deleted later. Deleting a row rewrites its page (in
/// the WAL, then again at the checkpoint) and took a quarter of the uplink thread's time in a
/// replay (docs/performance.md); recording a range is one small row. Commits here are not synced:
/// a power cut may bring an acknowledgement back, and the message is then sent again (at least
/// once), which QoS 1 allows; appends stay synced.
extension Outbox {
    /// Records the broker's acknowledgements: those messages are no longer sent or counted as waiting.
    public func acknowledge(_ seqs: [Int64]) throws {
        guard !seqs.isEmpty else { return }
        try unsynced {
            acked.insert(seqs)
            try saveAcked()
        }
    }

    /// Deletes the rows of up to `limit` acknowledged messages, oldest first; returns how many
    /// acknowledged numbers are left to purge.
    @discardableResult
    public func purge(limit: Int) throws -> Int {
        guard !acked.isEmpty else { return 0 }
        try unsynced { try purgeInTransaction(acked.oldest(limit)) }
        return acked.span
    }

    /// Acknowledged and deleted at once (shutdown, tests).
    public func remove(_ seqs: [Int64]) throws {
        guard !seqs.isEmpty else { return }
        try unsynced {
            acked.insert(seqs)
            try purgeInTransaction(Self.runs(seqs))
        }
    }

    /// Deletes the rows in `ranges`; each statement returns the sizes it removed, so the rows are
    /// read once, by the delete.
    func purgeInTransaction(_ ranges: [ClosedRange<Int64>]) throws {
        let delete = try db.statement("DELETE FROM messages WHERE seq BETWEEN ? AND ? RETURNING length(payload)")
        defer { delete.reset() }
        for r in ranges {
            delete.reset()
            try delete.bind(1, r.lowerBound)
            try delete.bind(2, r.upperBound)
            while try delete.step() {
                bytes -= Int(delete.int64(0))
                count -= 1
            }
            acked.subtract(r)
        }
        try saveAcked()
    }

    private func saveAcked() throws {
        try db.execute("DELETE FROM acked")
        let insert = try db.statement("INSERT INTO acked(lo, hi) VALUES (?, ?)")
        defer { insert.reset() }
        for r in acked.ranges {
            insert.reset()
            try insert.bind(1, r.lowerBound)
            try insert.bind(2, r.upperBound)
            _ = try insert.step()
        }
    }

    /// One transaction committed without a sync; on failure the totals and ranges are read again.
    private func unsynced(_ body: () throws -> Void) throws {
        try db.execute("PRAGMA synchronous=NORMAL")
        defer { try? db.execute("PRAGMA synchronous=FULL") }
        do { try db.transaction(body) } catch {
            try? recount()
            throw error
        }
    }
}
