import Crypto
import Foundation
import Storage

/// A backup archive opened for a restore: its manifest read and every entry checked against it
/// (present, same size, same SHA-256, nothing extra) before anything is extracted.
public struct BackupArchive: Sendable {
    public let path: String
    public let manifest: BackupManifest

    /// Reads and checks the archive at `path`.
    public init(path: String) throws(BackupError) {
        self.path = path
        guard let input = FileHandle(forReadingAtPath: path) else { throw BackupError("cannot read \(path)") }
        defer { try? input.close() }
        do {
            guard let first = try Tar.parse(Self.read(input, Tar.block)), first.name == BackupManifest.entryName, first.size < 16 << 20 else {
                throw BackupError("\(path) is not a gateway backup (it does not begin with \(BackupManifest.entryName))")
            }
            let json = try Self.read(input, Int(first.size))
            _ = try Self.read(input, Tar.padding(first.size))
            let manifest: BackupManifest
            do { manifest = try JSONDecoder().decode(BackupManifest.self, from: Data(json)) } catch {
                throw BackupError("\(path): its manifest cannot be read (\(error))")
            }
            guard manifest.format <= BackupManifest.currentFormat else {
                throw BackupError("\(path) was written by gateway \(manifest.gatewayVersion) in backup format \(manifest.format); this gateway reads up to format \(BackupManifest.currentFormat): upgrade the gateway first")
            }
            self.manifest = manifest
            var expected = manifest.entries
            while let header = try Tar.parse(Self.read(input, Tar.block)) {
                guard let i = expected.firstIndex(where: { $0.path == header.name }) else {
                    throw BackupError("\(path) holds \(header.name), which its manifest does not list")
                }
                let entry = expected.remove(at: i)
                guard entry.bytes == header.size else { throw BackupError("\(header.name) is \(header.size) bytes in the archive, \(entry.bytes) in its manifest") }
                var hash = SHA256()
                try Self.stream(input, header.size) { hash.update(data: $0) }
                let digest = hash.finalize().map { String(format: "%02x", $0) }.joined()
                guard digest == entry.sha256 else { throw BackupError("\(header.name) is damaged (its SHA-256 differs from the manifest's)") }
                _ = try Self.read(input, Tar.padding(header.size))
            }
            if let missing = expected.first { throw BackupError("\(path) is incomplete: \(missing.path) is missing") }
        } catch let error as BackupError {
            throw error
        } catch {
            throw BackupError("\(path) cannot be read: \(error)")
        }
    }

    /// Writes every entry under `folder` at its archive path (`config/…`, `data/…`, `files/…`) with its mode.
    public func extract(into folder: String) throws {
        guard let input = FileHandle(forReadingAtPath: path) else { throw BackupError("cannot read \(path)") }
        defer { try? input.close() }
        let fm = FileManager.default
        while let header = try Tar.parse(Self.read(input, Tar.block)) {
            // The manifest was checked: no entry names a path outside the folder.
            guard !header.name.split(separator: "/").contains(".."), !header.name.hasPrefix("/") else {
                throw BackupError("\(header.name): a path outside the archive's folders")
            }
            let target = "\(folder)/\(header.name)"
            try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard fm.createFile(atPath: target, contents: nil, attributes: [.posixPermissions: 0o600]), let out = FileHandle(forWritingAtPath: target) else {
                throw BackupError("cannot write \(target)")
            }
            try Self.stream(input, header.size) { try out.write(contentsOf: $0) }
            try out.synchronize()
            try out.close()
            try fm.setAttributes([.posixPermissions: header.mode & 0o777], ofItemAtPath: target)
            _ = try Self.read(input, Tar.padding(header.size))
        }
    }

    static func read(_ input: FileHandle, _ count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes: [UInt8] = []
        while bytes.count < count {
            guard let chunk = try input.read(upToCount: count - bytes.count), !chunk.isEmpty else { break }
            bytes += chunk
        }
        guard bytes.count == count else { throw BackupError("the archive ends too early: it is truncated") }
        return bytes
    }

    static func stream(_ input: FileHandle, _ size: Int64, _ body: (Data) throws -> Void) throws {
        var left = size
        while left > 0 {
            guard let chunk = try input.read(upToCount: Int(min(left, 1 << 20))), !chunk.isEmpty else {
                throw BackupError("the archive ends too early: it is truncated")
            }
            try body(chunk)
            left -= Int64(chunk.count)
        }
    }
}
