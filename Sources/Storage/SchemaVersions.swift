/// Which schema a database file is at: `PRAGMA user_version` and each part's version. A backup
/// records it; a restore compares it with the gateway's own before it touches anything.
public struct SchemaVersions: Codable, Sendable, Equatable {
    public var format: Int
    public var parts: [String: Int]

    public init(format: Int, parts: [String: Int]) {
        self.format = format
        self.parts = parts
    }

    /// The versions this gateway writes, for the tables of `parts` (and the history's).
    public static func current(parts: [SchemaPart]) -> SchemaVersions {
        var versions = [Schema.history.name: Schema.history.version]
        for p in parts { versions[p.name] = p.version }
        return SchemaVersions(format: Schema.perPart, parts: versions)
    }

    /// Reads them from an open database.
    public static func read(_ db: SQLiteConnection) throws(SQLiteError) -> SchemaVersions {
        let format = Int(try db.scalar("PRAGMA user_version") ?? 0)
        var parts: [String: Int] = [:]
        if try db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_parts'") == 1 {
            let s = try db.statement("SELECT name, version FROM schema_parts")
            defer { s.reset() }
            while try s.step() { parts[s.text(0)] = Int(s.int64(1)) }
        }
        return SchemaVersions(format: format, parts: parts)
    }

    /// Why a database at these versions cannot be opened by a gateway at `gateway`: nil when it can
    /// (same or older: the gateway migrates it), else one sentence per newer part.
    public func newer(than gateway: SchemaVersions) -> String? {
        var problems: [String] = []
        if format > gateway.format { problems.append("the database format is \(format), this gateway's is \(gateway.format)") }
        for (name, version) in parts.sorted(by: { $0.key < $1.key }) {
            if let known = gateway.parts[name] {
                if version > known { problems.append("the \(name) tables are at version \(version), this gateway's at \(known)") }
            } else {
                problems.append("the \(name) tables (version \(version)) are unknown to this gateway")
            }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }
}
