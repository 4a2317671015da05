import BatteryModel
import Foundation

/// Durations written as text in configuration files: `500ms`, `1s`, `2m`, `1h`, `7d`.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, seconds) in units where t.hasSuffix(suffix) {
            let number = t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            // "ms" also ends in "s": only accept a plain number before the suffix.
            guard let n = Double(number), n.isFinite, n >= 0 else { continue }
            return milliseconds(n * seconds * 1000)
        }
        guard let n = Double(t), n.isFinite, n >= 0 else { return nil }
        return milliseconds(n * 1000)
    }

    /// nil when the value does not fit (a typo like 1e20 is an error, not a crash).
    private static func milliseconds(_ ms: Double) -> Duration? {
        guard let whole = Int64(exactly: ms.rounded()), whole < Int64.max / 1000 else { return nil }
        return .milliseconds(whole)
    }

    public static func format(_ d: Duration) -> String {
        let ms = d.milliseconds
        for (suffix, unit) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60000), ("s", 1000)] as [(String, Int64)]
        where ms >= unit && ms % unit == 0 {
            return "\(ms / unit)\(suffix)"
        }
        return "\(ms)ms"
    }
}
