import Crypto
public import Foundation
import Storage

/// Writes a backup archive from a plan: databases copied through SQLite's online backup API (the
/// gateway may be running), the history left out on request, everything hashed into the manifest,
/// the archive written as `.partial` and renamed when whole, readable by its owner only.
public struct BackupWriter: Sendable {
    public let plan: BackupPlan
    public let history: Bool
    public let secrets: Bool
    public let gatewayVersion: String
    public let gatewayId: String

    public init(plan: BackupPlan, history: Bool, secrets: Bool, gatewayVersion: String, gatewayId: String) {
        self.plan = plan
        self.history = history
        self.secrets = secrets
        self.gatewayVersion = gatewayVersion
        self.gatewayId = gatewayId
    }

    /// Writes the archive at `output`; `say` hears each step.
    @discardableResult
    public func write(to output: String, now: Date = Date(), say: (String) -> Void = { _ in }) throws -> BackupManifest {
        let fm = FileManager.default
        let staging = "\(output).staging"
        try? fm.removeItem(atPath: staging)
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? fm.removeItem(atPath: staging) }

        var staged: [(item: BackupPlan.Item, file: String, mode: Int)] = []
        var schema = SchemaVersions(format: 0, parts: [:])
        for (n, item) in plan.selected(secrets: secrets).enumerated() {
            let file = "\(staging)/\(n)"
            let mode = ((try? fm.attributesOfItem(atPath: item.source))?[.posixPermissions] as? NSNumber)?.intValue ?? 0o600
            if item.isDatabase {
                say("copying \(item.archivePath) (online backup)")
                try SQLiteConnection(path: item.source, readOnly: true).backup(to: file)
                if item.kind == .database {
                    let copy = try SQLiteConnection(path: file)
                    schema = try SchemaVersions.read(copy)
                    if !history {
                        say("leaving the history out of the copy")
                        try copy.execute("DELETE FROM samples; DELETE FROM rollups; VACUUM")
                    }
                }
            } else {
                try fm.copyItem(atPath: item.source, toPath: file)
            }
            staged.append((item, file, mode & 0o777))
        }

        var entries: [BackupManifest.Entry] = []
        for s in staged {
            entries.append(.init(path: s.item.archivePath, kind: s.item.kind, bytes: BackupPlan.size(s.file), sha256: try Self.sha256(file: s.file), mode: s.mode))
        }
        let manifest = BackupManifest(format: BackupManifest.currentFormat, gatewayVersion: gatewayVersion, gatewayId: gatewayId,
                                      created: now.formatted(.iso8601), schema: schema, history: history, secrets: secrets,
                                      dataDirectory: plan.dataDirectory, configFile: plan.configFile, entries: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(manifest)

        let partial = "\(output).partial"
        guard fm.createFile(atPath: partial, contents: nil, attributes: [.posixPermissions: 0o600]),
              let out = FileHandle(forWritingAtPath: partial) else { throw BackupError("cannot write \(partial)") }
        do {
            let stamp = Int64(now.timeIntervalSince1970)
            try Self.append(out, name: BackupManifest.entryName, data: json, mode: 0o600, modified: stamp)
            for (s, entry) in zip(staged, entries) {
                say("writing \(entry.path) (\(entry.bytes) bytes)")
                try out.write(contentsOf: try Tar.header(.init(name: entry.path, size: entry.bytes, mode: entry.mode, modified: stamp)))
                guard let input = FileHandle(forReadingAtPath: s.file) else { throw BackupError("cannot read \(s.file)") }
                defer { try? input.close() }
                var copied: Int64 = 0
                while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
                    try out.write(contentsOf: chunk)
                    copied += Int64(chunk.count)
                }
                guard copied == entry.bytes else { throw BackupError("\(entry.path) changed while it was archived") }
                try out.write(contentsOf: [UInt8](repeating: 0, count: Tar.padding(copied)))
            }
            try out.write(contentsOf: [UInt8](repeating: 0, count: 2 * Tar.block))
            try out.synchronize()
            try out.close()
        } catch {
            try? out.close()
            try? fm.removeItem(atPath: partial)
            throw error
        }
        guard rename(partial, output) == 0 else { throw BackupError("cannot rename \(partial) to \(output): \(String(cString: strerror(errno)))") }
        return manifest
    }

    static func append(_ out: FileHandle, name: String, data: Data, mode: Int, modified: Int64) throws {
        try out.write(contentsOf: try Tar.header(.init(name: name, size: Int64(data.count), mode: mode, modified: modified)))
        try out.write(contentsOf: data)
        try out.write(contentsOf: [UInt8](repeating: 0, count: Tar.padding(Int64(data.count))))
    }

    static func sha256(file: String) throws -> String {
        guard let input = FileHandle(forReadingAtPath: file) else { throw BackupError("cannot read \(file)") }
        defer { try? input.close() }
        var hash = SHA256()
        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { hash.update(data: chunk) }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
