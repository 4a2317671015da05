import Foundation
import Storage

/// What a backup will hold, with sizes, before anything is written: the configuration and the
/// site's register maps, the data folder's files by kind, files outside it that the configuration
/// names (TLS material), and how much of the database is history.
public struct BackupPlan: Sendable {
    public struct Item: Sendable {
        public let archivePath: String
        public let source: String
        public let kind: BackupManifest.Kind
        /// Its size now (a database: its pages, as its copy will have them).
        public let bytes: Int64
        public var isDatabase: Bool { kind == .database || kind == .outbox }
    }

    public let configFile: String
    public let dataDirectory: String
    public let items: [Item]
    /// Bytes of the database's samples and hourly rollups (what `--no-history` leaves out).
    public let historyBytes: Int64

    /// The database and outbox files are read through SQLite, never copied as files.
    public static let databaseName = "history.sqlite"
    /// Not backed up: the status socket, exports and backups, the network/time requests (written
    /// again from the settings), files of an interrupted restore, SQLite's side files.
    static let skipped: Set<String> = ["bmgw.sock", "exports", "backups", "system", "restore-staging"]

    /// - Parameter secretFiles: files outside the data folder that the configuration names (MQTT
    ///   and web TLS); absolute paths.
    public init(configFile: String, dataDirectory: String, secretFiles: [String] = []) throws(BackupError) {
        let fm = FileManager.default
        guard fm.fileExists(atPath: configFile) else { throw BackupError("no configuration file at \(configFile)") }
        self.configFile = configFile
        self.dataDirectory = dataDirectory
        var items = [Item(archivePath: "config/gateway.yaml", source: configFile, kind: .configuration, bytes: Self.size(configFile))]
        let maps = ((configFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent("registermaps")
        for name in ((try? fm.contentsOfDirectory(atPath: maps)) ?? []).sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            items.append(Item(archivePath: "config/registermaps/\(name)", source: "\(maps)/\(name)", kind: .configuration, bytes: Self.size("\(maps)/\(name)")))
        }
        guard let all = fm.enumerator(atPath: dataDirectory) else { throw BackupError("cannot read the data folder \(dataDirectory)") }
        var found: [String] = []
        while let relative = all.nextObject() as? String {
            let first = String(relative.split(separator: "/").first ?? "")
            if Self.skipped.contains(first) || first.hasPrefix("before-restore-") {
                if !relative.contains("/") { all.skipDescendants() }
                continue
            }
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: "\(dataDirectory)/\(relative)", isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let name = (relative as NSString).lastPathComponent
            if name.hasSuffix("-wal") || name.hasSuffix("-shm") || name.hasSuffix("-journal") || name.hasSuffix(".partial") { continue }
            found.append(relative)
        }
        for relative in found.sorted() {
            let path = "\(dataDirectory)/\(relative)"
            let kind = Self.kind(relative)
            let bytes = kind == .database || kind == .outbox ? Self.databaseBytes(path) : Self.size(path)
            items.append(Item(archivePath: "data/\(relative)", source: path, kind: kind, bytes: bytes))
        }
        for file in secretFiles where !file.hasPrefix(dataDirectory + "/") && fm.fileExists(atPath: file) {
            items.append(Item(archivePath: "files\(file)", source: file, kind: .secret, bytes: Self.size(file)))
        }
        self.items = items
        let database = "\(dataDirectory)/\(Self.databaseName)"
        historyBytes = fm.fileExists(atPath: database) ? (try? Self.historyBytes(database)) ?? 0 : 0
    }

    static func kind(_ relative: String) -> BackupManifest.Kind {
        let first = String(relative.split(separator: "/").first ?? "")
        switch relative {
        case databaseName: return .database
        case "settings.yaml": return .settings
        case "web-cert.pem", "web-key.pem": return .secret
        default:
            if ["tls", "remote-access", "snmp"].contains(first) && relative.contains("/") { return .secret }
            if relative.hasSuffix(".sqlite") { return .outbox }
            if first.hasPrefix("logo") { return .branding }
            return .other
        }
    }

    public static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// A database's size as its copy will have it: its pages, wherever they are now (file or write-ahead log).
    static func databaseBytes(_ path: String) -> Int64 {
        guard let db = try? SQLiteConnection(path: path, readOnly: true),
              let pages = try? db.scalar("PRAGMA page_count"), let size = try? db.scalar("PRAGMA page_size") else { return size(path) }
        return pages * size
    }

    /// The samples' and rollups' share of the file: the whole minus every other table and index,
    /// which are small (dbstat reads only their pages, never the history's).
    static func historyBytes(_ path: String) throws -> Int64 {
        let db = try SQLiteConnection(path: path, readOnly: true)
        let pageSize = try db.scalar("PRAGMA page_size") ?? 4096
        let used = (try db.scalar("PRAGMA page_count") ?? 0) - (try db.scalar("PRAGMA freelist_count") ?? 0)
        var others: Int64 = 2 * pageSize
        let names = try db.statement("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT IN ('samples', 'rollups')")
        var list: [String] = []
        while try names.step() { list.append(names.text(0)) }
        names.reset()
        let stat = try db.statement("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?")
        for name in list {
            try stat.bind(1, name)
            if try stat.step() { others += stat.int64(0) }
            stat.reset()
        }
        return max(0, used * pageSize - others)
    }

    /// Items of this backup: the history's database always (users and alarms are in it), secrets on request.
    public func selected(secrets: Bool) -> [Item] {
        items.filter { secrets || $0.kind != .secret }
    }
}
