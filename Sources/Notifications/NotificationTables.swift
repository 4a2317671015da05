public import Storage

/// The notifier's tables: the delivery queue and log, and alarm changes waiting for their batch
/// window (docs/storage.md).
public enum NotificationTables {
    public static let schema = SchemaPart(name: "notifications", migrations: [
        // 1: delivery queue and log
        """
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
        // 2: alarm changes waiting for their batch window, so a restart loses none
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
        // 3: which alarms a queued and a logged message was about (ids, comma-separated; '' before)
        """
        ALTER TABLE notification_queue ADD COLUMN alarm_ids TEXT NOT NULL DEFAULT '';
        ALTER TABLE notification_log ADD COLUMN alarm_ids TEXT NOT NULL DEFAULT '';
        """,
    ], expiry: [
        "DELETE FROM notification_log WHERE id IN (SELECT id FROM notification_log WHERE at < ?1 LIMIT 1000)",
    ])
}
