import Foundation

/// The POSIX ustar format, regular files only: what `tar` on any system lists and extracts, and
/// small enough to write and check here. A 512-byte header per file, its data padded to 512 bytes,
/// two empty blocks at the end.
enum Tar {
    static let block = 512
    /// ustar sizes are 11 octal digits.
    static let maxSize: Int64 = 0o77777777777

    struct Header: Equatable {
        var name: String
        var size: Int64
        var mode: Int
        var modified: Int64
    }

    static func header(_ h: Header) throws(BackupError) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: block)
        let (prefix, name) = try split(h.name)
        func put(_ text: String, at offset: Int, width: Int) {
            for (i, byte) in text.utf8.prefix(width).enumerated() { b[offset + i] = byte }
        }
        func octal(_ value: Int64, at offset: Int, width: Int) {
            put(String(String(value, radix: 8).suffix(width - 1)).leftPadded(to: width - 1), at: offset, width: width - 1)
        }
        guard h.size <= maxSize else { throw BackupError("\(h.name) is larger than 8 GiB, more than an archive entry holds") }
        put(name, at: 0, width: 100)
        octal(Int64(h.mode), at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        octal(h.size, at: 124, width: 12)
        octal(h.modified, at: 136, width: 12)
        b[156] = UInt8(ascii: "0")
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        put("root", at: 265, width: 32)
        put("root", at: 297, width: 32)
        put(prefix, at: 345, width: 155)
        // The checksum is the sum of the header's bytes with its own field counted as spaces.
        for i in 148..<156 { b[i] = UInt8(ascii: " ") }
        let sum = b.reduce(0) { $0 + Int($1) }
        put(String(String(sum, radix: 8)).leftPadded(to: 6), at: 148, width: 6)
        b[154] = 0
        return b
    }

    /// A name over 100 bytes goes into prefix (155) + name (100), split at a '/'.
    private static func split(_ path: String) throws(BackupError) -> (String, String) {
        let bytes = Array(path.utf8)
        if bytes.count <= 100 { return ("", path) }
        for (i, c) in bytes.enumerated().reversed() where c == UInt8(ascii: "/") && i <= 155 && bytes.count - i - 1 <= 100 {
            return (String(decoding: bytes[..<i], as: UTF8.self), String(decoding: bytes[(i + 1)...], as: UTF8.self))
        }
        throw BackupError("the path \(path) is too long for the archive")
    }

    /// Parses a header block: nil at the end-of-archive (a zero block), an error for a damaged one.
    static func parse(_ b: [UInt8]) throws(BackupError) -> Header? {
        guard b.count == block else { throw BackupError("the archive ends inside a header") }
        if b.allSatisfy({ $0 == 0 }) { return nil }
        func text(_ offset: Int, _ width: Int) -> String {
            let field = b[offset..<(offset + width)]
            return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
        }
        func number(_ offset: Int, _ width: Int) -> Int64? {
            Int64(text(offset, width).trimmingCharacters(in: .whitespaces), radix: 8)
        }
        var sum = 0
        for (i, byte) in b.enumerated() { sum += (148..<156).contains(i) ? Int(UInt8(ascii: " ")) : Int(byte) }
        guard let stored = number(148, 8), stored == sum else { throw BackupError("an archive header is damaged (checksum)") }
        guard text(257, 5) == "ustar" else { throw BackupError("not a ustar archive") }
        let type = b[156]
        guard type == UInt8(ascii: "0") || type == 0 else { throw BackupError("the archive holds something else than files (\(text(0, 100)))") }
        guard let size = number(124, 12), size >= 0, let mode = number(100, 8) else { throw BackupError("an archive header is damaged (size)") }
        let prefix = text(345, 155)
        let name = prefix.isEmpty ? text(0, 100) : "\(prefix)/\(text(0, 100))"
        return Header(name: name, size: size, mode: Int(mode), modified: number(136, 12) ?? 0)
    }

    static func padding(_ size: Int64) -> Int { Int((Int64(block) - size % Int64(block)) % Int64(block)) }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// A problem with a backup or a restore, said so that the operator knows what to do.
public struct BackupError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
