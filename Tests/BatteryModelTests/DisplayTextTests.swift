import BatteryModel
import Foundation
import Testing

/// The one way numbers and elapsed times are written for people.
struct DisplayTextTests {
    @Test func decimalTextRoundsTheDecimalValue() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20000 {
            let raw = Int32.random(in: -2_000_000...2_000_000, using: &rng)
            // At the value's own precision it is exactly printf's text.
            #expect(DecimalText.format(Double(raw) * 0.001, digits: 3) == String(format: "%.3f", Double(raw) * 0.001), "\(raw) mV")
            #expect(DecimalText.format(Double(raw) * 0.1, digits: 1) == String(format: "%.1f", Double(raw) * 0.1), "\(raw) × 0.1")
            // With fewer digits the decimal value is rounded half away from zero.
            for (scale, digits) in [(0.001, 2), (0.001, 0), (0.1, 0), (0.0001, 1)] {
                let v = Double(raw) * scale
                var exact = Decimal(string: v.description) ?? 0, rounded = Decimal()
                NSDecimalRound(&rounded, &exact, digits, .plain)
                let expected = Self.fixed(rounded, digits)
                #expect(DecimalText.format(v, digits: digits) == expected, "\(v) to \(digits)")
            }
        }
        #expect(DecimalText.format(12.345, digits: 2) == "12.35" && DecimalText.format(-0.004, digits: 2) == "0.00")
        #expect(DecimalText.format(9.996, digits: 2) == "10.00" && DecimalText.format(-99.95, digits: 1) == "-100.0")
        #expect(DecimalText.format(nil, digits: 2, missing: "n/a") == "n/a" && DecimalText.format(1e-7, digits: 3) == "0.000")
    }

    /// A rounded Decimal with exactly `digits` fraction digits, no negative zero.
    static func fixed(_ d: Decimal, _ digits: Int) -> String {
        var text = "\(d)"
        let negative = text.hasPrefix("-")
        if negative { text.removeFirst() }
        var parts = text.split(separator: ".").map(String.init)
        if parts.count == 1 { parts.append("") }
        let fraction = parts[1] + String(repeating: "0", count: max(0, digits - parts[1].count))
        let body = parts[0] + (digits > 0 ? "." + fraction : "")
        return negative && body.contains(where: { $0 != "0" && $0 != "." }) ? "-" + body : body
    }

    @Test func elapsedTimesRoundOneWay() {
        // 7.996 s: the CSV keeps the milliseconds, the page rounds them half away from zero, both from one value.
        #expect(ElapsedText.seconds(.milliseconds(7_996)) == "7.996" && ElapsedText.clock(.milliseconds(7_996)) == "0:00:08")
        #expect(ElapsedText.clock(.milliseconds(7_499)) == "0:00:07" && ElapsedText.clock(.milliseconds(7_500)) == "0:00:08")
        let long: Duration = .seconds(2 * 3600 + 3 * 60) + .milliseconds(9_400)
        #expect(ElapsedText.clock(long) == "2:03:09" && ElapsedText.seconds(.zero) == "0.000")
    }

    @Test func valuesAtTheirMeasuredResolution() {
        // mA → 3 decimals: 1.235 A is not shortened to 1.24 (nor 1.238 A, so the two still differ).
        #expect(StringQuantity.current.digits == 3 && StringQuantity.voltage.digits == 3 && StringQuantity.temperature.digits == 1)
        #expect(CellQuantity.resistance.digits == 3 && CellQuantity.soh.digits == 1)
        #expect(DecimalText.format(Measurement.display(1235, scale: StringQuantity.current.displayScale), digits: StringQuantity.current.digits,
                                   missing: "") == "1.235")
        // Alarm values and limits for e-mail, SMS, CSV and pages: one rule, the canonical unit's resolution.
        #expect(AlarmType.cellVoltageHigh.display(14_800) == "14.800 V" && AlarmType.cellVoltageHigh.display(14_400) == "14.400 V")
        #expect(AlarmType.cellTemperatureHigh.display(352) == "35.2 °C" && AlarmType.stringDischargeCurrentHigh.display(-150_000) == "-150.000 A")
        #expect(AlarmType.stringVoltageLow.display(11_950) == "11.950 V" && AlarmType.cellResistanceHigh.number(16_125) == "16.125")
        #expect(AlarmType.commLost.display(1) == "")
    }
}

/// The one conversion of stored instants into site time.
struct SiteTimeTests {
    @Test func civilTimeMatchesFoundationInEveryZone() {
        var rng = SystemRandomNumberGenerator()
        let zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"]
        for name in zones {
            let site = SiteTime(identifier: name)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = site.zone
            for _ in 0..<500 {
                let ms = Int64.random(in: 0...4_102_444_800_000, using: &rng)  // 1970…2100
                let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(ms) / 1000))
                let expected = String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
                #expect(site.text(Timestamp(millis: ms)) == expected, "\(name) \(ms)")
            }
        }
    }

    @Test func isoCarriesTheOffsetAndMilliseconds() {
        // Across the Berlin summer-time change of 29 March 2026 (01:00 UTC).
        let berlin = SiteTime(identifier: "Europe/Berlin")
        #expect(berlin.iso(1_774_745_999_999) == "2026-03-29T01:59:59.999+01:00")
        #expect(berlin.iso(1_774_746_000_000) == "2026-03-29T03:00:00.000+02:00")
        #expect(SiteTime(identifier: "Asia/Kolkata").iso(7) == "1970-01-01T05:30:00.007+05:30")
        #expect(SiteTime.utc.label(at: 0) == "UTC" && SiteTime(identifier: "Nowhere/Else").name == "UTC")
        #expect(SiteTime(identifier: "Asia/Kolkata").label(at: 0).hasSuffix("UTC+05:30)"))
    }
}

/// Stored instants: one rounding from `Date`, one exact UTC text.
struct TimestampTests {
    @Test func isoIsExactToTheMillisecond() {
        // Foundation's formatter works in binary seconds and printed …18.553Z for a stored …554.
        #expect(Timestamp(millis: 1_764_533_898_554).iso == "2025-11-30T20:18:18.554Z")
        #expect(Timestamp(millis: 0).iso == "1970-01-01T00:00:00.000Z" && Timestamp(millis: -1).iso == "1969-12-31T23:59:59.999Z")
        var rng = SystemRandomNumberGenerator()
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for _ in 0..<2000 {
            let t = Timestamp(millis: Int64.random(in: 0...4_102_444_800_000, using: &rng))
            let text = t.iso
            #expect(text.hasSuffix("Z") && text.count == 24)
            // Read back through Foundation and rounded once: the same millisecond.
            #expect(parser.date(from: text).map(Timestamp.init) == t, "\(t.millis) \(text)")
        }
    }

    @Test func datesRoundToTheNearestMillisecond() {
        #expect(Timestamp(Date(timeIntervalSince1970: 1.2345)).millis == 1235 && Timestamp(Date(timeIntervalSince1970: 1.2344)).millis == 1234)
        for ms in stride(from: Int64(1_764_533_898_000), to: 1_764_533_899_000, by: 1) {
            #expect(Timestamp(Timestamp(millis: ms).date).millis == ms)
        }
        #expect(Timestamp(millis: 1000) + .seconds(2) == Timestamp(millis: 3000) && Timestamp(millis: 3000) - Timestamp(millis: 500) == .milliseconds(2500))
    }
}
