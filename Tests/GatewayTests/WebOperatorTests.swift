import BatteryModel
import Foundation
import GatewayApp
import GatewayServices
import Simulator
import Storage
import TestSupport
import Testing
import Alarms

/// The operator's view in headless Chromium (scripts/peers/web_operator.py): site time, plots, bar
/// graphs, the string block, the heatmap, the limits page's checkboxes, at 1280 and 1400 px. In the
/// browser suite, so that one Chromium runs at a time beside the rest of the tests on two cores.
extension WebBrowserTests {
    @Test func theOperatorsPagesInChromium() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        // A zone with a half-hour offset and no daylight saving: a local time cannot pass for UTC by chance.
        let (gw, sim, port, https) = try await startWebGateway(dir, cells: 16, extra: immediateAlarms + "time: { zone: Asia/Kolkata }\n")
        try pin(port, unit: 1, [(12, words(1235)), (16, [615])])  // s1: 1.235 A, 61.5 %RH
        try pin(port, unit: 2, [(12, words(1238)), (1004, [11000])])  // s2: 1.238 A; cell 5 at 11.000 V, below its 11.5 V limit
        #expect(await eventually(10) {
            gw.model.string(0).sample?.values.humidity == 615 && gw.model.string(0).sample?.values.current == 1235
                && gw.model.string(1).sample?.cells.voltage[4] == 11000
        })
        let since = Date().addingTimeInterval(1).formatted(Date.ISO8601FormatStyle())
        let browser = Browser(base: "https://127.0.0.1:\(https)", ca: "\(dir.path)/web-cert.pem", jar: "\(dir.path)/cookies", dir: dir.path)
        _ = try await browser.request("/login", form: ["username": "admin", "password": "admin"])
        let csrf = try #require(Browser.csrf(try await browser.request("/password").body))
        _ = try await browser.request("/password", form: ["csrf": csrf, "current": "admin", "new": "operator-pass-123", "confirm": "operator-pass-123"])
        // A few constant samples after `since`, and the outlier's alarm raised.
        try await Task.sleep(for: .seconds(4))
        let shots = repoRoot.appendingPathComponent(".build-peers/screenshots-operator").path
        try? FileManager.default.removeItem(atPath: shots)
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let script = repoRoot.appendingPathComponent("scripts/peers/web_operator.py").path
        let (code, out) = try await offPool {
            try run("python3", [script, "--url", "https://127.0.0.1:\(https)", "--screenshots", shots, "--password", "operator-pass-123",
                                "--zone", "Asia/Kolkata", "--constant-since", since, "--humidity", "61.5", "--current", "1.235", "--outlier", "s2#5"])
        }
        #expect(code == 0, "\(out)")
        #expect(!out.contains("FAIL"), "\(out)")

        // A discharge of s1 (30 A out of the string), then its page.
        try pin(port, unit: 1, [(12, words(-30_000))])
        let db = Gateway.databasePath(dataDirectory: dir.path)
        var event: Int64?
        #expect(await eventually(15) {
            event = try? DischargeLog(db: GatewayDatabase(path: db, readOnly: true).db).list(.string("s1"), limit: 1).first?.id
            return event != nil
        })
        try await Task.sleep(for: .seconds(3))
        let eventId = event ?? 0
        let (again, outAgain) = try await offPool {
            try run("python3", [script, "--url", "https://127.0.0.1:\(https)", "--screenshots", shots, "--password", "operator-pass-123",
                                "--zone", "Asia/Kolkata", "--constant-since", since, "--humidity", "61.5", "--current", "1.235", "--outlier", "s2#5",
                                "--discharge", String(eventId)])
        }
        #expect(again == 0 && !outAgain.contains("FAIL"), "\(outAgain)")
        try await gw.stop()
        await sim.stop()
    }
}
