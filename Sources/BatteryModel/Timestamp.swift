public import Foundation

/// A stored instant: whole milliseconds since 1970 UTC, the unit of every time column.
///
/// The one conversion from `Date` (rounded to the nearest millisecond, so a time read back, printed
/// or sent equals the stored one) and the one UTC text (`2026-11-30T20:18:23.554Z`, by integer
/// arithmetic: `Date`'s formatter works in binary seconds and prints about half of all times
/// 1 ms early). Site-zone text is ``SiteTime``'s.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    public var millis: Int64

    public init(millis: Int64) { self.millis = millis }

    /// A literal is milliseconds since 1970 (fixed instants in tests and fixtures).
    public init(integerLiteral millis: Int64) { self.millis = millis }

    /// Reads ISO 8601 text with or without milliseconds (``iso`` writes it); nil for anything else.
    public init?(iso text: String) {
        let exact = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        guard let date = (try? exact.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text)) else { return nil }
        self.init(date)
    }

    public init(_ date: Date) {
        millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    public static var now: Timestamp { Timestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    /// UTC ISO 8601 to the millisecond: the JSON API's and MQTT's times.
    public var iso: String { SiteTime.utcISO(millis) }

    public var description: String { iso }

    /// The civil date and time in UTC (SNMP's DateAndTime).
    public var utc: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int) { SiteTime.civil(millis) }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.millis < b.millis }

    public static func + (t: Timestamp, d: Duration) -> Timestamp { Timestamp(millis: t.millis + d.milliseconds) }
    public static func - (t: Timestamp, d: Duration) -> Timestamp { Timestamp(millis: t.millis - d.milliseconds) }
    /// The time from `b` to `a`.
    public static func - (a: Timestamp, b: Timestamp) -> Duration { .milliseconds(a.millis - b.millis) }

    /// Stored and sent as the bare number of milliseconds (the shape the JSON columns always had).
    public init(from decoder: any Decoder) throws {
        millis = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(millis)
    }
}
