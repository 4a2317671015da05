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
