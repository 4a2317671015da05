public import Storage
import CSQLite
import Foundation

/// Messages for the MQTT broker, durable before they are handed over and deleted only when the
/// broker has acknowledged them (`outbox.sqlite`, its own file so the history's writer never waits
/// on it). Acknowledged messages are first recorded as ranges (cheap, while a replay runs) and their
/// rows deleted later, while the uplink is idle (``purge(limit:)``); until then they are skipped.
/// Every message gets the next per-gateway sequence number, which never goes back, also when the
/// outbox is empty or the gateway restarts.
///
/// Not Sendable: used through a ``DatabaseQueue``.
public final class Outbox {
    /// Kinds of message: events and metadata go first and are never dropped.
    public enum Kind: Int, Sendable {
        case event = 0
        case meta = 1
        case measurement = 2
        case status = 3

        var priority: Int { self == .event || self == .meta ? 0 : 1 }
        var droppable: Bool { priority == 1 }
    }

    /// A message to append; its payload is made once its sequence number is known.
    public struct Draft: Sendable {
        public let kind: Kind
        public let topic: String
        public let retain: Bool
        public let payload: @Sendable (Int64) -> [UInt8]

        public init(kind: Kind, topic: String, retain: Bool = false, payload: @escaping @Sendable (Int64) -> [UInt8]) {
            self.kind = kind
            self.topic = topic
            self.retain = retain
            self.payload = payload
        }
    }

    /// A stored message.
    public struct Message: Sendable, Equatable {
        public let seq: Int64
        public let priority: Int
        public let topic: String
        public let retain: Bool
        public let payload: [UInt8]

        public init(seq: Int64, priority: Int, topic: String, retain: Bool, payload: [UInt8]) {
            self.seq = seq
            self.priority = priority
            self.topic = topic
            self.retain = retain
            self.payload = payload
        }
    }

    public let db: SQLiteConnection
    /// Size limit of the payloads (changed with the MQTT settings).
    public var maxBytes: Int
    /// Payload bytes stored now.
    public internal(set) var bytes = 0
    /// Rows stored now, acknowledged ones not yet purged included.
    public internal(set) var count = 0
    /// Acknowledged, rows not yet deleted (also in the table `acked`, so a restart does not send them again).
    var acked = AckedRanges()

    public init(path: String, maxBytes: Int) throws {
        db = try SQLiteConnection(path: path)
        self.maxBytes = maxBytes
        // A power cut must not lose a message the gateway already counted as sent to the outbox.
        try db.execute("PRAGMA synchronous=FULL")
        // Debian builds SQLite with SECURE_DELETE: every acknowledged payload would be zeroed and
        // written again (about 2.8 bytes written per byte deleted). FAST zeroes only what costs no I/O.
        try db.execute("PRAGMA secure_delete=FAST")
        // A replay reads the rows through the mapping, not one pread() per page.
        try db.execute("PRAGMA mmap_size=268435456")
        try db.execute("""
            CREATE TABLE IF NOT EXISTS messages(
                seq INTEGER PRIMARY KEY, priority INTEGER NOT NULL, droppable INTEGER NOT NULL,
                topic TEXT NOT NULL, retain INTEGER NOT NULL, payload BLOB NOT NULL, created INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS messages_by_priority ON messages(priority, seq);
            CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS acked(lo INTEGER PRIMARY KEY, hi INTEGER NOT NULL);
            """)
        try recount()
    }

    /// Messages waiting to be sent: stored and not acknowledged.
    public var waiting: Int { max(0, count - acked.span) }

    /// Measurements dropped so far because the outbox was full (kept across restarts).
    public var dropped: Int64 { (try? counter("dropped")) ?? 0 }
    /// When the oldest message waiting was stored (ms since 1970); nil when none waits.
    public var oldestCreated: Int64? {
        guard let s = try? db.statement("SELECT created FROM messages WHERE seq BETWEEN ? AND ? ORDER BY seq LIMIT 1") else { return nil }
        defer { s.reset() }
        for gap in acked.gaps(after: 0, through: .max) {
            s.reset()
            guard (try? s.bind(1, gap.lowerBound)) != nil, (try? s.bind(2, gap.upperBound)) != nil else { return nil }
            if (try? s.step()) == true { return s.int64(0) }
        }
        return nil
    }
    /// The next sequence number.
    public var nextSeq: Int64 { (try? counter("next_seq")) ?? 1 }

    private func counter(_ name: String) throws -> Int64 {
        try db.scalar("SELECT value FROM counters WHERE name = '\(name)'") ?? (name == "next_seq" ? 1 : 0)
    }

    private func setCounter(_ name: String, _ value: Int64) throws {
        let s = try db.statement("INSERT OR REPLACE INTO counters(name, value) VALUES (?, ?)")
        defer { s.reset() }
        try s.bind(1, name)
        try s.bind(2, value)
        _ = try s.step()
    }

