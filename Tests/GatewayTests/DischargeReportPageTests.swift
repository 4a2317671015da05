import Alarms
import BatteryModel
import Foundation
import GatewayConfig
import GatewayServices
import Simulator
import Storage
import TestSupport
import Testing

/// The capacity-test report of a discharge with known numbers (TestSupport's SyntheticDischarge,
/// logged into the gateway's own database two days ago): the page printed to PDF by headless
/// Chromium and read back with poppler's pdftotext, the JSON API, the CSV and `bmgw report` all
/// carry the hand-calculated capacity. In the browser suite: one Chromium at a time.
extension WebBrowserTests {
    @Test func theDischargeReportPrintsOnA4() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let cells = SyntheticDischarge.cells
        let extra = """
            battery: { technology: vrlaAGM, capacityAh: 100, ratedHours: 10, cellVoltage: 2, endCellVoltage: 1.75 }
            project: { name: Reportville UPS plant, owner: Jane Operator }

            """
        // The history written before the gateway starts, as a gateway that ran two days ago left it.
        let (sim, port) = try startSimulator(units: [1, 2], cells: cells)
        let https = try freePort()
        let file = try dir.write("g.yaml", configText(
            data: dir.path, endpoints: [.tcp(port: port, unit: 1), .tcp(port: port, unit: 2)], cells: cells,
            extra: extra + "web: { listen: \"127.0.0.1:\(https)\", redirectFrom: \"\" }\n"))
        let config = try GatewayConfig.load(file: file)
        let id = try {
            let db = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: dir.path), parts: Gateway.tables)
            let key = try db.register(config.topology)[0]
            return try SyntheticDischarge.capacityTest(db, key: key, string: "s1", ups: "u1", start: .now - .seconds(2 * 86400))
        }()
        let gw = try RunningGateway(configFile: file)
        #expect(await eventually(30) { accepts(port: https) && FileManager.default.fileExists(atPath: "\(dir.path)/web-cert.pem") })
        let browser = Browser(base: "https://127.0.0.1:\(https)", ca: "\(dir.path)/web-cert.pem", jar: "\(dir.path)/cookies", dir: dir.path)
        _ = try await browser.loginAsNewAdministrator(password: "report-pass-123")
        let percent = DecimalText.format(SyntheticDischarge.expectedPercent, digits: 1)  // 86.1

        // The API's document and the CSV.
        let api = try await browser.request("/api/v1/discharges/\(id)/report")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(api.body.utf8)) as? [String: Any])
        let capacity = try #require(json["capacity"] as? [String: Any])
        #expect(abs((capacity["percent"] as? Double ?? 0) - SyntheticDischarge.expectedPercent) < 1e-6, "\(capacity)")
        #expect(capacity["method"] as? String == "timeAdjusted" && json["cellsAtEndVoltage"] as? [Int] == [7, 13])
        let csv = try await browser.request("/discharges/\(id)/report.csv")
        let rows = csv.body.split(separator: "\r\n")
        #expect(rows.count == cells + 1 && rows[1].hasPrefix("\(id),s1,") && rows[1].contains(",timeAdjusted,1,7,25200,"), "\(rows.prefix(2))")
        #expect(try await browser.request("/api/v1/discharges/999/report").status == 404)
        let list = try await browser.request("/discharges/\(id)")
        #expect(list.body.contains("href=\"/discharges/\(id)/report\""), "the discharge page links to its report")

        // bmgw report, as an engineer on the gateway's console.
        let (code, text, _) = try runBMGW(["report", String(id), "--config", file])
        #expect(code == 0 && text.contains("capacity \(percent) % (IEEE 450 time-adjusted)"), "\(text)")

        // Printed by Chromium: the numbers, the project, at most two A4 pages.
        let out = repoRoot.appendingPathComponent(".build-peers/report").path
        try? FileManager.default.removeItem(atPath: out)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let script = repoRoot.appendingPathComponent("scripts/peers/report_pdf.py").path
        let (printed, log) = try await runOff("python3", [script, "--url", "https://127.0.0.1:\(https)", "--page", "/discharges/\(id)/report",
                                                          "--user", "admin", "--password", "report-pass-123", "--pdf", "\(out)/report.pdf",
                                                          "--screenshot", "\(out)/report-screen.png"])
        #expect(printed == 0 && !log.contains("FAIL"), "\(log)")
        let (_, pdf) = try await runOff("pdftotext", ["-layout", "\(out)/report.pdf", "-"])
        #expect(pdf.contains("\(percent) %") && pdf.contains("IEEE 450 time-adjusted"), "\(pdf.prefix(3000))")
        #expect(pdf.contains("Reportville UPS plant") && pdf.contains("Jane Operator"), "the project and its owner on the paper")
        #expect(pdf.contains("Weakest cells") && pdf.contains("7 of 24 cells") == false && pdf.contains("2 of 24 cells reached 1.750 V, in this order: 7, 13"))
        #expect(!pdf.contains("Log out") && !pdf.contains("Drag to zoom"), "no screen controls on paper")
        let (_, info) = try await runOff("pdfinfo", ["\(out)/report.pdf"])
        let pages = info.split(separator: "\n").first { $0.hasPrefix("Pages:") }.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        #expect((1...2).contains(pages), "\(info)")
        #expect(info.contains("(A4)"), "A4 paper: \(info)")
        _ = try await runOff("pdftoppm", ["-png", "-r", "60", "\(out)/report.pdf", "\(out)/page"])

        try await gw.stop()
        await sim.stop()
    }
}
