public import Foundation

/// The one place that turns a stored instant (milliseconds since 1970) into what a person reads: the
/// site's time zone (the time settings' zone; the system's by default), for pages, plots, e-mail,
/// SMS and the terminal; ISO 8601 with the local offset for CSV. The JSON API and MQTT stay UTC.
///
/// The calendar arithmetic is our own (days → civil date), with only the zone's offset asked of
/// Foundation: a 120-row table formats 240 times, and `DateFormatter` is slow on Linux.
public struct SiteTime: Sendable {
    public let zone: TimeZone
    /// The zone's name as configured (Foundation on Linux calls UTC "GMT").
    public let name: String

    public init(zone: TimeZone) {
        self.zone = zone
        name = zone.identifier
    }

    /// A zone by its IANA name (`Europe/Berlin`); UTC for a name the system does not know.
    public init(identifier: String) {
        if let zone = TimeZone(identifier: identifier) {
            (self.zone, name) = (zone, identifier)
        } else {
            (zone, name) = (TimeZone(secondsFromGMT: 0) ?? .current, "UTC")
        }
    }

    public static let utc = SiteTime(identifier: "UTC")

    public func offsetSeconds(_ t: Timestamp) -> Int { offsetSeconds(t.millis) }
    public func text(_ t: Timestamp) -> String { text(t.millis) }
    /// "2026-11-30": the day in the site's zone.
    public func date(_ t: Timestamp) -> String { String(text(t.millis).prefix(10)) }
    public func clock(_ t: Timestamp) -> String { clock(t.millis) }
    public func iso(_ t: Timestamp) -> String { iso(t.millis) }
    public func abbreviation(_ t: Timestamp) -> String { abbreviation(t.millis) }
    public func label(at t: Timestamp) -> String { label(at: t.millis) }

    /// The wall-clock time at `t` as if it were UTC, in ms: plots draw the site's clock on a UTC axis.
    public func wallClock(_ t: Timestamp) -> Int64 { t.millis + Int64(offsetSeconds(t.millis)) * 1000 }

    /// The zone's offset from UTC at `ms`, in seconds (daylight saving included).
    func offsetSeconds(_ ms: Int64) -> Int {
        zone.secondsFromGMT(for: Timestamp(millis: ms).date)
    }

    /// "2026-11-30 21:18:23": to the second, in the site's zone (the page says the zone once).
    func text(_ ms: Int64) -> String {
        let c = Self.civil(ms + Int64(offsetSeconds(ms)) * 1000)
        return "\(c.year)-\(Self.two(c.month))-\(Self.two(c.day)) \(Self.two(c.hour)):\(Self.two(c.minute)):\(Self.two(c.second))"
    }

    /// "21:18:23 CET": the short form for an SMS.
    func clock(_ ms: Int64) -> String {
        let c = Self.civil(ms + Int64(offsetSeconds(ms)) * 1000)
        return "\(Self.two(c.hour)):\(Self.two(c.minute)):\(Self.two(c.second)) \(abbreviation(ms))"
    }

    /// "2026-11-30T21:18:23.602+01:00": ISO 8601 with the local offset, to the millisecond (CSV).
    func iso(_ ms: Int64) -> String {
        let offset = offsetSeconds(ms)
        let c = Self.civil(ms + Int64(offset) * 1000)
        let millis = String(c.millisecond + 1000).dropFirst()
        return "\(c.year)-\(Self.two(c.month))-\(Self.two(c.day))T\(Self.two(c.hour)):\(Self.two(c.minute)):\(Self.two(c.second)).\(millis)"
            + Self.offsetText(offset)
    }

    /// The zone's abbreviation at `ms` where the system has a real one ("CET", "CEST"), else its
    /// offset ("UTC+01:00": Foundation on Linux answers "GMT+1"); "UTC" for UTC.
    func abbreviation(_ ms: Int64) -> String {
        let offset = offsetSeconds(ms)
        if offset == 0 && ["UTC", "Etc/UTC", "GMT", "Etc/GMT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu"].contains(name) { return "UTC" }
        let date = Timestamp(millis: ms).date
        if let a = zone.abbreviation(for: date), a.count <= 5, a.allSatisfy(\.isLetter), !a.hasPrefix("GMT"), a != "UTC" { return a }
        return "UTC" + Self.offsetText(offset)
    }

    /// "Europe/Berlin (CET, UTC+01:00)": said once per page, e-mail or table.
    func label(at ms: Int64) -> String {
        let offset = "UTC" + Self.offsetText(offsetSeconds(ms))
        let abbreviation = abbreviation(ms)
        if abbreviation == "UTC" { return name == "UTC" ? "UTC" : "\(name) (UTC)" }
        return name + " (" + (abbreviation == offset ? offset : "\(abbreviation), \(offset)") + ")"
    }

    /// "2026-11-30T20:18:23.602Z" (``Timestamp/iso``).
    static func utcISO(_ ms: Int64) -> String {
        let c = civil(ms)
        let millis = String(c.millisecond + 1000).dropFirst()
        return "\(c.year)-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute)):\(two(c.second)).\(millis)Z"
    }

    static func offsetText(_ seconds: Int) -> String {
        let minutes = abs(seconds) / 60
        return (seconds < 0 ? "-" : "+") + two(minutes / 60) + ":" + two(minutes % 60)
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Milliseconds since 1970 (already shifted into the zone) as a civil date and time; H. Hinnant's
    /// days-to-civil algorithm, proleptic Gregorian.
    static func civil(_ ms: Int64) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int) {
        let msPerDay: Int64 = 86_400_000
        var days = ms / msPerDay
        var rest = ms % msPerDay
        if rest < 0 { rest += msPerDay; days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let seconds = rest / 1000
        return (Int(year), Int(month), Int(day), Int(seconds / 3600), Int(seconds / 60 % 60), Int(seconds % 60), Int(rest % 1000))
    }
}
