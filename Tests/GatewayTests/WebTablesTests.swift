import BatteryModel
import Foundation
import GatewayApp
import GatewayServices
import Simulator
import TestSupport
import Testing

/// The real-time tables: the cells table sorted, paged and downloaded; bar graphs across strings and
/// cells; the strings table as CSV. Values injected through the simulator.
@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(2))) struct WebTablesTests {
    @Test func cellsAreSortedPagedDownloadedAndCharted() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (gw, sim, port, https) = try await startWebGateway(dir, cells: 24)
        try pin(port, unit: 2, [(1006, [11111]), (1020, [14444])])  // cells 7 and 21 of s2
        #expect(await eventually { gw.model.string(1).sample?.cells.voltage[6] == 11111 && gw.model.string(1).sample?.cells.voltage[20] == 14444 })
        let browser = Browser(base: "https://127.0.0.1:\(https)", ca: "\(dir.path)/web-cert.pem", jar: "\(dir.path)/cookies", dir: dir.path)
        _ = try await browser.loginAsNewAdministrator()

        // Sorted by voltage, highest first, 10 a page: cell 21 leads page 1, cell 7 closes the last page.
        let first = try await browser.request("/strings/s2?sort=voltage&order=desc&size=10&page=1")
        #expect(first.status == 200)
        let rows = first.body.components(separatedBy: "<tr data-cell=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(rows.count == 10 && rows.first == "21", "\(rows)")
        #expect(first.body.contains("Cells 1–10 of 24") && first.body.contains("aria-sort=\"descending\""))
        let last = try await browser.request("/strings/s2?sort=voltage&order=desc&size=10&page=3")
        let lastRows = last.body.components(separatedBy: "<tr data-cell=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(lastRows.count == 4 && lastRows.last == "7", "\(lastRows)")
        let wrong = try await browser.request("/strings/s2?sort=colour&size=5")
        #expect(wrong.status == 400 && wrong.body.contains("sort: &#39;colour&#39; is not one of") && wrong.body.contains("size: &#39;5&#39;"))

        // The CSV has every cell in the chosen order.
        let csv = try await browser.request("/strings/s2/cells.csv?sort=voltage&order=asc")
        let lines = csv.body.split(separator: "\n")
        #expect(lines.first == "cell,voltage_V,resistance_mOhm,temperature_C,soc_pct,soh_pct,flags,replace_status,replace_by,replace_earliest,replace_latest"
                && lines.count == 25)
        // A new plant: each cell's remaining life is "not enough history" once estimated (empty before).
        #expect(lines.dropFirst().allSatisfy { $0.hasSuffix(",notEnoughHistory,,,") || $0.hasSuffix(",,,,") }, "\(lines.prefix(3))")
        #expect(lines[1].hasPrefix("7,11.111,") && lines[24].hasPrefix("21,14.444,"), "\(lines.prefix(3))")

        // Bar graphs: across cells (each bar's value as its tooltip) and across strings.
        let bars = try await browser.request("/strings/s2?bar=voltage")
        #expect(bars.body.contains("<svg id=\"bars\"") && bars.body.contains("<title>21: 14.444 V") && bars.body.contains("<title>7: 11.111 V"))
        #expect(try await browser.request("/strings/s2?bar=flags").status == 400)
        let overview = try await browser.request("/?bar=cellVoltageMax")
        #expect(overview.status == 200 && overview.body.contains("<title>s2: 14.444 V"))
        // The UPS level above the strings: where the lowest and highest cells are.
        #expect(overview.body.contains("<table id=\"ups\">") && overview.body.contains("<td data-key=\"cellVoltageMin\">11.111</td><td class=\"text\" data-key=\"cellVoltageMinAt\">s2 cell 7</td>"),
                "\(overview.body.prefix(3000))")
        let live = try #require(try JSONSerialization.jsonObject(with: Data(try await browser.request("/api/v1/live").body.utf8)) as? [String: Any])
        let u2 = try #require((live["ups"] as? [[String: Any]])?.first { $0["id"] as? String == "u2" })
        #expect(u2["cellVoltageMinAt"] as? String == "s2 cell 7" && u2["cellVoltageMax"] as? Double == 14.444 && u2["strings"] as? Int == 1)
        // History: the plotted buckets as a table too.
        let history = try await browser.request("/strings/s2/history?quantity=cell-voltage&cells=21&period=1h")
        #expect(history.body.contains("<details id=\"history-table\">") && history.body.contains("<td>14.444</td><td>14.444</td><td>14.444</td>"))
        let strings = try await browser.request("/strings.csv?ups=u2").body.split(separator: "\n")
        #expect(strings.count == 2 && strings[1].hasPrefix("s2,s2,u2,ok,") && strings[1].hasSuffix(",24,11.111,14.444"), "\(strings)")
        try await gw.stop()
        await sim.stop()
    }
}
