/// Row key of history tables: string key in the high bits, time (ms since 1970) in the low 42.
///
/// SQLite stores a table in rowid order, so this keeps each string's rows
/// together and in time order: a period of one string is one contiguous range,
/// without a separate index. 42 bits of milliseconds reach the year 2109.
enum SampleKey {
    static let timeBits: Int64 = 42
    static let timeMask: Int64 = (1 << timeBits) - 1

    static func make(string: Int64, millis: Int64) -> Int64 {
        string << timeBits | (millis & timeMask)
    }

    static func string(_ key: Int64) -> Int64 { key >> timeBits }
    static func millis(_ key: Int64) -> Int64 { key & timeMask }

    /// Keys of `string` with times in `from ..< to` (ms).
    static func range(string: Int64, from: Int64, to: Int64) -> (Int64, Int64) {
        (make(string: string, millis: max(0, from)), make(string: string, millis: min(timeMask, max(0, to))))
    }
}
