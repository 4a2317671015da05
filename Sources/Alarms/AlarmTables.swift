public import Storage

/// The alarm domain's tables: alarm lifecycle, discharge events, resistance baselines, per-string
/// limit overrides (docs/storage.md).
public enum AlarmTables {
    public static let schema = SchemaPart(name: "alarms", migrations: [
        // 1: alarms, discharges, baselines, limit overrides
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
        """,
    ], expiry: [
        "DELETE FROM alarms WHERE id IN (SELECT id FROM alarms WHERE cleared_at < ?1 LIMIT 1000)",
        "DELETE FROM discharges WHERE id IN (SELECT id FROM discharges WHERE end_at < ?1 LIMIT 1000)",
    ])
}
