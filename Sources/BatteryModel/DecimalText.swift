import Foundation

/// Fixed-point text of a number (`12.345`): the one way the gateway writes numbers for people
/// (pages, terminal tables, e-mail, SMS, CSV). Rounds the number's shortest decimal form half away
/// from zero (12.345 → "12.35" with two digits, as a person would, where printf's binary view gives
/// "12.34"); no negative zero. Ours rather than Foundation's `String(format:)`, the slowest part of
/// rendering a 120-cell page on Linux (3× slower).
///
/// Measured values are shown at the resolution they are measured in (``StringQuantity/digits``):
/// then nothing is rounded at all.
public enum DecimalText {
    private static let powers: [Double] = [1, 10, 100, 1000, 10000, 100_000, 1_000_000]

    public static func format(_ value: Double, digits: Int) -> String {
        let d = max(0, digits)
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        // Fast path: away from a half, rounding the scaled binary value is rounding the decimal one.
        if d < powers.count {
            let scaled = abs(value) * powers[d]
            if scaled < 1e9, abs(scaled - scaled.rounded(.down) - 0.5) > 1e-6 {
                return fixed(Int(scaled.rounded()), digits: d, negative: value < 0)
            }
        }
        return exact(value, digits: d)
    }

    /// `units` / 10^digits as text.
    private static func fixed(_ units: Int, digits d: Int, negative: Bool) -> String {
        var n = units
        var out = [UInt8](repeating: UInt8(ascii: "0"), count: d)
        for i in stride(from: d - 1, through: 0, by: -1) {
            out[i] = UInt8(48 + n % 10)
            n /= 10
        }
        let sign = negative && units != 0 ? "-" : ""
        return d == 0 ? sign + String(n) : sign + String(n) + "." + String(decoding: out, as: UTF8.self)
    }

    /// Rounds the shortest decimal form of `value` digit by digit.
    private static func exact(_ value: Double, digits d: Int) -> String {
        var text = value.description  // shortest round-trip form: "12.345", "-0.5", "100.0"
        // Very small or large values come in exponent form; they are not measurements.
        if text.contains("e") { return String(format: "%.\(d)f", value) }
        let negative = text.hasPrefix("-")
        if negative { text.removeFirst() }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var whole = Array(parts[0].utf8)
        var fraction = parts.count > 1 ? Array(parts[1].utf8) : []
        let zero = UInt8(ascii: "0")
        if fraction.count <= d {
            fraction += [UInt8](repeating: zero, count: d - fraction.count)
        } else {
            let up = fraction[d] >= UInt8(ascii: "5")
            fraction.removeSubrange(d...)
            if up {
                var i = fraction.count - 1
                var carry = true
                while carry && i >= 0 {
                    if fraction[i] == UInt8(ascii: "9") { fraction[i] = zero; i -= 1 } else { fraction[i] += 1; carry = false }
                }
                i = whole.count - 1
                while carry && i >= 0 {
                    if whole[i] == UInt8(ascii: "9") { whole[i] = zero; i -= 1 } else { whole[i] += 1; carry = false }
                }
                if carry { whole.insert(UInt8(ascii: "1"), at: 0) }
            }
        }
        let isZero = whole.allSatisfy { $0 == zero } && fraction.allSatisfy { $0 == zero }
        return (negative && !isZero ? "-" : "") + String(decoding: whole, as: UTF8.self)
            + (d > 0 ? "." + String(decoding: fraction, as: UTF8.self) : "")
    }

    /// `nil` as `n/a` (tables) or another placeholder.
    public static func format(_ value: Double?, digits: Int, missing: String) -> String {
        value.map { format($0, digits: digits) } ?? missing
    }
}

/// Elapsed times (discharges) for people, at the millisecond times are stored with.
public enum ElapsedText {
    /// Seconds to the millisecond: "7.996" (CSV, JSON-like exports).
    public static func seconds(_ d: Duration) -> String {
        DecimalText.format(Double(d.milliseconds) / 1000, digits: 3)
    }

    /// "h:mm:ss", rounded half away from zero to the second like every shortened number: 7.996 s → "0:00:08".
    public static func clock(_ d: Duration) -> String {
        let ms = d.milliseconds
        let total = (abs(ms) + 500) / 1000
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return (ms < 0 && total > 0 ? "-" : "") + "\(h):\(m < 10 ? "0" : "")\(m):\(s < 10 ? "0" : "")\(s)"
    }
}
