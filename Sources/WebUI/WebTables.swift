public import Storage

/// The web UI's tables: users (personal data: name, phone, e-mail) and the audit log of setting
/// changes (docs/storage.md).
public enum WebTables {
    public static let schema = SchemaPart(name: "web", migrations: [
        // 1: users and the audit log
        """
        CREATE TABLE users (
            id            INTEGER PRIMARY KEY,
            username      TEXT NOT NULL UNIQUE,
            full_name     TEXT NOT NULL DEFAULT '',
            is_admin      INTEGER NOT NULL,
            phone         TEXT,
            email         TEXT,
            password_hash TEXT NOT NULL,       -- bcrypt
            must_change   INTEGER NOT NULL,    -- the password must be changed at the next login
            created_at    INTEGER NOT NULL,
            updated_at    INTEGER NOT NULL
        );
        CREATE TABLE audit_log (
            id      INTEGER PRIMARY KEY,
            at      INTEGER NOT NULL,
            user    TEXT NOT NULL,       -- user name (not personal data beyond the login)
            action  TEXT NOT NULL,
            detail  TEXT NOT NULL
        );
        CREATE INDEX audit_log_by_time ON audit_log(at);
        """,
        // 2: users who want alarm e-mails / SMS (at their e-mail / phone)
        """
        ALTER TABLE users ADD COLUMN notify_email INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE users ADD COLUMN notify_sms INTEGER NOT NULL DEFAULT 0;
        """,
    ])
}