    /// Stores the drafts in one transaction, numbered in order; then drops the oldest measurements
    /// while over the size limit. Returns the sequence numbers and how many were dropped.
    @discardableResult
    public func append(_ drafts: [Draft], now: Int64) throws -> (seqs: [Int64], dropped: Int) {
        do {
            return try appendInTransaction(drafts, now: now)
        } catch {
            try? recount()  // rolled back: the running totals too
            throw error
        }
    }

    /// The totals and acknowledged ranges from the file (at start, and after a rolled-back transaction).
    func recount() throws {
        bytes = Int(try db.scalar("SELECT COALESCE(SUM(length(payload)), 0) FROM messages") ?? 0)
        count = Int(try db.scalar("SELECT COUNT(*) FROM messages") ?? 0)
        let s = try db.statement("SELECT lo, hi FROM acked ORDER BY lo")
        defer { s.reset() }
        var ranges: [ClosedRange<Int64>] = []
        while try s.step() {
            let (lo, hi) = (s.int64(0), s.int64(1))
            if lo <= hi { ranges.append(lo...hi) }
        }
        acked = AckedRanges(ranges)
    }

    private func appendInTransaction(_ drafts: [Draft], now: Int64) throws -> (seqs: [Int64], dropped: Int) {
        try db.transaction {
            var seq = try counter("next_seq")
            var seqs: [Int64] = []
            let s = try db.statement("INSERT INTO messages(seq, priority, droppable, topic, retain, payload, created) VALUES (?, ?, ?, ?, ?, ?, ?)")
            for d in drafts {
                let payload = d.payload(seq)
                s.reset()
                try s.bind(1, seq)
                try s.bind(2, Int64(d.kind.priority))
                try s.bind(3, d.kind.droppable ? 1 : 0)
                try s.bind(4, d.topic)
                try s.bind(5, d.retain ? 1 : 0)
                try s.bind(6, payload)
                try s.bind(7, now)
                _ = try s.step()
                seqs.append(seq)
                bytes += payload.count
                count += 1
                seq += 1
            }
            s.reset()
            try setCounter("next_seq", seq)
            let dropped = try dropOldest()
            return (seqs, dropped)
        }
    }

    /// Acknowledged rows out first, then the oldest measurements until the payloads fit `maxBytes`
    /// (events and metadata stay, even over it).
    private func dropOldest() throws -> Int {
        while bytes > maxBytes && !acked.isEmpty { try purgeInTransaction(acked.oldest(4096)) }
        var dropped = 0
        while bytes > maxBytes {
            let s = try db.statement("SELECT seq, length(payload) FROM messages WHERE droppable = 1 ORDER BY seq LIMIT 256")
            var victims: [(Int64, Int)] = []
            while try s.step() { victims.append((s.int64(0), Int(s.int64(1)))) }
            s.reset()
            guard !victims.isEmpty else { break }
            var freed = 0, n = 0
            for (seq, size) in victims where bytes - freed > maxBytes {
                try delete(seq)
                freed += size
                n += 1
            }
            bytes -= freed
            count -= n
            dropped += n
        }
        if dropped > 0 { try setCounter("dropped", try counter("dropped") + Int64(dropped)) }
        return dropped
    }

    private func delete(_ seq: Int64) throws {
        let d = try db.statement("DELETE FROM messages WHERE seq = ?")
        defer { d.reset() }
        try d.bind(1, seq)
        _ = try d.step()
    }

    /// Up to `limit` messages of `priority` after `seq` and at most `through`, oldest first, not
    /// acknowledged.
    public func messages(priority: Int, after seq: Int64, through: Int64 = .max, limit: Int) throws -> [Message] {
        let s = try db.statement("SELECT seq, topic, retain, payload FROM messages WHERE priority = ? AND seq BETWEEN ? AND ? ORDER BY seq LIMIT ?")
        defer { s.reset() }
        var out: [Message] = []
        for gap in acked.gaps(after: seq, through: through) where out.count < limit {
            s.reset()
            try s.bind(1, Int64(priority))
            try s.bind(2, gap.lowerBound)
            try s.bind(3, gap.upperBound)
            try s.bind(4, Int64(limit - out.count))
            while try s.step() {
                out.append(Message(seq: s.int64(0), priority: priority, topic: s.text(1), retain: s.int64(2) != 0,
                                   payload: s.withBlob(3) { Array($0) }))
            }
        }
        return out
    }

    /// The highest sequence number stored (0 when empty).
    public func lastSeq() throws -> Int64 {
        try db.scalar("SELECT COALESCE(MAX(seq), 0) FROM messages") ?? 0
    }

    /// Sorted runs of consecutive numbers.
    static func runs(_ seqs: [Int64]) -> [ClosedRange<Int64>] {
        var out: [ClosedRange<Int64>] = []
        for seq in seqs.sorted() {
            if let last = out.last, seq <= last.upperBound + 1 {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, seq)
            } else {
                out.append(seq...seq)
            }
        }
        return out
    }
}
