import BatteryModel

extension GatewayDatabase {
    static let hour: Int64 = 3_600_000

    /// Computes the next hourly rollup of a string that is complete before `limit`
    /// (ms). Returns false when there is none to do.
    public func rollUpNext(stringKey: Int64, before limit: Int64) throws -> Bool {
        let (lo, hi) = SampleKey.range(string: stringKey, from: 0, to: SampleKey.timeMask)
        let lastRolled = try db.scalar("SELECT MAX(key) FROM rollups WHERE key >= ? AND key < ?", lo, hi).map(SampleKey.millis)
        let start = lastRolled.map { $0 + Self.hour } ?? 0
        guard let firstKey = try db.scalar("SELECT MIN(key) FROM samples WHERE key >= ? AND key < ?",
                                           SampleKey.make(string: stringKey, millis: start), hi) else { return false }
        let hourStart = SampleKey.millis(firstKey) / Self.hour * Self.hour
        guard hourStart + Self.hour <= limit else { return false }
        try rollUp(stringKey: stringKey, hourStart: hourStart)
        return true
    }

    /// Computes and stores the rollup of one hour from the raw samples.
    func rollUp(stringKey: Int64, hourStart: Int64) throws {
        let end = hourStart + Self.hour
        var stringStats = [StatsAccumulator](repeating: .init(), count: StringQuantity.allCases.count)
        var cellStats: [[StatsAccumulator]] = []
        var weighting = TimeWeighting(cap: sampleWeightCap, end: end)
        var rows = 0
        var previous: StoredSample?

        func add(_ sample: StoredSample, weight: Double) {
            for (i, q) in StringQuantity.allCases.enumerated() {
                let v = sample.values[q]
                if v != Measurement.missing { stringStats[i].add(v, weight: weight) }
            }
            if cellStats.isEmpty {
                cellStats = Array(repeating: Array(repeating: .init(), count: sample.cells.count), count: CellBlob.quantities.count)
            }
            for (qi, q) in CellBlob.quantities.enumerated() {
                let column = sample.cells[q]
                for i in 0..<min(column.count, cellStats[qi].count) where column[i] != Measurement.missing {
                    cellStats[qi][i].add(column[i], weight: weight)
                }
            }
        }

        try forEachSample(stringKey: stringKey, from: hourStart, to: end) { sample in
            rows += 1
            // TimeWeighting works on times; the sample rides along as `previous`.
            weighting.push(sample.time, 0) { _, _, w in if let p = previous { add(p, weight: w) } }
            previous = sample
        }
        weighting.finish { _, _, w in if let p = previous { add(p, weight: w) } }
        // An hour whose rows are all unreadable still gets a (empty) rollup, so the next hour comes next.

        let stringBlob = PackedColumns.encode([stringStats.map(\.minValue), stringStats.map(\.meanValue), stringStats.map(\.maxValue)])
        let cellBlob = PackedColumns.encode(cellStats.flatMap { q in [q.map(\.minValue), q.map(\.meanValue), q.map(\.maxValue)] })
        let s = try db.statement("INSERT OR REPLACE INTO rollups(key, samples, string_stats, cell_stats) VALUES (?, ?, ?, ?)")
        defer { s.reset() }
        try s.bind(1, SampleKey.make(string: stringKey, millis: hourStart))
        try s.bind(2, Int64(rows))
        try s.bind(3, stringBlob)
        try s.bind(4, cellBlob)
        try s.step()
    }

    /// Start (ms) of the newest rollup of a string.
    func lastRollup(stringKey: Int64) throws -> Int64? {
        let (lo, hi) = SampleKey.range(string: stringKey, from: 0, to: SampleKey.timeMask)
        return try db.scalar("SELECT MAX(key) FROM rollups WHERE key >= ? AND key < ?", lo, hi).map(SampleKey.millis)
    }
}
