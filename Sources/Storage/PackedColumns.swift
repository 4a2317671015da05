import BatteryModel

/// Compact blob of equal-length integer columns (a string's cell values).
///
/// Layout: version byte, value count, column count, then per column its byte
/// length and one varint token per value: `zigzag(value − previous) << 1` for a
/// value, `1` for n/a. Neighbouring cells are alike, so most tokens take one or
/// two bytes; the per-column length lets a reader jump to the column it needs.
public enum PackedColumns {
    static let version: UInt8 = 1

    public static func encode(_ columns: [[Int32]]) -> [UInt8] {
        let count = columns.first?.count ?? 0
        var out: [UInt8] = [version]
        out.reserveCapacity(8 + columns.count * count * 2)
        putVarint(UInt64(count), into: &out)
        putVarint(UInt64(columns.count), into: &out)
        var body: [UInt8] = []
        body.reserveCapacity(count * 2)
        for column in columns {
            body.removeAll(keepingCapacity: true)
            var previous: Int64 = 0
            for v in column {
                if v == Measurement.missing {
                    body.append(1)
                    continue
                }
                let delta = Int64(v) - previous
                previous = Int64(v)
                let zigzag = UInt64(bitPattern: (delta << 1) ^ (delta >> 63))
                putVarint(zigzag << 1, into: &body)
            }
            putVarint(UInt64(body.count), into: &out)
            out += body
        }
        return out
    }

    /// All columns, or nil when the blob is malformed.
    public static func decode(_ blob: UnsafeRawBufferPointer) -> [[Int32]]? {
        var reader = Reader(blob)
        guard let (count, columns) = reader.header() else { return nil }
        var out: [[Int32]] = []
        out.reserveCapacity(columns)
        for _ in 0..<columns {
            guard let length = reader.length(), let column = reader.column(count: count, length: length) else { return nil }
            out.append(column)
        }
        return out
    }

    /// One value; ``Measurement/missing`` for n/a, nil when the blob is malformed or too short.
    public static func value(_ blob: UnsafeRawBufferPointer, column: Int, index: Int) -> Int32? {
        var reader = Reader(blob)
        guard let (count, columns) = reader.header(), column < columns, index < count else { return nil }
        for _ in 0..<column {
            guard let length = reader.length(), reader.skip(length) else { return nil }
        }
        guard reader.length() != nil else { return nil }
        return reader.value(at: index)
    }

    static func putVarint(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// Bounds-checked cursor over a blob: a corrupt row yields nil, never a crash.
    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        init(_ bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        mutating func header() -> (count: Int, columns: Int)? {
            guard offset < bytes.count, bytes[offset] == PackedColumns.version else { return nil }
            offset += 1
            guard let count = varint(), let columns = varint(), count <= 100_000, columns <= 1000 else { return nil }
            return (Int(count), Int(columns))
        }

        mutating func varint() -> UInt64? {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while offset < bytes.count, shift < 64 {
                let b = bytes[offset]
                offset += 1
                result |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return result }
                shift += 7
            }
            return nil
        }

        /// A section length that fits in what is left of the blob.
        mutating func length() -> Int? {
            guard let v = varint(), v <= UInt64(bytes.count - offset) else { return nil }
            return Int(v)
        }

        mutating func skip(_ n: Int) -> Bool {
            guard n >= 0, n <= bytes.count - offset else { return false }
            offset += n
            return true
        }

        mutating func column(count: Int, length: Int) -> [Int32]? {
            guard length >= 0, length <= bytes.count - offset else { return nil }
            let end = offset + length
            var out = [Int32](repeating: Measurement.missing, count: count)
            var previous: Int64 = 0
            for i in 0..<count {
                guard let token = varint(), offset <= end else { return nil }
                if token == 1 { continue }
                // Corrupt data may carry huge deltas: wrap rather than trap, then clamp.
                previous &+= Self.delta(token)
                out[i] = Int32(clamping: previous)
            }
            offset = end
            return out
        }

        /// Decodes tokens up to `index` of the current column.
        mutating func value(at index: Int) -> Int32? {
            var previous: Int64 = 0
            var last = Measurement.missing
            for _ in 0...index {
                guard let token = varint() else { return nil }
                if token == 1 {
                    last = Measurement.missing
                } else {
                    previous &+= Self.delta(token)
                    last = Int32(clamping: previous)
                }
            }
            return last
        }

        static func delta(_ token: UInt64) -> Int64 {
            let zigzag = token >> 1
            return Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
        }
    }
}
