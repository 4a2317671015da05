/// Queued messages (delivered or retried by the notification service) and the delivery log.
public struct NotificationStore {
    let db: SQLiteConnection

    public init(db: SQLiteConnection) {
        self.db = db
    }

    public struct Queued: Sendable, Equatable {
        public var id: Int64
        public var channel: String
        public var recipient: String
        public var contact: String
        public var subject: String
        public var body: String
        public var attempts: Int

        public init(id: Int64, channel: String, recipient: String, contact: String, subject: String, body: String, attempts: Int) {
            self.id = id
            self.channel = channel
            self.recipient = recipient
            self.contact = contact
            self.subject = subject
            self.body = body
            self.attempts = attempts
        }
    }

    public struct LogEntry: Sendable, Equatable {
        public var at: Int64
        public var channel: String
        public var recipient: String
        public var contact: String
        public var subject: String
        /// sent | failed | gave-up
        public var status: String
        public var error: String?
        public var attempt: Int
    }

    @discardableResult
    public func enqueue(channel: String, recipient: String, contact: String, subject: String, body: String, at: Int64) throws -> Int64 {
        let s = try db.statement("""
            INSERT INTO notification_queue(channel, recipient, contact, subject, body, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        defer { s.reset() }
        for (i, v) in [channel, recipient, contact, subject, body].enumerated() { try s.bind(i + 1, v) }
        try s.bind(6, at)
        try s.bind(7, at)
        try s.step()
        return db.lastInsertRowID
    }

    /// Messages due at `now`, oldest first.
    public func due(now: Int64, limit: Int = 20) throws -> [Queued] {
        let s = try db.statement("""
            SELECT id, channel, recipient, contact, subject, body, attempts FROM notification_queue
            WHERE next_at <= ? ORDER BY next_at, id LIMIT ?
            """)
        defer { s.reset() }
        try s.bind(1, now)
        try s.bind(2, Int64(limit))
        var out: [Queued] = []
        while try s.step() {
            out.append(Queued(id: s.int64(0), channel: s.text(1), recipient: s.text(2), contact: s.text(3), subject: s.text(4),
                              body: s.text(5), attempts: Int(s.int64(6))))
        }
        return out
    }

    public func pendingCount() throws -> Int {
        Int(try db.scalar("SELECT COUNT(*) FROM notification_queue") ?? 0)
    }

    /// Records an attempt; a sent or abandoned message leaves the queue, a failed one waits until `retryAt`.
    public func record(_ q: Queued, at: Int64, error: String?, retryAt: Int64?) throws {
        let status = error == nil ? "sent" : retryAt == nil ? "gave-up" : "failed"
        try db.transaction {
            let log = try db.statement("""
                INSERT INTO notification_log(at, channel, recipient, contact, subject, status, error, attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            defer { log.reset() }
            try log.bind(1, at)
            for (i, v) in [q.channel, q.recipient, q.contact, q.subject, status].enumerated() { try log.bind(i + 2, v) }
            if let error { try log.bind(7, error) } else { try log.bind(7, nil as Int32?) }
            try log.bind(8, Int64(q.attempts + 1))
            try log.step()
            let s = try db.statement(retryAt == nil || error == nil
                ? "DELETE FROM notification_queue WHERE id = ?1"
                : "UPDATE notification_queue SET attempts = attempts + 1, next_at = ?2 WHERE id = ?1")
            defer { s.reset() }
            try s.bind(1, q.id)
            if let retryAt, error != nil { try s.bind(2, retryAt) }
            try s.step()
        }
    }

    /// The delivery log, newest first; `channel` nil for both.
    public func log(channel: String? = nil, limit: Int = 100, offset: Int = 0) throws -> [LogEntry] {
        let s = try db.statement("""
            SELECT at, channel, recipient, contact, subject, status, error, attempt FROM notification_log
            WHERE ?1 IS NULL OR channel = ?1 ORDER BY at DESC, id DESC LIMIT ?2 OFFSET ?3
            """)
        defer { s.reset() }
        if let channel { try s.bind(1, channel) } else { try s.bind(1, nil as Int32?) }
        try s.bind(2, Int64(limit))
        try s.bind(3, Int64(offset))
        var out: [LogEntry] = []
        while try s.step() {
            out.append(LogEntry(at: s.int64(0), channel: s.text(1), recipient: s.text(2), contact: s.text(3), subject: s.text(4),
                                status: s.text(5), error: s.isNull(6) ? nil : s.text(6), attempt: Int(s.int64(7))))
        }
        return out
    }
}
