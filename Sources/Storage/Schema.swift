/// A module's tables: its name and its migrations, each run once, in order. Each module that keeps
/// data in the gateway's database declares its own (`AlarmTables`, `NotificationTables`,
/// `WebTables`; the history tables are Storage's own) and the database brings every part it is
/// opened with to its newest version (docs/storage.md).
public struct SchemaPart: Sendable {
    public let name: String
    public let migrations: [String]
    /// Statements that delete at most a batch of rows older than `?1` (ms since 1970): run with the
    /// history's retention until they delete nothing.
    public let expiry: [String]

    public init(name: String, migrations: [String], expiry: [String] = []) {
        self.name = name
        self.migrations = migrations
        self.expiry = expiry
    }

    public var version: Int { migrations.count }
}

/// Versions per part, in the table `schema_parts`. `PRAGMA user_version` says how the database is
/// versioned: 1…6 were one list for every table (before issue 13), 7 is per part. A gateway that
/// knows only the one list refuses a database at 7, as it refuses any newer schema.
enum Schema {
    static let perPart = 7

    /// The history tables: strings, raw samples, hourly rollups.
    static let history = SchemaPart(name: "history", migrations: [
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
    ])

    /// Where each part stood when the database was versioned as one list: migration i of that list
    /// (0-based) brought these parts to these versions.
    static let oneList: [[String: Int]] = [
        ["history": 1],
        ["alarms": 1, "notifications": 1],
        ["notifications": 2],
        ["web": 1],
        ["web": 2],
        ["notifications": 3],
    ]

    /// Brings `parts` (after the history tables, which the others refer to) to their newest versions;
    /// refuses a database newer than this gateway.
    static func migrate(_ db: SQLiteConnection, parts: [SchemaPart]) throws {
        let format = Int(try db.scalar("PRAGMA user_version") ?? 0)
        if format > perPart {
            throw SQLiteError(code: 0, message: "database schema \(format) is newer than this gateway's \(perPart); upgrade the gateway",
                              context: db.path)
        }
        if format < perPart {
            try db.transaction {
                try db.execute("CREATE TABLE schema_parts (name TEXT PRIMARY KEY, version INTEGER NOT NULL)")
                var versions: [String: Int] = [:]
                for step in oneList.prefix(format) { versions.merge(step) { max($0, $1) } }
                let insert = try db.statement("INSERT INTO schema_parts(name, version) VALUES (?, ?)")
                defer { insert.reset() }
                for (name, version) in versions.sorted(by: { $0.key < $1.key }) {
                    try insert.bind(1, name)
                    try insert.bind(2, Int64(version))
                    try insert.step()
                    insert.reset()
                }
                try db.execute("PRAGMA user_version = \(perPart)")
            }
        }
        for part in [history] + parts.filter({ $0.name != history.name }) {
            try migrate(db, part)
        }
    }

    private static func migrate(_ db: SQLiteConnection, _ part: SchemaPart) throws {
        let current: Int = try {
            let read = try db.statement("SELECT version FROM schema_parts WHERE name = ?")
            defer { read.reset() }
            try read.bind(1, part.name)
            return try read.step() ? Int(read.int64(0)) : 0
        }()
        if current > part.version {
            throw SQLiteError(code: 0, message: "the \(part.name) tables are at version \(current), newer than this gateway's \(part.version); upgrade the gateway",
                              context: db.path)
        }
        for v in current..<part.version {
            try db.transaction {
                try db.execute(part.migrations[v])
                let write = try db.statement("INSERT INTO schema_parts(name, version) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET version = excluded.version")
                defer { write.reset() }
                try write.bind(1, part.name)
                try write.bind(2, Int64(v + 1))
                try write.step()
            }
        }
    }
}
