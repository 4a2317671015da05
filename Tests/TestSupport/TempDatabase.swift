import Foundation

/// A path for a new SQLite database in the temporary folder.
public func tempDatabase() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("hist-\(UUID().uuidString).sqlite").path
}

/// Removes a database with its WAL and shared-memory files.
public func removeDatabase(_ path: String) {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}
