public import Storage

/// Remote access's tables: the client certificates the gateway issued and their revocation; the
/// controller writes made remotely (the event log beside the alarms; refusals are in the audit log).
public enum RemoteAccessTables {
    public static let schema = SchemaPart(name: "remoteAccess", migrations: [
        // 1: issued client certificates
        """
        CREATE TABLE remote_certificates (
            serial      TEXT PRIMARY KEY,    -- hex, as in the certificate
            name        TEXT NOT NULL,       -- the engineer it was issued to (subject CN)
            role        TEXT NOT NULL,
            not_before  INTEGER NOT NULL,    -- ms since 1970
            not_after   INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,       -- SHA-256 of the certificate
            issued_at   INTEGER NOT NULL,
            issued_by   TEXT NOT NULL,
            revoked_at  INTEGER,
            revoked_by  TEXT
        );
        """,
        // 2: successful remote writes, for the alarm/event pages
        """
        CREATE TABLE remote_writes (
            id        INTEGER PRIMARY KEY,
            at        INTEGER NOT NULL,      -- ms since 1970
            string_id TEXT NOT NULL,         -- the configured string id
            client    TEXT NOT NULL,         -- remote:<certificate CN>
            role      TEXT NOT NULL,
            detail    TEXT NOT NULL          -- what was written
        );
        CREATE INDEX remote_writes_at ON remote_writes(at);
        """,
    ])
}

/// One issued client certificate.
public struct IssuedCertificate: Sendable, Equatable, Codable {
    public var serial: String
    public var name: String
    public var role: String
    public var notBefore: Int64
    public var notAfter: Int64
    public var fingerprint: String
    public var issuedAt: Int64
    public var issuedBy: String
    public var revokedAt: Int64?
    public var revokedBy: String?
}

/// Issued certificates in the gateway's database.
public struct IssuedCertificates {
    let db: SQLiteConnection

    public init(db: SQLiteConnection) {
        self.db = db
    }

    public func add(_ c: IssuedCertificate) throws {
        let s = try db.statement("""
            INSERT INTO remote_certificates(serial, name, role, not_before, not_after, fingerprint, issued_at, issued_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        defer { s.reset() }
        try s.bind(1, c.serial)
        try s.bind(2, c.name)
        try s.bind(3, c.role)
        try s.bind(4, c.notBefore)
        try s.bind(5, c.notAfter)
        try s.bind(6, c.fingerprint)
        try s.bind(7, c.issuedAt)
        try s.bind(8, c.issuedBy)
        _ = try s.step()
    }

    /// Newest first.
    public func all() throws -> [IssuedCertificate] {
        let s = try db.statement("""
            SELECT serial, name, role, not_before, not_after, fingerprint, issued_at, issued_by, revoked_at, revoked_by
            FROM remote_certificates ORDER BY issued_at DESC, serial
            """)
        defer { s.reset() }
        var out: [IssuedCertificate] = []
        while try s.step() {
            out.append(IssuedCertificate(serial: s.text(0), name: s.text(1), role: s.text(2), notBefore: s.int64(3), notAfter: s.int64(4),
                                         fingerprint: s.text(5), issuedAt: s.int64(6), issuedBy: s.text(7),
                                         revokedAt: s.isNull(8) ? nil : s.int64(8), revokedBy: s.isNull(9) ? nil : s.text(9)))
        }
        return out
    }

    /// Revokes `serial`; false when no such certificate was issued or it is already revoked.
    public func revoke(serial: String, by user: String, now: Int64) throws -> Bool {
        let s = try db.statement("UPDATE remote_certificates SET revoked_at = ?, revoked_by = ? WHERE serial = ? AND revoked_at IS NULL")
        defer { s.reset() }
        try s.bind(1, now)
        try s.bind(2, user)
        try s.bind(3, serial.lowercased())
        _ = try s.step()
        return db.changes > 0
    }

    public func isRevoked(serial: String) throws -> Bool {
        let s = try db.statement("SELECT 1 FROM remote_certificates WHERE serial = ? AND revoked_at IS NOT NULL")
        defer { s.reset() }
        try s.bind(1, serial)
        return try s.step()
    }
}

/// One controller write made through remote access.
public struct RemoteWriteEntry: Sendable, Equatable, Codable {
    public var at: Int64
    public var stringId: String
    public var client: String
    public var role: String
    public var detail: String

    public init(at: Int64, stringId: String, client: String, role: String, detail: String) {
        self.at = at
        self.stringId = stringId
        self.client = client
        self.role = role
        self.detail = detail
    }
}

/// The remote writes in the gateway's database.
public struct RemoteWriteLog {
    let db: SQLiteConnection

    public init(db: SQLiteConnection) {
        self.db = db
    }

    public func add(_ e: RemoteWriteEntry) throws {
        let s = try db.statement("INSERT INTO remote_writes(at, string_id, client, role, detail) VALUES (?, ?, ?, ?, ?)")
        defer { s.reset() }
        try s.bind(1, e.at)
        try s.bind(2, e.stringId)
        try s.bind(3, e.client)
        try s.bind(4, e.role)
        try s.bind(5, e.detail)
        _ = try s.step()
    }

    /// Newest first; only these strings' when `strings` is given.
    public func list(strings: [String]? = nil, limit: Int = 200) throws -> [RemoteWriteEntry] {
        let filter = strings.map { "WHERE string_id IN (\(Array(repeating: "?", count: $0.count).joined(separator: ", ")))" } ?? ""
        let s = try db.statement("SELECT at, string_id, client, role, detail FROM remote_writes \(filter) ORDER BY at DESC, id DESC LIMIT ?")
        defer { s.reset() }
        var n = 1
        for id in strings ?? [] {
            try s.bind(n, id)
            n += 1
        }
        try s.bind(n, Int64(limit))
        var out: [RemoteWriteEntry] = []
        while try s.step() {
            out.append(RemoteWriteEntry(at: s.int64(0), stringId: s.text(1), client: s.text(2), role: s.text(3), detail: s.text(4)))
        }
        return out
    }
}
