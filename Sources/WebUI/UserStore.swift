public import Storage
import Foundation
import Notifications

/// Web UI users and the audit log (schema 4). Password hashes are made and checked by the caller
/// (bcrypt in the web module); this stores them.
public struct UserStore {
    public struct User: Sendable, Equatable, Codable {
        public var id: Int64
        public var username: String
        public var fullName: String
        public var isAdmin: Bool
        public var phone: String?
        public var email: String?
        public var passwordHash: String
        public var mustChange: Bool
        /// Alarm e-mails to `email`, SMS to `phone`.
        public var notifyEmail = false
        public var notifySMS = false
        public var createdAt: Int64 = 0
        public var updatedAt: Int64 = 0
    }

    public struct AuditEntry: Sendable, Equatable, Codable {
        public var at: Int64
        public var user: String
        public var action: String
        public var detail: String
    }

    let db: SQLiteConnection

    public init(db: SQLiteConnection) {
        self.db = db
    }

    public func count() throws -> Int {
        Int(try db.scalar("SELECT COUNT(*) FROM users") ?? 0)
    }

    public func user(named name: String) throws -> User? {
        try users(where: "username = ?", name).first
    }

    public func user(id: Int64) throws -> User? {
        try users(where: "id = ?", String(id)).first
    }

    public func all() throws -> [User] {
        try users(where: "1 = 1", nil)
    }

    private func users(where clause: String, _ value: String?) throws -> [User] {
        let s = try db.statement("""
            SELECT id, username, full_name, is_admin, phone, email, password_hash, must_change, notify_email, notify_sms, created_at, updated_at
            FROM users WHERE \(clause) ORDER BY username
            """)
        defer { s.reset() }
        if let value { try s.bind(1, value) }
        var out: [User] = []
        while try s.step() {
            out.append(User(id: s.int64(0), username: s.text(1), fullName: s.text(2), isAdmin: s.int64(3) != 0,
                            phone: s.isNull(4) ? nil : s.text(4), email: s.isNull(5) ? nil : s.text(5),
                            passwordHash: s.text(6), mustChange: s.int64(7) != 0, notifyEmail: s.int64(8) != 0, notifySMS: s.int64(9) != 0,
                            createdAt: s.int64(10), updatedAt: s.int64(11)))
        }
        return out
    }

