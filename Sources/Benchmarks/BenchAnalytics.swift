import Alarms
import Analytics
import BatteryModel
import Foundation
import Simulator
import Storage

/// The analytics' cost at full size: a discharge report of a long event, and one remaining-life
/// run over every cell's year of hourly rollups.
enum BenchAnalytics {
    /// A 5-hour discharge of a 120-cell string logged every second (18 000 samples, 2.2 M cell
    /// values) and the previous one like it: the report reads both. Reference: reading the event's
    /// samples alone, in the same run.
    static func report() throws {
        let path = BenchStorage.tempPath("report")
        defer { BenchStorage.remove(path) }
        let db = try GatewayDatabase(path: path, parts: [AlarmTables.schema])
        let key = try db.register(BenchStorage.topology)[0]

        let now = Timestamp.now
        var ids: [Int64] = []
        for start in [now - .seconds(2 * 86400), now - .seconds(86400)] {
            var plant = PlantPhysics(cellCount: BenchStorage.cells, seed: 5)
            plant.dischargeAmps = 17
            var rows: [(key: Int64, sample: StringSample)] = []
            for s in 0..<(5 * 3600) {
                plant.step(dt: 1)
                let (v, c) = plant.reading()
                rows.append((key, StringSample(stringIndex: 0, time: (start + .seconds(s)).date, values: v, cells: c)))
                if rows.count == 3600 { try db.insert(rows); rows.removeAll(keepingCapacity: true) }
            }
            try db.insert(rows)
            let e = DischargeRecord(id: 0, stringId: "s1", upsId: "u", startAt: start, endAt: start + .seconds(5 * 3600 - 1),
                                    chargeMilliAmpHours: 85_000, minVoltage: nil, minCellVoltage: nil, minCell: nil)
            ids.append(try DischargeLog(db: db.db).save(e, stringKey: key, now: now))
        }

        let clock = ContinuousClock()
        var reports: [Duration] = [], reads: [Duration] = []
        var capacity = ""
        for _ in 0..<5 {
            reports.append(try clock.measure {
                let r = try DischargeReports.report(db, id: ids[1], now: now) { _ in BatteryRating(BatterySpec()) }
                capacity = r.map { "\($0.capacity.method.rawValue) \($0.capacity.percent.map { Bench.fmt($0, 1) } ?? "-") %, \($0.event.samples) samples" } ?? "none"
            })
            let start = now - .seconds(86400)
            reads.append(try clock.measure {
                var n = 0
                try db.forEachSample(stringKey: key, from: start.millis, to: start.millis + 5 * 3_600_000) { _ in n += 1 }
            })
        }
        let r = Bench.stats(reports), b = Bench.stats(reads)
        Bench.say("""

            Discharge report, 5 h of a 120-cell string at 1 s (2 × 18 000 samples: the event and the previous one; \(capacity)):
              report: median \(Bench.fmt(r.median, 0)) ms, max \(Bench.fmt(r.max, 0)) ms   (goal ≤ 1000 ms)
              reference, reading the event's samples alone: median \(Bench.fmt(b.median, 0)) ms — the report is \(Bench.fmt(r.median / b.median, 1))× that (it reads two events)
            """)
    }

    /// 32 × 120 cells with a year of hourly rollups (one string's simulated year, copied to all 32).
    static func remainingLife() throws {
        let path = BenchStorage.tempPath("life")
        defer { BenchStorage.remove(path) }
        let db = try GatewayDatabase(path: path, parts: [AlarmTables.schema])
        let topology = BenchStorage.topology
        let keys = try db.register(topology)
        let hour: Int64 = 3_600_000
        let now = Timestamp(millis: Timestamp.now.millis / hour * hour)
        var plant = PlantPhysics(unit: 1, cellCount: BenchStorage.cells, seed: 3,
                                 ageing: SimulatedAgeing(rate: 0.05, weakCells: [.init(unit: 1, cell: 7, rate: 0.2)]))
        var rows: [(key: Int64, sample: StringSample)] = []
        for h in 0..<8760 {
            plant.step(dt: 3600)
            let (v, c) = plant.reading()
            rows.append((keys[0], StringSample(stringIndex: 0, time: Timestamp(millis: now.millis - Int64(8760 - h) * hour).date, values: v, cells: c)))
        }
        try db.insert(rows)
        while try db.rollUpNext(stringKey: keys[0], before: now.millis) {}
        for k in keys.dropFirst() {
            try db.db.execute("INSERT INTO rollups SELECT (key & \((Int64(1) << 42) - 1)) | (\(k) << 42), samples, string_stats, cell_stats FROM rollups WHERE key >> 42 = \(keys[0])")
        }
        let rollups = try db.db.scalar("SELECT COUNT(*) FROM rollups") ?? 0
        let clock = ContinuousClock()
        var runs: [Duration] = []
        var dated = 0
        for _ in 0..<3 {
            runs.append(try clock.measure {
                let all = try LifeEstimates.compute(db, topology: topology, now: now)
                dated = all.values.joined().filter { $0.status == .estimate }.count
            })
        }
        let r = Bench.stats(runs)
        Bench.say("""

            Remaining life of 32 × 120 cells over a year of hourly rollups (\(rollups) rollups; \(dated) cells dated):
              one run: median \(Bench.fmt(r.median / 1000, 2)) s, max \(Bench.fmt(r.max / 1000, 2)) s (every 6 h: \(Bench.fmt(r.median / 1000 / 21600 * 100, 3)) % of one core)
            """)
    }
}
