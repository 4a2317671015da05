import BatteryModel
public import Foundation

/// A point in time as people type it: `now`, a duration ago (`24h`, `-7d`), an ISO 8601 time with
/// its zone (`2026-11-25T10:00:00Z`), or a date or local time without one (`2026-11-25`,
/// `2026-11-25 10:00`), read in `zone` (UTC unless given: the web UI passes the site's). Used by
/// `bmgw history` and the web UI's period picker.
public enum TimeText {
    /// ms since 1970, or nil when the text is none of those.
    public static func parse(_ text: String, now: Date = Date(), zone: TimeZone? = nil) -> Int64? {
        let nowMs = Timestamp(now).millis
        if text == "now" { return nowMs }
        if text.last?.isLetter == true, let ago = DurationText.parse(text.hasPrefix("-") ? String(text.dropFirst()) : text) {
            let (t, overflow) = nowMs.subtractingReportingOverflow(ago.milliseconds)
            return overflow ? nil : max(0, t)
        }
        let full = ISO8601DateFormatter()
        if let d = full.date(from: text) { return Timestamp(d).millis }
        if let zone { return localTime(text, zone: zone) }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        if let d = day.date(from: text) { return Timestamp(d).millis }
        return nil
    }

    /// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DDTHH:MM[:SS]` as a wall-clock time in `zone`.
    static func localTime(_ text: String, zone: TimeZone) -> Int64? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard (1...2).contains(parts.count) else { return nil }
        let date = parts[0].split(separator: "-").compactMap { Int($0) }
        let clock = parts.count == 2 ? parts[1].split(separator: ":").compactMap { Int($0) } : [0, 0]
        guard date.count == 3, (2...3).contains(clock.count), parts[0].count == 10,
              (1...12).contains(date[1]), (1...31).contains(date[2]), (0...23).contains(clock[0]), (0...59).contains(clock[1]),
              clock.count == 2 || (0...59).contains(clock[2]) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = DateComponents(year: date[0], month: date[1], day: date[2], hour: clock[0], minute: clock[1], second: clock.count == 3 ? clock[2] : 0)
        guard let d = calendar.date(from: c), calendar.component(.day, from: d) == date[2] else { return nil }
        return Timestamp(d).millis
    }
}
