import Alarms
import BatteryModel
import Foundation
import GatewayServices
import Storage
import TestSupport
import Testing

/// The built-in simulator ages a plant for a simulated year (`simulator.history: 365d`, made up by
/// its own physics at start), with three weak cells whose end of life is known from the ageing model
/// (SoH falls 0.8 × rate per year: 80 % after 0.25 / rate years). The gateway (`bmgw run`, its own
/// process: net-snmp's agent is one per process) ranks them worst, in order, each interval holding
/// its true date; healthy cells come later; the API, the pages, SNMP and MQTT say the same; the
/// replace-soon alarm takes the two inside its horizon.
@Suite(.tags(.endToEnd), .timeLimit(.minutes(3))) struct RemainingLifeTests {
    static let weak = [(cell: 5, rate: 0.19), (cell: 9, rate: 0.18), (cell: 13, rate: 0.17)]

    /// One cell of `/api/v1/strings/{id}/life`.
    struct Life: Decodable {
        let cell: Int, status: String, criterion: String?, date: String?, earliest: String?, latest: String?, days: Int
        var at: Timestamp? { date.flatMap { Timestamp(iso: $0) } }
    }

    struct LifeDocument: Decodable {
        let string: String, computedAt: String?, cells: [Life]
    }

    @Test func aYearOfAgeingRanksTheWeakCellsAndBracketsTheirEnd() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let base = try #require(smiBaseDirectory, "run scripts/install-deps.sh --test")
        let broker = try Broker(dir: dir)
        try await broker.start()
        let weakCells = Self.weak.map { "{ unit: 1, cell: \($0.cell), rate: \($0.rate) }" }.joined(separator: ", ")
        let started = Timestamp.now
        // Free ports can be taken by another suite before a process binds them: a gateway that could
        // not bind exits, and is started again on new ones.
        var gateway: pid_t = 0, https = 0, snmpPort = 0, logPath = ""
        for attempt in 1...3 {
            let port = try freePort()
            (https, snmpPort) = (try freePort(), try freePort())
            let text = configText(data: dir.path, endpoints: [.tcp(port: port, unit: 1), .tcp(port: port, unit: 2)], cells: 24, extra: """
                simulator:
                  listen: "127.0.0.1:\(port)"
                  seed: 3
                  history: 365d
                  ageing: { rate: 0.05, initialAge: 0, weakCells: [\(weakCells)] }
                web: { listen: "127.0.0.1:\(https)", redirectFrom: "" }
                snmp: { listen: "udp:127.0.0.1:\(snmpPort)", community: life, sources: [127.0.0.0/8] }
                \(mqttSection(port: broker.tlsPort, interval: "5s"))
                alarms: { defaults: { cellReplaceSoon: { enabled: true, limit: 150 } } }

                """).replacingOccurrences(of: "retention: 30d", with: "retention: 400d")
            logPath = "\(dir.path)/gateway-\(attempt).log"
            gateway = try startGatewayProcess(config: try dir.write("g.yaml", text), log: logPath)
            var exited = false
            let up = await eventually(60) {
                var status: Int32 = 0
                if waitpid(gateway, &status, WNOHANG) == gateway { exited = true; return true }
                return accepts(port: https) && FileManager.default.fileExists(atPath: "\(dir.path)/web-cert.pem")
            }
            if up && !exited { break }
            if !exited { kill(gateway, SIGKILL); _ = waitExit(gateway) }
            gateway = 0
        }
        try #require(gateway != 0, "the gateway did not start: \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
        var stopped = false
        defer { if !stopped { kill(gateway, SIGKILL); _ = waitExit(gateway) } }
        let path = logPath
        func log() -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        let browser = Browser(base: "https://127.0.0.1:\(https)", ca: "\(dir.path)/web-cert.pem", jar: "\(dir.path)/cookies", dir: dir.path)
        _ = try await browser.loginAsNewAdministrator()
        func life(_ id: String) async throws -> LifeDocument {
            try JSONDecoder().decode(LifeDocument.self, from: Data(try await browser.request("/api/v1/strings/\(id)/life").body.utf8))
        }
        var s1 = try await life("s1")
        for _ in 0..<60 where s1.computedAt == nil {
            try await Task.sleep(for: .milliseconds(500))
            s1 = try await life("s1")
        }
        let computedAt = try #require(s1.computedAt.flatMap { Timestamp(iso: $0) }, "\(log().suffix(2000))")
        let s2 = try await life("s2").cells
        print(log().split(separator: "\n").filter { $0.contains("remaining life estimated") }.joined(separator: "\n"))

        // The history's first hour is a year before the start; the plant was new then.
        let year = 365.25 * 86400.0
        let historyStart = started - .seconds(365 * 86400)
        let ranked = s1.cells.filter { $0.status == "estimate" || $0.status == "due" }.sorted { ($0.at ?? computedAt) < ($1.at ?? computedAt) }
        #expect(ranked.prefix(3).map(\.cell) == Self.weak.map(\.cell), "\(ranked.prefix(5))")
        for (cell, rate) in Self.weak {
            let life = try #require(s1.cells.first { $0.cell == cell })
            let truth = historyStart + .seconds(0.25 / rate * year)
            let lo = try #require(life.earliest.flatMap { Timestamp(iso: $0) }), hi = try #require(life.latest.flatMap { Timestamp(iso: $0) })
            #expect(life.status == "estimate" && life.criterion == "stateOfHealth", "\(life)")
            #expect(lo <= truth && truth <= hi, "cell \(cell): true end of life \(truth.iso) in \(lo.iso) … \(hi.iso)")
            #expect(life.days >= 360, "\(life)")
        }
        // A healthy cell (rate 0.05: 80 % SoH after five years) is dated after every weak one, or beyond the horizon.
        let lastWeak = try #require(s1.cells.first { $0.cell == 13 }?.at)
        for life in s2 + s1.cells.filter({ c in !Self.weak.contains { $0.cell == c.cell } }) {
            #expect(life.status == "beyondHorizon" || (life.status == "estimate" && (life.at ?? lastWeak) > lastWeak), "\(life)")
        }

        // The web UI: the cells table sorted by remaining life puts them first; the cell page says the same date.
        let five = try #require(s1.cells.first { $0.cell == 5 })
        let fiveDate = try #require(five.at)
        let table = try await browser.request("/strings/s1?sort=life&order=asc&size=10").body
        let order = table.components(separatedBy: "<tr data-cell=\"").dropFirst().prefix(3).map { $0.prefix { $0 != "\"" } }
        #expect(order == ["5", "9", "13"], "\(order)")
        let date = fiveDate.iso.prefix(10)
        #expect(table.contains(">\(date)</span>"), "the page shows the date \(date)")
        let page = try await browser.request("/strings/s1/cells/5").body
        #expect(page.contains("replace by <strong>\(date)</strong>"), "\(page.prefix(200))")

        // SNMP: the cell table's life columns carry the same date, its interval and the days to it.
        let mibs = ["-M", "+\(base):\(repoRoot.appendingPathComponent("mibs").path)", "-m", "BTMS-GATEWAY-MIB"]
        let get = ["-v2c", "-c", "life", "-Oqv"] + mibs + ["127.0.0.1:\(snmpPort)", "btmsCellLifeStatus.1.5", "btmsCellReplaceDate.1.5",
                                                           "btmsCellReplaceEarliest.1.5", "btmsCellReplaceLatest.1.5", "btmsCellReplaceDays.1.5",
                                                           "btmsCellLifeStatus.2.1"]
        #expect(await eventuallyOffPool(15) { (try? run("snmpget", get))?.1.hasPrefix("estimate\n") == true })
        let (_, answer) = try await runOff("snmpget", get)
        func dateAndTime(_ text: String?) -> String {
            guard let u = text.flatMap({ Timestamp(iso: $0) })?.utc else { return "none" }
            return "\(u.year)-\(u.month)-\(u.day),\(u.hour):\(u.minute):\(u.second).\(u.millisecond / 100),+0:0"
        }
        let days = (fiveDate - computedAt).milliseconds / 86_400_000
        let lines = answer.split(separator: "\n").map(String.init)
        #expect(lines.count == 6 && lines[1] == dateAndTime(five.date) && lines[2] == dateAndTime(five.earliest)
                && lines[3] == dateAndTime(five.latest) && lines[4] == "\(days) days" && lines[5] == s2[0].status, "\(lines)")

        // The replace-soon alarm (horizon 150 days): cells 5 (about 116 days) and 9 (about 142), not 13 (about 172).
        let soon: Set = ["s1 cellReplaceSoon 5", "s1 cellReplaceSoon 9"]
        let raised = try await eventually(20) { try activeAlarms(dir).filter { $0.contains("cellReplaceSoon") } == soon }
        #expect(raised, "\((try? activeAlarms(dir)) ?? [])")

        // MQTT: the retained life topic of s1, the same estimate.
        let recorder = try Recorder(dir: dir, port: broker.tlsPort, topic: "+/+/strings/s1/life", name: "life")
        defer { recorder.stop() }
        #expect(await eventually(30) { !recorder.json.isEmpty })
        let published = try #require(recorder.json.first?.body["cells"] as? [[String: Any]])
        #expect(published.first { $0["cell"] as? Int == 5 }?["date"] as? String == five.date)
        #expect(recorder.json.first?.body["computedAt"] as? String == s1.computedAt)

        kill(gateway, SIGTERM)
        let pid = gateway
        #expect(try await offPool { waitExit(pid) } == 0, "a clean stop")
        stopped = true
        await broker.stop()
    }
}
