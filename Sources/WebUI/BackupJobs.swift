import Backup
import Foundation
import Logging
import Synchronization

/// Backups made from Settings › Backup: one at a time, on a thread of its own (the database copy
/// and the archive are file work), into `<data>/backups/`, the step shown while it runs.
final class BackupJobs: Sendable {
    struct Running: Sendable {
        let name: String
        var step: String
        var failed: String?
    }

    let directory: String
    let logger: Logger
    private let running = Mutex<Running?>(nil)

    init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    var current: Running? { running.withLock { $0 } }

    func files() -> [ExportJobs.File] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter(Self.isBackupName).compactMap { name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)")
            guard let size = attributes?[.size] as? Int, let date = attributes?[.modificationDate] as? Date else { return nil }
            return ExportJobs.File(name: name, bytes: size, modified: date)
        }.sorted { $0.modified > $1.modified }
    }

    static func isBackupName(_ name: String) -> Bool {
        name.hasPrefix("bmgw-backup-") && name.hasSuffix(".tar") && name.count < 100 && !name.contains("..")
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    func path(_ name: String) -> String? {
        guard Self.isBackupName(name), FileManager.default.fileExists(atPath: "\(directory)/\(name)") else { return nil }
        return "\(directory)/\(name)"
    }

    func delete(_ name: String) -> Bool {
        guard let path = path(name) else { return false }
        return (try? FileManager.default.removeItem(atPath: path)) != nil
    }

    /// Starts a backup; the file name, or why not (one is running, the disk is too full).
    func start(_ writer: BackupWriter, estimate: Int64) -> Result<String, ExportRefusal> {
        if let free = ExportJobs.freeBytes((directory as NSString).deletingLastPathComponent), free < estimate + ExportJobs.reserve {
            return .failure(.init("the backup needs about \(estimate / 1_048_576) MiB and only \(free / 1_048_576) MiB are free (1 GiB stays for the history): leave the history out or delete old backups"))
        }
        // 2026-12-01T14:30:00Z → 20261201-143000
        let iso: String = Date().formatted(.iso8601)
        let stamp = String(iso.filter { $0 != "-" && $0 != ":" && $0 != "Z" }).replacingOccurrences(of: "T", with: "-")
        let id = writer.gatewayId.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        let name = "bmgw-backup-\(id.isEmpty ? "gateway" : id)-\(stamp).tar"
        let started: Bool = running.withLock { r in
            if let r, r.failed == nil { return false }
            r = Running(name: name, step: "starting")
            return true
        }
        guard started else { return .failure(.init("a backup is being made: wait until it is finished")) }
        Thread.detachNewThread { [self] in run(writer, name: name) }
        return .success(name)
    }

    private func run(_ writer: BackupWriter, name: String) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try writer.write(to: "\(directory)/\(name)") { step in running.withLock { $0?.step = step } }
            running.withLock { $0 = nil }
            logger.notice("backup made", metadata: ["file": "\(name)", "history": "\(writer.history)", "secrets": "\(writer.secrets)"])
        } catch {
            running.withLock { $0?.failed = "\(error)" }
            logger.error("backup failed", metadata: ["file": "\(name)", "error": "\(error)"])
        }
    }

    func dismiss() {
        running.withLock { r in if r?.failed != nil { r = nil } }
    }
}
