public import Storage

/// Remote access's table: the client certificates the gateway issued, and their revocation.
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
