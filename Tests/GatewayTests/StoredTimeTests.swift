import Alarms
import BatteryModel
import Foundation
import GatewayApp
import GatewayServices
import Storage
import TestSupport
import Testing

/// Times leave the gateway exactly as stored: `bmgw alarms` / `bmgw events`, CSV and table, to the millisecond.
@Suite(.tags(.endToEnd)) struct StoredTimeTests {
    @Test func alarmAndEventTimesMatchTheDatabase() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let topology = Topology(siteName: "T", upses: [.init(id: "u", name: "U")],
                                strings: [.init(id: "s1", name: "S1", upsIndex: 0, cellCount: 4)])
        // Every millisecond ending 000…099 once: about half of them printed 1 ms early before one Timestamp.
        let base: Int64 = 1_764_533_898_000
        var stored: [Int64: (Int64, Int64)] = [:]
        do {
            let store = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: dir.path), parts: Gateway.tables)
            let key = try #require(try store.register(topology).first)
            let log = AlarmLog(db: store.db), events = DischargeLog(db: store.db)
            for i in Int64(0)..<100 {
                let raised = base + i * 1_001, cleared = raised + 60_000 + i * 7
                let id = try log.raise(stringKey: key, cell: Int(i % 4) + 1, type: .cellVoltageHigh, at: Timestamp(millis: raised), value: 14_600, limit: 14_400)
                try log.clear(id: id, at: Timestamp(millis: cleared))
                stored[id] = (raised, cleared)
                _ = try events.save(DischargeRecord(id: 0, stringId: "s1", upsId: "u", startAt: Timestamp(millis: raised), endAt: Timestamp(millis: cleared),
                                                    chargeMilliAmpHours: 1, minVoltage: nil, minCellVoltage: nil, minCell: nil),
                                    stringKey: key, now: Timestamp(millis: cleared))
            }
        }
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        func millis(_ text: Substring) -> Int64? { parser.date(from: String(text)).map { Timestamp($0).millis } }

        for command in ["alarms", "events"] {
            let all = command == "alarms" ? ["--per-page", "0"] : ["--limit", "100"]
            let (code, csv, err) = try runBMGW([command, "--data", dir.path, "--csv"] + all)
            #expect(code == 0, "\(err)")
            let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            #expect(rows.count == 100)
            var seen = Set<Int64>()
            for row in rows {
                let id = try #require(Int64(row[0]))
                let (from, to) = command == "alarms" ? (row[4], row[5]) : (row[3], row[4])
                let expected = try #require(stored[id])
                #expect(millis(from) == expected.0 && millis(to) == expected.1, "\(command) \(id): \(from) \(to) stored \(expected)")
                seen.insert(id)
            }
            #expect(seen.count == 100)
            // The table prints UTC to the millisecond, the same instants.
            let (_, table, _) = try runBMGW([command, "--data", dir.path] + (command == "alarms" ? ["--per-page", "100"] : ["--limit", "100"]))
            for (raised, cleared) in stored.values.prefix(20) {
                #expect(table.contains(Timestamp(millis: raised).iso) && table.contains(Timestamp(millis: cleared).iso), "\(command) table")
            }
        }
    }
}
