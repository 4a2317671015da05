public import Foundation
public import Storage

/// Puts a checked archive back: refuses a database newer than this gateway, extracts into a
/// staging folder beside the data, checks every database there, moves whatever it replaces into
/// `<data>/before-restore-<time>/` (and the configuration to `<config>.before-restore-<time>`), then
/// moves the restored files into place, owned like the data folder. Run with the gateway stopped.
public struct BackupRestore: Sendable {
    public let archive: BackupArchive
    public let configFile: String
    public let dataDirectory: String

    public init(archive: BackupArchive, configFile: String, dataDirectory: String) {
        self.archive = archive
        self.configFile = configFile
        self.dataDirectory = dataDirectory
    }

    public struct Result: Sendable {
        public var restored: [String] = []
        /// Where the files it replaced went (nil when nothing was replaced).
        public var aside: String?
        public var configAside: String?
    }

    /// Why the gateway at `current` cannot take this backup's database, or nil.
    public func refusal(current: SchemaVersions) -> String? {
        let m = archive.manifest
        return m.schema.newer(than: current).map {
            "this backup (gateway \(m.gatewayVersion), \(m.created)) holds a newer database than this gateway knows: \($0). Install gateway \(m.gatewayVersion) or newer, then restore."
        }
    }

    public func run(current: SchemaVersions, now: Date = Date(), say: (String) -> Void = { _ in }) throws -> Result {
        if let refusal = refusal(current: current) { throw BackupError(refusal) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        let staging = "\(dataDirectory)/restore-staging"
        try? fm.removeItem(atPath: staging)
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? fm.removeItem(atPath: staging) }
        say("extracting \(archive.manifest.entries.count) files")
        try archive.extract(into: staging)
        for entry in archive.manifest.entries where entry.kind == .database || entry.kind == .outbox {
            let db = try SQLiteConnection(path: "\(staging)/\(entry.path)", readOnly: true)
            if let problems = try db.integrityProblems() { throw BackupError("\(entry.path) in the backup is not sound: \(problems)") }
        }

        let iso: String = now.formatted(.iso8601)
        let stamp = iso.filter { $0 != "-" && $0 != ":" }
        let aside = "\(dataDirectory)/before-restore-\(stamp)"
        let dataOwner = try Ownership(of: dataDirectory)
        var result = Result()
        for entry in archive.manifest.entries {
            let target = try target(of: entry.path)
            // A replaced file's owner and mode carry over (the package makes gateway.yaml root:bmgw 0640);
            // a new file belongs to the data folder's owner.
            var ownership = dataOwner
            ownership.mode = entry.mode
            if fm.fileExists(atPath: target) { ownership = try Ownership(of: target) }
            if entry.path == "config/gateway.yaml" {
                if fm.fileExists(atPath: configFile) {
                    result.configAside = "\(configFile).before-restore-\(stamp)"
                    try fm.moveItem(atPath: configFile, toPath: "\(configFile).before-restore-\(stamp)")
                }
            } else {
                for suffix in ["", "-wal", "-shm"] where fm.fileExists(atPath: target + suffix) {
                    let moved = "\(aside)/\(entry.path)\(suffix)"
                    try fm.createDirectory(atPath: (moved as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    try fm.moveItem(atPath: target + suffix, toPath: moved)
                    result.aside = aside
                }
            }
            let folder = (target as NSString).deletingLastPathComponent
            if !fm.fileExists(atPath: folder) {
                try fm.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
                if folder.hasPrefix(dataDirectory + "/") { dataOwner.apply(to: folder, mode: 0o750) }
            }
            try fm.moveItem(atPath: "\(staging)/\(entry.path)", toPath: target)
            ownership.apply(to: target)
            say("restored \(target)")
            result.restored.append(target)
        }
        return result
    }

    /// Where an archive path goes: the configuration beside `configFile`, data under `dataDirectory`,
    /// `files/…` at its absolute path.
    func target(of path: String) throws(BackupError) -> String {
        if path == "config/gateway.yaml" { return configFile }
        if path.hasPrefix("config/") {
            return ((configFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent(String(path.dropFirst("config/".count)))
        }
        if path.hasPrefix("data/") { return "\(dataDirectory)/\(path.dropFirst("data/".count))" }
        if path.hasPrefix("files/") { return String(path.dropFirst("files".count)) }
        throw BackupError("\(path): not a path this gateway restores")
    }
}

/// Owner, group and mode of a file, to give to another.
struct Ownership {
    var owner: UInt32
    var group: UInt32
    var mode: Int

    init(of path: String) throws {
        var s = stat()
        guard stat(path, &s) == 0 else { throw BackupError("cannot read \(path): \(String(cString: strerror(errno)))") }
        owner = s.st_uid
        group = s.st_gid
        mode = Int(s.st_mode & 0o7777)
    }

    func apply(to path: String, mode: Int? = nil) {
        // As root the files get the gateway user's; as that user chown changes nothing and may fail harmlessly.
        _ = chown(path, owner, group)
        _ = chmod(path, mode_t(mode ?? self.mode))
    }
}
