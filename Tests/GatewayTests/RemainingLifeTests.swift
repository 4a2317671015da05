import Analytics
import BatteryModel
import Foundation
import GatewayServices
import TestSupport
import Testing

/// The built-in simulator ages a plant for a simulated year (`simulator.history: 365d`, made up by
/// its own physics at start), with three weak cells whose end of life is known from the ageing model
/// (SoH falls 0.8 × rate per year: 80 % after 0.25 / rate years). The gateway's estimates rank them
/// worst, in order, each interval holding its true date; healthy cells come later.
@Suite(.tags(.endToEnd), .timeLimit(.minutes(3))) struct RemainingLifeTests {
    static let weak = [(cell: 5, rate: 0.19), (cell: 9, rate: 0.18), (cell: 13, rate: 0.17)]

    @Test func aYearOfAgeingRanksTheWeakCellsAndBracketsTheirEnd() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let port = try freePort(), https = try freePort(), snmpPort = try freePort()
        let base = try #require(smiBaseDirectory, "run scripts/install-deps.sh --test")
        let broker = try Broker(dir: dir)
        try await broker.start()
        let weakCells = Self.weak.map { "{ unit: 1, cell: \($0.cell), rate: \($0.rate) }" }.joined(separator: ", ")
        let text = configText(data: dir.path, endpoints: [.tcp(port: port, unit: 1), .tcp(port: port, unit: 2)], cells: 24, extra: """
            simulator:
              listen: "127.0.0.1:\(port)"
              seed: 3
              history: 365d
              ageing: { rate: 0.05, initialAge: 0, weakCells: [\(weakCells)] }
            web: { listen: "127.0.0.1:\(https)" }
            snmp: { listen: "udp:127.0.0.1:\(snmpPort)", community: life, sources: [127.0.0.0/8] }
            \(mqttSection(port: broker.tlsPort, interval: "5s"))

            """).replacingOccurrences(of: "retention: 30d", with: "retention: 400d")
        let started = Timestamp.now
        let gw = try RunningGateway(configFile: try dir.write("g.yaml", text))
        #expect(await eventually(60) { gw.gateway.lifeEstimates.snapshot != nil })
        let snapshot = try #require(gw.gateway.lifeEstimates.snapshot)
        let s1 = try #require(snapshot.strings["s1"]), s2 = try #require(snapshot.strings["s2"])
        print("remaining life of 48 cells over a year of rollups: \(snapshot.seconds) s")

        // The history's first hour is a year before the start; the plant was new then.
        let year = 365.25 * 86400.0
        let historyStart = started - .seconds(365 * 86400)
        let ranked = s1.sorted { $0.sortKey(now: snapshot.computedAt) < $1.sortKey(now: snapshot.computedAt) }
        #expect(ranked.prefix(3).map(\.cell) == Self.weak.map(\.cell), "\(ranked.prefix(5))")
        for (cell, rate) in Self.weak {
            let life = try #require(s1.first { $0.cell == cell })
            let truth = historyStart + .seconds(0.25 / rate * year)
            let (lo, hi) = (try #require(life.earliest), try #require(life.latest))
            #expect(life.status == .estimate && life.criterion == .stateOfHealth, "\(life)")
            #expect(lo <= truth && truth <= hi, "cell \(cell): true end of life \(truth.iso) in \(lo.iso) … \(hi.iso)")
            #expect(life.days >= 360, "\(life)")
        }
        // A healthy cell (rate 0.05: 80 % SoH after five years) is dated after every weak one, or beyond the horizon.
        let lastWeak = try #require(s1.first { $0.cell == 13 }?.date)
        for life in s2 + s1.filter({ c in !Self.weak.contains { $0.cell == c.cell } }) {
            #expect(life.status == .beyondHorizon || (life.status == .estimate && (life.date ?? lastWeak) > lastWeak), "\(life)")
        }

        // The web UI: the cells table sorted by remaining life puts them first; the API and the cell page say the same date.
        let browser = Browser(base: "https://127.0.0.1:\(https)", ca: "\(dir.path)/web-cert.pem", jar: "\(dir.path)/cookies", dir: dir.path)
        #expect(await eventually(30) { accepts(port: https) && FileManager.default.fileExists(atPath: "\(dir.path)/web-cert.pem") })
        _ = try await browser.loginAsNewAdministrator()
        let table = try await browser.request("/strings/s1?sort=life&order=asc&size=10").body
        let order = table.components(separatedBy: "<tr data-cell=\"").dropFirst().prefix(3).map { $0.prefix { $0 != "\"" } }
        #expect(order == ["5", "9", "13"], "\(order)")
        let date = try #require(s1.first { $0.cell == 5 }?.date).iso.prefix(10)
        #expect(table.contains(">\(date)</span>"), "the page shows the date \(date)")
        let api = try await browser.request("/api/v1/strings/s1/life").body
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(api.utf8)) as? [String: Any])
        let cells = try #require(doc["cells"] as? [[String: Any]])
        #expect(cells.first { $0["cell"] as? Int == 5 }?["date"] as? String == s1.first { $0.cell == 5 }?.date?.iso)
        let page = try await browser.request("/strings/s1/cells/5").body
        #expect(page.contains("replace by <strong>\(date)</strong>"), "\(page.prefix(200))")

        // SNMP: the cell table's life columns carry the same date, its interval and the days to it.
        let mibs = ["-M", "+\(base):\(repoRoot.appendingPathComponent("mibs").path)", "-m", "BTMS-GATEWAY-MIB"]
        let five = try #require(s1.first { $0.cell == 5 })
        let get = ["-v2c", "-c", "life", "-Oqv"] + mibs + ["127.0.0.1:\(snmpPort)", "btmsCellLifeStatus.1.5", "btmsCellReplaceDate.1.5",
                                                           "btmsCellReplaceEarliest.1.5", "btmsCellReplaceLatest.1.5", "btmsCellReplaceDays.1.5",
                                                           "btmsCellLifeStatus.2.1"]
        #expect(await eventuallyOffPool(15) { (try? run("snmpget", get))?.1.hasPrefix("estimate\n") == true })
        let (_, answer) = try await runOff("snmpget", get)
        func dateAndTime(_ t: Timestamp?) -> String {
            guard let u = t?.utc else { return "none" }
            return "\(u.year)-\(u.month)-\(u.day),\(u.hour):\(u.minute):\(u.second).\(u.millisecond / 100),+0:0"
        }
        let days = ((try #require(five.date)) - snapshot.computedAt).milliseconds / 86_400_000
        let lines = answer.split(separator: "\n").map(String.init)
        #expect(lines.count == 6 && lines[1] == dateAndTime(five.date) && lines[2] == dateAndTime(five.earliest)
                && lines[3] == dateAndTime(five.latest) && lines[4] == "\(days) days" && lines[5] == s2[0].status.rawValue, "\(lines)")

        // MQTT: the retained life topic of s1, the same estimate.
        let recorder = try Recorder(dir: dir, port: broker.tlsPort, topic: "+/+/strings/s1/life", name: "life")
        defer { recorder.stop() }
        #expect(await eventually(30) { !recorder.json.isEmpty })
        let published = try #require(recorder.json.first?.body["cells"] as? [[String: Any]])
        #expect(published.first { $0["cell"] as? Int == 5 }?["date"] as? String == five.date?.iso)
        #expect(recorder.json.first?.body["computedAt"] as? String == snapshot.computedAt.iso)

        try await gw.stop()
        await broker.stop()
    }
}
