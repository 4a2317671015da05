import BatteryModel
import Foundation
import GatewayServices
import Simulator
import TestSupport
import Testing

/// Prometheus `/metrics` over HTTPS: a scrape with the token is clean for promtool (Prometheus' own
/// checker) and its values are the live model's; without the token or a session, nothing.
@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(2))) struct MetricsTests {
    /// `name{labels}` → value, from an exposition.
    static func samples(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            out[String(line[..<space])] = value
        }
        return out
    }

    @Test func aScrapeIsCleanAndCarriesTheLiveModel() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (sim, port) = try startSimulator(units: [1, 2], cells: 8)
        let https = try freePort(), nobody = try freePort()  // s3's controller: nothing listens there
        let token = "scrape-token-0123456789"
        let gw = try RunningGateway(configFile: try dir.write("g.yaml", configText(
            data: dir.path, endpoints: [.tcp(port: port, unit: 1), .tcp(port: port, unit: 2), .tcp(port: nobody, unit: 1)], cells: 8,
            extra: immediateAlarms + "web: { listen: \"127.0.0.1:\(https)\", redirectFrom: \"\", metrics: { token: \(token), cells: true } }\n")))
        #expect(await eventually(30) { accepts(port: https) && FileManager.default.fileExists(atPath: "\(dir.path)/web-cert.pem") })
        try pin(port, unit: 2, [(1004, [10900])])  // cell 5 of s2: 10.9 V, below the 11.5 V limit
        let browser = Browser(base: "https://127.0.0.1:\(https)", ca: "\(dir.path)/web-cert.pem", jar: "\(dir.path)/cookies", dir: dir.path)
        let bearer = ["-H", "Authorization: Bearer \(token)"]

        var scrape = try await browser.request("/metrics", curl: bearer)
        for _ in 0..<50 where Self.samples(scrape.body)["bmgw_alarms_active{type=\"cellVoltageLow\"}"] != 1 {
            try await Task.sleep(for: .milliseconds(200))
            scrape = try await browser.request("/metrics", curl: bearer)
        }
        #expect(scrape.status == 200 && scrape.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let file = "\(dir.path)/scrape.txt"
        try scrape.body.write(toFile: file, atomically: true, encoding: .utf8)
        let (code, problems) = try await runOff("sh", ["-c", "promtool check metrics < \(file) 2>&1"], errors: .always)
        #expect(code == 0 && problems.isEmpty, "promtool: \(problems)")

        let m = Self.samples(scrape.body)
        #expect(m["bmgw_alarms_active{type=\"cellVoltageLow\"}"] == 1)
        // Polls: a histogram of the good ones, failures by kind (s3 refuses the connection).
        #expect((m["bmgw_poll_duration_seconds_count{string=\"s1\",ups=\"u1\"}"] ?? 0) >= 1, "\(m.keys.filter { $0.hasPrefix("bmgw_poll") }.sorted())")
        #expect(m["bmgw_poll_duration_seconds_bucket{string=\"s1\",ups=\"u1\",le=\"+Inf\"}"] == m["bmgw_poll_duration_seconds_count{string=\"s1\",ups=\"u1\"}"])
        #expect((m["bmgw_poll_failures_total{string=\"s3\",ups=\"u1\",kind=\"connection\"}"] ?? 0) >= 1 && m["bmgw_string_up{string=\"s3\",ups=\"u1\"}"] == 0,
                "\(m.keys.filter { $0.contains("s3") }.sorted())")
        #expect(m["bmgw_poll_duration_seconds_count{string=\"s3\",ups=\"u1\"}"] == 0)
        #expect(m["bmgw_string_up{string=\"s1\",ups=\"u1\"}"] == 1 && m["bmgw_string_cells{string=\"s2\",ups=\"u2\"}"] == 8, "\(m.keys.sorted().prefix(20))")
        #expect(m["bmgw_string_cell_voltage_min_volts{string=\"s2\",ups=\"u2\"}"] == 10.9)
        #expect(m["bmgw_cell_voltage_volts{string=\"s2\",ups=\"u2\",cell=\"5\"}"] == 10.9, "per-cell series with cells: true")
        // Each string's voltage and every cell's resistance as the model holds them (resistance does not move in the simulator).
        let snap = gw.model.snapshot()
        for (i, id) in ["s1", "s2"].enumerated() {
            let labels = "string=\"\(id)\",ups=\"u\(i + 1)\""
            let cells = try #require(snap.strings[i].sample?.cells.resistance)
            for (c, raw) in cells.enumerated() {
                #expect(m["bmgw_cell_resistance_ohms{\(labels),cell=\"\(c + 1)\"}"] == Double(raw) / 1_000_000, "\(id) cell \(c + 1)")
            }
            #expect(m["bmgw_string_voltage_volts{\(labels)}"] != nil)
        }
        #expect((m["process_resident_memory_bytes"] ?? 0) > 1_000_000 && (m["bmgw_database_size_bytes"] ?? 0) > 0)
        #expect(m["bmgw_mqtt_connected"] == nil, "no uplink configured: no MQTT series")

        // Without the token, or with a wrong one: 401 and nothing about the plant.
        let none = try await browser.request("/metrics")
        let wrong = try await browser.request("/metrics", curl: ["-H", "Authorization: Bearer scrape-token-0123456780"])
        #expect(none.status == 401 && wrong.status == 401 && !none.body.contains("bmgw_") && none.header("WWW-Authenticate") != nil)
        // A web UI session is enough (an administrator looking at the numbers).
        _ = try await browser.loginAsNewAdministrator()
        #expect(try await browser.request("/metrics").body.contains("bmgw_string_up"))
        try await gw.stop()
        await sim.stop()
    }
}
