import BatteryModel
public import Foundation

/// A point in time as people type it: `now`, a duration ago (`24h`, `-7d`), or an ISO 8601 time or
/// date (UTC). Used by `bmgw history` and the web UI's period picker.
public enum TimeText {
    /// ms since 1970, or nil when the text is none of those.
    public static func parse(_ text: String, now: Date = Date()) -> Int64? {
        let nowMs = Int64(now.timeIntervalSince1970 * 1000)
        if text == "now" { return nowMs }
        if text.last?.isLetter == true, let ago = DurationText.parse(text.hasPrefix("-") ? String(text.dropFirst()) : text) {
            let (t, overflow) = nowMs.subtractingReportingOverflow(ago.milliseconds)
            return overflow ? nil : max(0, t)
        }
        let full = ISO8601DateFormatter()
        if let d = full.date(from: text) { return Int64(d.timeIntervalSince1970 * 1000) }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        if let d = day.date(from: text) { return Int64(d.timeIntervalSince1970 * 1000) }
        return nil
    }
}
