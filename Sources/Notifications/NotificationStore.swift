public import Storage
/// Queued messages (delivered or retried by the notification service) and the delivery log.
public struct NotificationStore {
    let db: SQLiteConnection

    public init(db: SQLiteConnection) {
        self.db = db
    }

    public struct Queued: Sendable, Equatable {
        public var id: Int64
        public var channel: NotificationChannel
        public var recipient: String
        public var contact: String
        public var subject: String
        public var body: String
        public var attempts: Int
        /// The alarms the message is about (empty for a test message).
        public var alarmIds: [Int64] = []

        public init(id: Int64, channel: NotificationChannel, recipient: String, contact: String, subject: String, body: String, attempts: Int,
                    alarmIds: [Int64] = []) {
            self.alarmIds = alarmIds
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
        public var channel: NotificationChannel
        public var recipient: String
        public var contact: String
        public var subject: String
        /// sent | failed | gave-up
        public var status: String
        public var error: String?
        public var attempt: Int
        /// The alarms the message was about (empty before schema 6 and for test messages).
        public var alarmIds: [Int64] = []
    }

    static func ids(_ text: String) -> [Int64] { text.split(separator: ",").compactMap { Int64($0) } }

    /// Adds a change to the batch of (channel, recipient, contact); the batch closes at the
    /// deadline of its first change. Returns that deadline.
    @discardableResult
    public func addPending(channel: NotificationChannel, recipient: String, contact: String, change: String, deadline: Int64) throws -> Int64 {
        let first = try db.statement(
            "SELECT MIN(deadline_at) FROM notification_pending WHERE channel = ? AND recipient = ? AND contact = ?")
        defer { first.reset() }
        for (i, v) in [channel.rawValue, recipient, contact].enumerated() { try first.bind(i + 1, v) }
        let existing = try first.step() && !first.isNull(0) ? first.int64(0) : nil
        first.reset()
        let at = existing ?? deadline
        let s = try db.statement(
            "INSERT INTO notification_pending(channel, recipient, contact, deadline_at, change) VALUES (?, ?, ?, ?, ?)")
        defer { s.reset() }
        for (i, v) in [channel.rawValue, recipient, contact].enumerated() { try s.bind(i + 1, v) }
        try s.bind(4, at)
        try s.bind(5, change)
        try s.step()
        return at
    }

    public struct PendingBatch: Sendable {
        public var channel: NotificationChannel
        public var recipient: String
        public var contact: String
        /// JSON of each change, oldest first.
        public var changes: [String]
    }

    /// Batches whose window has closed at `now` (every batch with `everything`), taken out of the pending table.
    public func takeClosedBatches(now: Int64, everything: Bool = false) throws -> [PendingBatch] {
        try db.transaction {
            let s = try db.statement("""
                SELECT p.channel, p.recipient, p.contact, p.change FROM notification_pending p
                JOIN (SELECT channel, recipient, contact FROM notification_pending GROUP BY channel, recipient, contact
                      HAVING MIN(deadline_at) <= ?1 OR ?2) b
                  ON b.channel = p.channel AND b.recipient = p.recipient AND b.contact = p.contact
                ORDER BY p.id
                """)
            defer { s.reset() }
            try s.bind(1, now)
            try s.bind(2, Int64(everything ? 1 : 0))
            var batches: [String: PendingBatch] = [:]
            var order: [String] = []
            while try s.step() {
                let key = "\(s.text(0))\u{1F}\(s.text(1))\u{1F}\(s.text(2))"
                if batches[key] == nil {
                    // Only this store writes the column: a value it does not know is left alone.
                    guard let channel = NotificationChannel(rawValue: s.text(0)) else { continue }
                    order.append(key)
                    batches[key] = PendingBatch(channel: channel, recipient: s.text(1), contact: s.text(2), changes: [])
                }
                batches[key]?.changes.append(s.text(3))
            }
            s.reset()
            let out = order.compactMap { batches[$0] }
            let del = try db.statement("DELETE FROM notification_pending WHERE channel = ? AND recipient = ? AND contact = ?")
            defer { del.reset() }
            for b in out {
                for (i, v) in [b.channel.rawValue, b.recipient, b.contact].enumerated() { try del.bind(i + 1, v) }
                try del.step()
                del.reset()
            }
            return out
        }
    }

