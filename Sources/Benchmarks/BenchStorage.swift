import BatteryModel
import Foundation
import Simulator
import Storage

/// Ingest, database size and year-query figures.
enum BenchStorage {
    static let strings = 32, cells = 120

    static func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("bmgw-bench-\(name)-\(getpid()).sqlite").path
    }

    static func remove(_ path: String) {
        for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) }
    }

    static var topology: Topology { topology(strings: strings) }

    static func topology(strings: Int) -> Topology {
        Topology(siteName: "bench", upses: [.init(id: "u", name: "U")],
                 strings: (0..<strings).map { .init(id: "s\($0 + 1)", name: "S\($0 + 1)", upsIndex: 0, cellCount: cells) })
    }

    /// Realistic samples: a simulated plant stepped by `dt` seconds between snapshots.
    struct PlantFeed {
        var plants: [SimulatedPlantReading]

        init(strings: Int = BenchStorage.strings) {
            plants = (0..<strings).map { SimulatedPlantReading(cells: cells, seed: UInt64($0 + 1)) }
        }

        mutating func snapshot(at ms: Int64, dt: Double) -> [StringSample] {
            plants.indices.map { i in
                let (values, cells) = plants[i].next(dt: dt)
                return StringSample(stringIndex: i, time: Timestamp(millis: ms).date, values: values, cells: cells)
            }
        }
    }

    /// `strings` other than 32 (`bmgw bench ingest --strings N`): the cost curves of scripts/peers/scale.py.
    static func ingest(strings: Int) throws {
        let path = tempPath("ingest")
        defer { remove(path) }
        let store = try GatewayDatabase(path: path)
        let keys = try store.register(topology(strings: strings))
        var feed = PlantFeed(strings: strings)
        let t0 = Timestamp.now.millis
        var times: [Duration] = []
        for n in 0..<300 {
            let rows = feed.snapshot(at: t0 + Int64(n) * 1000, dt: 1).map { (key: keys[$0.stringIndex], sample: $0) }
            let start = ContinuousClock.now
            try store.insert(rows)
            times.append(ContinuousClock.now - start)
        }
        let s = Bench.stats(times)
        Bench.say("""

            Ingest of one full snapshot (\(strings) strings × \(cells) cells, one transaction, WAL, synchronous=NORMAL):
              median \(Bench.fmt(s.median, 3)) ms, max \(Bench.fmt(s.max, 3)) ms over 300 snapshots   (goal ≤ 5 ms)
            """)
    }

    static func bytesPerDay() throws {
        let path = tempPath("size")
        defer { remove(path) }
        let store = try GatewayDatabase(path: path)
        let keys = try store.register(topology)
        let before = try store.usedBytes()
        var feed = PlantFeed()
        let day: Int64 = 86_400_000
        let t0 = (Timestamp.now.millis / day - 400) * day
        // One day at the default slow interval (60 s): 1440 snapshots, plus that day's hourly rollups.
        for m in 0..<1440 {
            try store.insert(feed.snapshot(at: t0 + Int64(m) * 60000, dt: 60).map { (key: keys[$0.stringIndex], sample: $0) })
        }
        for key in keys { while try store.rollUpNext(stringKey: key, before: t0 + day) {} }
        let bytes = try store.usedBytes() - before
        let samples = try store.db.scalar("SELECT COUNT(*) FROM samples") ?? 0
        let year = Double(bytes) * 365 / 1e9
        Bench.say("""

            Database size at full size with the default intervals (60 s while floating):
              one day: \(samples) samples + rollups = \(Bench.fmt(Double(bytes) / 1e6, 1)) MB (\(Bench.fmt(Double(bytes) / Double(samples), 0)) bytes per string sample)
              extrapolated to 365 days: \(Bench.fmt(year, 1)) GB   (goal ≤ 40 GB)
              each hour of discharge adds 3600 samples per string at 1 s: about \(Bench.fmt(Double(bytes) / Double(samples) * 3600 * Double(strings) / 1e6, 0)) MB for the whole plant
            """)
    }

    /// One string's samples every minute over `from ..< to` from the plant simulator (a year: 525 600).
    static func fillYear(_ store: GatewayDatabase, key: Int64, from start: Int64, to end: Int64) throws {
        var plant = SimulatedPlantReading(cells: cells, seed: 9)
        var batch: [(key: Int64, sample: StringSample)] = []
        var t = start
        while t < end {
            let (values, c) = plant.next(dt: 60)
            batch.append((key, StringSample(stringIndex: 0, time: Timestamp(millis: t).date, values: values, cells: c)))
            if batch.count == 1440 {
                try store.insert(batch)
                batch.removeAll(keepingCapacity: true)
            }
            t += 60000
        }
        try store.insert(batch)
    }

    static func yearQuery() throws {
        let path = tempPath("year")
        defer { remove(path) }
        let store = try GatewayDatabase(path: path)
        let key = try store.register(topology)[0]
        let hour: Int64 = 3_600_000
        let now = Timestamp.now.millis / hour * hour
        let start = now - 365 * 24 * hour
        let generation = ContinuousClock.now
        try fillYear(store, key: key, from: start, to: now)
        var rows = try store.db.scalar("SELECT COUNT(*) FROM samples") ?? 0
        while try store.rollUpNext(stringKey: key, before: now) {}
        let generated = ContinuousClock.now - generation
        rows = try store.db.scalar("SELECT COUNT(*) FROM samples") ?? rows

        func time(_ q: HistoryQuantity) throws -> (Duration, Int) {
            var points = 0
            let d = try ContinuousClock().measure { points = try store.series(stringKey: key, q, from: start, to: now, points: 1000).count }
            return (d, points)
        }
        let cell = try (0..<5).map { _ in try time(.cell(.voltage, index: 60)) }
        let string = try (0..<5).map { _ in try time(.string(.current)) }
        // Reference: the same query from raw samples only (rollups removed), as a store without them would run it.
        try store.db.execute("DELETE FROM rollups")
        let raw = try (0..<3).map { _ in try time(.cell(.voltage, index: 60)) }
        let c = Bench.stats(cell.map(\.0)), s = Bench.stats(string.map(\.0)), r = Bench.stats(raw.map(\.0))
        Bench.say("""

            One year of one string (\(rows) samples at 60 s, \(Bench.fmt(Double(try store.usedBytes()) / 1e6, 0)) MB, generated in \(Bench.fmt(Bench.stats([generated]).median / 1000, 1)) s), downsampled to 1000 points:
              cell 61 voltage: median \(Bench.fmt(c.median)) ms (\(cell[0].1) points)   (goal ≤ 300 ms)
              string current:  median \(Bench.fmt(s.median)) ms (\(string[0].1) points)
              same cell query from raw samples only (no rollups): median \(Bench.fmt(r.median)) ms — rollups are \(Bench.fmt(r.median / c.median, 0))× faster
            """)
    }
}

/// Steps a simulated string and reads it, for synthetic history.
struct SimulatedPlantReading {
    private var plant: PlantPhysics

    init(cells: Int, seed: UInt64) {
        plant = PlantPhysics(cellCount: cells, seed: seed)
    }

    mutating func next(dt: Double) -> (StringValues, CellColumns) {
        plant.step(dt: dt)
        return plant.reading()
    }
}