    @discardableResult
    public func add(username: String, fullName: String, isAdmin: Bool, passwordHash: String, mustChange: Bool, now: Int64) throws -> Int64 {
        let s = try db.statement("""
            INSERT INTO users(username, full_name, is_admin, password_hash, must_change, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        defer { s.reset() }
        try s.bind(1, username)
        try s.bind(2, fullName)
        try s.bind(3, isAdmin ? 1 : 0)
        try s.bind(4, passwordHash)
        try s.bind(5, mustChange ? 1 : 0)
        try s.bind(6, now)
        try s.bind(7, now)
        _ = try s.step()
        return db.lastInsertRowID
    }

    /// Name, role, contact and alarm switches (not the user name or password).
    public func update(_ u: User, now: Int64) throws {
        let s = try db.statement("""
            UPDATE users SET full_name = ?, is_admin = ?, phone = ?, email = ?, notify_email = ?, notify_sms = ?, updated_at = ? WHERE id = ?
            """)
        defer { s.reset() }
        try s.bind(1, u.fullName)
        try s.bind(2, u.isAdmin ? 1 : 0)
        if let phone = u.phone { try s.bind(3, phone) } else { try s.bindNull(3) }
        if let email = u.email { try s.bind(4, email) } else { try s.bindNull(4) }
        try s.bind(5, u.notifyEmail ? 1 : 0)
        try s.bind(6, u.notifySMS ? 1 : 0)
        try s.bind(7, now)
        try s.bind(8, u.id)
        _ = try s.step()
    }

    /// How a user who wants alarm e-mails or SMS is named as a recipient in the delivery tables.
    public static func recipientName(_ username: String) -> String { "user \(username)" }

    /// Deletes a user (GDPR erasure): the row goes; the delivery log forgets the contact of messages
    /// sent to the user (as a recipient, so a team mailbox configured elsewhere is not touched), and
    /// nothing more is sent to them; the audit log keeps what was done under a neutral name, also
    /// where the user name appears in a detail.
    public func delete(id: Int64) throws {
        guard let u = try user(id: id) else { return }
        try db.transaction {
            let anonymous = "deleted user #\(id)"
            let audit = try db.statement("UPDATE audit_log SET user = ? WHERE user = ?")
            defer { audit.reset() }
            try audit.bind(1, anonymous)
            try audit.bind(2, u.username)
            _ = try audit.step()
            var details: [(Int64, String)] = []
            let find = try db.statement("SELECT id, detail FROM audit_log WHERE instr(detail, ?) > 0")
            defer { find.reset() }
            try find.bind(1, u.username)
            while try find.step() { details.append((find.int64(0), find.text(1))) }
            for (row, detail) in details {
                let scrubbed = Self.replacingWord(u.username, in: detail, with: anonymous)
                guard scrubbed != detail else { continue }
                let s = try db.statement("UPDATE audit_log SET detail = ? WHERE id = ?")
                defer { s.reset() }
                try s.bind(1, scrubbed)
                try s.bind(2, row)
                _ = try s.step()
            }
            let recipient = Self.recipientName(u.username)
            try NotificationStore(db: db).forget(recipient: recipient, as: anonymous)
            let s = try db.statement("DELETE FROM users WHERE id = ?")
            defer { s.reset() }
            try s.bind(1, id)
            _ = try s.step()
        }
    }

    /// `word` replaced where it stands alone (not inside a longer user name or word).
    static func replacingWord(_ word: String, in text: String, with replacement: String) -> String {
        func isNameCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || "._-".contains(c) }
        var out = ""
        var rest = Substring(text)
        while let r = rest.range(of: word) {
            let before = r.lowerBound == rest.startIndex ? out.last : rest[rest.index(before: r.lowerBound)]
            let after = r.upperBound == rest.endIndex ? nil : rest[r.upperBound]
            let alone = !(before.map(isNameCharacter) ?? false) && !(after.map(isNameCharacter) ?? false)
            out += rest[..<r.lowerBound] + (alone ? replacement : word)
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    /// The audit entries made by a user (for the GDPR export).
    public func auditLog(of username: String) throws -> [AuditEntry] {
        let s = try db.statement("SELECT at, user, action, detail FROM audit_log WHERE user = ? ORDER BY id")
        defer { s.reset() }
        try s.bind(1, username)
        var out: [AuditEntry] = []
        while try s.step() { out.append(AuditEntry(at: s.int64(0), user: s.text(1), action: s.text(2), detail: s.text(3))) }
        return out
    }

    public func setPassword(id: Int64, hash: String, mustChange: Bool, now: Int64) throws {
        let s = try db.statement("UPDATE users SET password_hash = ?, must_change = ?, updated_at = ? WHERE id = ?")
        defer { s.reset() }
        try s.bind(1, hash)
        try s.bind(2, mustChange ? 1 : 0)
        try s.bind(3, now)
        try s.bind(4, id)
        _ = try s.step()
    }

    public func audit(user: String, action: String, detail: String, now: Int64) throws {
        let s = try db.statement("INSERT INTO audit_log(at, user, action, detail) VALUES (?, ?, ?, ?)")
        defer { s.reset() }
        try s.bind(1, now)
        try s.bind(2, user)
        try s.bind(3, action)
        try s.bind(4, detail)
        _ = try s.step()
    }

    public func auditLog(limit: Int = 100) throws -> [AuditEntry] {
        let s = try db.statement("SELECT at, user, action, detail FROM audit_log ORDER BY id DESC LIMIT ?")
        defer { s.reset() }
        try s.bind(1, Int64(limit))
        var out: [AuditEntry] = []
        while try s.step() { out.append(AuditEntry(at: s.int64(0), user: s.text(1), action: s.text(2), detail: s.text(3))) }
        return out
    }
}