    @discardableResult
    public func enqueue(channel: NotificationChannel, recipient: String, contact: String, subject: String, body: String, at: Int64,
                        alarmIds: [Int64] = []) throws -> Int64 {
        let s = try db.statement("""
            INSERT INTO notification_queue(channel, recipient, contact, subject, body, next_at, created_at, alarm_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        defer { s.reset() }
        for (i, v) in [channel.rawValue, recipient, contact, subject, body].enumerated() { try s.bind(i + 1, v) }
        try s.bind(6, at)
        try s.bind(7, at)
        try s.bind(8, alarmIds.map(String.init).joined(separator: ","))
        try s.step()
        return db.lastInsertRowID
    }

    /// Messages due at `now`, oldest first.
    public func due(now: Int64, limit: Int = 20) throws -> [Queued] {
        let s = try db.statement("""
            SELECT id, channel, recipient, contact, subject, body, attempts, alarm_ids FROM notification_queue
            WHERE next_at <= ? ORDER BY next_at, id LIMIT ?
            """)
        defer { s.reset() }
        try s.bind(1, now)
        try s.bind(2, Int64(limit))
        var out: [Queued] = []
        while try s.step() {
            guard let channel = NotificationChannel(rawValue: s.text(1)) else { continue }
            out.append(Queued(id: s.int64(0), channel: channel, recipient: s.text(2), contact: s.text(3), subject: s.text(4),
                              body: s.text(5), attempts: Int(s.int64(6)), alarmIds: Self.ids(s.text(7))))
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
                INSERT INTO notification_log(at, channel, recipient, contact, subject, status, error, attempt, alarm_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            defer { log.reset() }
            try log.bind(1, at)
            for (i, v) in [q.channel.rawValue, q.recipient, q.contact, q.subject, status].enumerated() { try log.bind(i + 2, v) }
            if let error { try log.bind(7, error) } else { try log.bind(7, nil as Int32?) }
            try log.bind(8, Int64(q.attempts + 1))
            try log.bind(9, q.alarmIds.map(String.init).joined(separator: ","))
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
    public func log(channel: NotificationChannel? = nil, limit: Int = 100, offset: Int = 0) throws -> [LogEntry] {
        let s = try db.statement("""
            SELECT at, channel, recipient, contact, subject, status, error, attempt, alarm_ids FROM notification_log
            WHERE ?1 IS NULL OR channel = ?1 ORDER BY at DESC, id DESC LIMIT ?2 OFFSET ?3
            """)
        defer { s.reset() }
        if let channel { try s.bind(1, channel.rawValue) } else { try s.bind(1, nil as Int32?) }
        try s.bind(2, Int64(limit))
        try s.bind(3, Int64(offset))
        var out: [LogEntry] = []
        while try s.step() {
            guard let channel = NotificationChannel(rawValue: s.text(1)) else { continue }
            out.append(LogEntry(at: s.int64(0), channel: channel, recipient: s.text(2), contact: s.text(3), subject: s.text(4),
                                status: s.text(5), error: s.isNull(6) ? nil : s.text(6), attempt: Int(s.int64(7)), alarmIds: Self.ids(s.text(8))))
        }
        return out
    }

    /// Forgets a recipient (GDPR erasure of a web user): logged messages keep their subject and
    /// status under `name` with the contact erased; nothing queued or pending is sent to them.
    /// Runs inside the caller's transaction.
    public func forget(recipient: String, as name: String) throws {
        let log = try db.statement("UPDATE notification_log SET contact = 'erased', recipient = ? WHERE recipient = ?")
        defer { log.reset() }
        try log.bind(1, name)
        try log.bind(2, recipient)
        _ = try log.step()
        for table in ["notification_queue", "notification_pending"] {
            let s = try db.statement("DELETE FROM \(table) WHERE recipient = ?")
            defer { s.reset() }
            try s.bind(1, recipient)
            _ = try s.step()
        }
    }
}
