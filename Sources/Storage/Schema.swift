/// Database schema, versioned with `PRAGMA user_version`; each migration runs once, in order.
enum Schema {
    static let migrations: [String] = [
        // 1: strings, raw samples, hourly rollups.
        """
        CREATE TABLE strings (
            key        INTEGER PRIMARY KEY,
            id         TEXT NOT NULL UNIQUE,
            name       TEXT NOT NULL,
            ups        TEXT NOT NULL,
            cell_count INTEGER NOT NULL
        );
        -- One row per string per logged sample; key = SampleKey(string, time).
        -- String values in canonical units (NULL = n/a); cells = PackedColumns
        -- (voltage, resistance, temperature, soc, soh, status).
        CREATE TABLE samples (
            key         INTEGER PRIMARY KEY,
            voltage     INTEGER,
            current     INTEGER,
            soc         INTEGER,
            temperature INTEGER,
            humidity    INTEGER,
            status      INTEGER NOT NULL,
            cells       BLOB NOT NULL
        );
        -- One row per string per hour: time-weighted min/avg/max of every quantity.
        -- string_stats = PackedColumns(min, avg, max) over the 5 string quantities;
        -- cell_stats = PackedColumns(min, avg, max per cell quantity) over the cells.
        CREATE TABLE rollups (
            key          INTEGER PRIMARY KEY,
            samples      INTEGER NOT NULL,
            string_stats BLOB NOT NULL,
            cell_stats   BLOB NOT NULL
        );
        """,
        // 2: alarm lifecycle, discharge events, resistance baselines, per-string limit overrides, notifications.
        """
        CREATE TABLE alarms (
            id          INTEGER PRIMARY KEY,
            string_key  INTEGER NOT NULL REFERENCES strings(key),
            cell        INTEGER,            -- 1-based; NULL for a string alarm
            type        TEXT NOT NULL,
            raised_at   INTEGER NOT NULL,   -- ms since 1970
            cleared_at  INTEGER,            -- ms; NULL while active
            value       INTEGER,            -- canonical units, at raise
            limit_value INTEGER NOT NULL
        );
        -- At most one active alarm per place and type: a restart can never duplicate one.
        CREATE UNIQUE INDEX alarms_one_active ON alarms(string_key, type, ifnull(cell, 0)) WHERE cleared_at IS NULL;
        CREATE INDEX alarms_by_time ON alarms(raised_at);
        CREATE TABLE discharges (
            id               INTEGER PRIMARY KEY,
            string_key       INTEGER NOT NULL REFERENCES strings(key),
            start_at         INTEGER NOT NULL,
            end_at           INTEGER,       -- NULL while discharging
            updated_at       INTEGER NOT NULL,
            charge_mah       INTEGER NOT NULL,
            min_voltage      INTEGER,
            min_cell_voltage INTEGER,
            min_cell         INTEGER        -- 1-based
        );
        CREATE INDEX discharges_by_time ON discharges(start_at);
        -- Mean cell resistance over [start_at, end_at): PackedColumns, NULL until the period is over.
        CREATE TABLE baselines (
            string_key INTEGER PRIMARY KEY REFERENCES strings(key),
            start_at   INTEGER NOT NULL,
            end_at     INTEGER NOT NULL,
            resistance BLOB
        );
        CREATE TABLE alarm_limits (
            string_id TEXT NOT NULL,
            type      TEXT NOT NULL,
            settings  TEXT NOT NULL,        -- JSON AlarmLimit
            PRIMARY KEY (string_id, type)
        );
        CREATE TABLE notification_queue (
            id         INTEGER PRIMARY KEY,
            channel    TEXT NOT NULL,       -- email | sms
            recipient  TEXT NOT NULL,
            contact    TEXT NOT NULL,
            subject    TEXT NOT NULL,
            body       TEXT NOT NULL,
            attempts   INTEGER NOT NULL DEFAULT 0,
            next_at    INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE notification_log (
            id        INTEGER PRIMARY KEY,
            at        INTEGER NOT NULL,
            channel   TEXT NOT NULL,
            recipient TEXT NOT NULL,
            contact   TEXT NOT NULL,
            subject   TEXT NOT NULL,
            status    TEXT NOT NULL,        -- sent | failed | gave-up
            error     TEXT,
            attempt   INTEGER NOT NULL
        );
        CREATE INDEX notification_log_by_time ON notification_log(at);
        """,
        // 3: alarm changes waiting for their batch window, so a restart loses none.
        """
        CREATE TABLE notification_pending (
            id          INTEGER PRIMARY KEY,
            channel     TEXT NOT NULL,
            recipient   TEXT NOT NULL,
            contact     TEXT NOT NULL,
            deadline_at INTEGER NOT NULL,   -- when the batch is composed (first change + window)
            change      TEXT NOT NULL       -- JSON of the alarm change
        );
        CREATE INDEX notification_pending_by_batch ON notification_pending(channel, recipient, contact);
        """,
        // 4: web UI users (personal data: name, phone, e-mail) and the audit log of setting changes.
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
        // 5: users who want alarm e-mails / SMS (at their e-mail / phone) and what the web UI exports.
        """
        ALTER TABLE users ADD COLUMN notify_email INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE users ADD COLUMN notify_sms INTEGER NOT NULL DEFAULT 0;
        """,
        // 6: which alarms a queued and a logged message was about (ids, comma-separated; '' before 6).
        """
        ALTER TABLE notification_queue ADD COLUMN alarm_ids TEXT NOT NULL DEFAULT '';
        ALTER TABLE notification_log ADD COLUMN alarm_ids TEXT NOT NULL DEFAULT '';
        """,
    ]

    static var version: Int { migrations.count }

    /// Brings the database to the current version; refuses a newer one.
    static func migrate(_ db: SQLiteConnection) throws {
        let current = Int(try db.scalar("PRAGMA user_version") ?? 0)
        if current > version {
            throw SQLiteError(code: 0, message: "database schema \(current) is newer than this gateway's \(version); upgrade the gateway",
                              context: db.path)
        }
        for v in current..<version {
            try db.transaction {
                try db.execute(migrations[v])
                try db.execute("PRAGMA user_version = \(v + 1)")
            }
        }
    }
}
