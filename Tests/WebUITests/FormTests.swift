import ConfigSupport
import Foundation
import Testing
@testable import WebUI

/// The pieces of the settings pages, without a server.
struct FormTests {
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
