import ConfigSupport
import Foundation
import Testing
@testable import WebUI

/// The pieces of the settings pages and the fast number formatting, without a server.
struct FormTests {
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

    @Test func aFormBecomesSectionPairsKeepingWhatItDoesNotShow() {
        let form = SettingsPages.snmp
        let current = ["community": "old", "listen": "udp:161", "users[0].name": "nms", "users[0].authPassphrase": "auth-pass-1",
                       "users[0].privPassphrase": "priv-pass-1", "users[1].name": "gone", "users[1].authPassphrase": "x1234567",
                       "users[1].privPassphrase": "y1234567", "limitWrites": "false"]
        let submitted = ["listen": "udp:1161", "v2c": "true", "community": "", "sources": "10.0.0.0/8, ::1",
                         "users[0].name": "nms", "users[0].access": "write",
                         "users[1].name": "gone", "users[1].remove": "true",
                         "users[2].name": "new", "users[2].authPassphrase": "auth-new-1", "users[2].privPassphrase": "priv-new-1",
                         "users[3].access": "read"]
        let pairs = form.pairs(from: submitted, current: current)
        #expect(pairs["community"] == "old", "an empty secret keeps the current one")
        #expect(pairs["limitWrites"] == "false", "a key the page does not show is kept")
        #expect(pairs["sources[0]"] == "10.0.0.0/8" && pairs["sources[1]"] == "::1")
        #expect(pairs["users[0].authPassphrase"] == "auth-pass-1" && pairs["users[0].access"] == "write", "a kept row keeps its secrets")
        #expect(pairs["users[1].name"] == "new" && pairs["users[2].name"] == nil, "a removed row leaves no hole")
        #expect(form.formField("users[1].authPassphrase", form: submitted, current: current) == "users[2].authPassphrase",
                "a problem of the second saved row is shown at the third row of the form (the second was removed)")
        #expect(pairs["enabled"] == "false", "a box not ticked is false")
        #expect(pairs["v2c"] == nil, "a default sent back unchanged where the key was absent is not written")
        #expect(pairs.keys.filter { $0.hasPrefix("users[") }.count == 7 && pairs["users[2].access"] == nil, "a spare row with only its preset (access: read) is not a row")

        // The SMS page with nothing configured: the shown defaults do not make a section.
        let sms = SettingsPages.sms.pairs(from: ["sms.modem.baud": "115200", "sms.http.method": "POST", "sms.http.body": ""], current: [:])
        #expect(sms.isEmpty, "\(sms)")
        // Rows beyond the ones offered (the JSON API, or a page shown again) are read too.
        let many = SettingsPages.time.pairs(from: (0..<6).reduce(into: [:]) { $0["ntp.servers[\($1)].host"] = "ntp\($1).example.org" }, current: [:])
        #expect(many["ntp.servers[5].host"] == "ntp5.example.org")
    }

    @Test func aSettingsDocumentRoundTripsThroughYAML() throws {
        var doc = try #require(SettingsDocument(yaml: "snmp:\n  community: a\n  users:\n    - { name: u, access: read }\nproject: { name: P }\n"))
        #expect(doc.section("snmp") == ["community": "a", "users[0].name": "u", "users[0].access": "read"])
        doc.replace(section: "snmp", with: ["community": "b: c", "sources[0]": "10.0.0.0/8", "users[0].name": "v", "empty": ""])
        let again = try #require(SettingsDocument(yaml: try doc.yaml()))
        #expect(again.section("snmp") == ["community": "b: c", "sources[0]": "10.0.0.0/8", "users[0].name": "v"])
        #expect(again.section("project") == ["name": "P"] && again.sections == ["snmp", "project"])
    }

    @Test func aMultipartUploadIsSplitIntoItsFields() throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 13, 10, 0x1A, 10, 0, 1, 2]
        var body = Array("--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntoken\r\n".utf8)
        body += Array("--XyZ\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"a name=x.png\"\r\nContent-Type: image/png\r\n\r\n".utf8)
        body += png + Array("\r\n--XyZ--\r\n".utf8)
        let parts = try #require(Multipart.parse(body, contentType: "multipart/form-data; boundary=XyZ"))
        #expect(parts["csrf"] == Array("token".utf8) && parts["logo"] == png)
        #expect(ProjectLogo.imageType(Data(png)) == "image/png" && ProjectLogo.imageType(Data("<svg>".utf8)) == nil)
        #expect(Multipart.parse(body, contentType: "application/x-www-form-urlencoded") == nil)
    }
}
