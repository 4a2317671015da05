public import BatteryModel

extension GatewayDatabase {
    /// More buckets than this is no longer a plot; callers get at most this many.
    public static let maxPoints = 100_000

    /// A quantity over `from ..< to` (ms) in `points` buckets: min, time-weighted mean, max per bucket.
    ///
    /// Buckets of an hour or more are built from hourly rollups where they exist
    /// (a year is 8760 rows instead of half a million), the rest from raw samples.
    /// Empty buckets are left out.
    public func series(stringKey: Int64, _ quantity: HistoryQuantity, from: Int64, to: Int64, points: Int) throws -> [HistoryPoint] {
        guard to > from, points > 0 else { return [] }
        let points = min(points, Self.maxPoints)
        let width = max(1, (to - from + Int64(points) - 1) / Int64(points))
        var buckets = [StatsAccumulator](repeating: .init(), count: points)
        func bucket(_ t: Int64) -> Int { min(points - 1, max(0, Int((t - from) / width))) }

        var rawFrom = from
        if width >= Self.hour, let last = try lastRollup(stringKey: stringKey), last + Self.hour > from {
            let rolledTo = min(to, last + Self.hour)
            try scanRollups(stringKey: stringKey, quantity, from: from / Self.hour * Self.hour, to: rolledTo) { t, lo, mean, hi, n in
                buckets[bucket(max(t, from))].add(min: lo, mean: mean, max: hi, weight: Double(Self.hour), count: n)
            }
            rawFrom = max(from, rolledTo)
        }
        if rawFrom < to {
            var weighting = TimeWeighting(cap: sampleWeightCap, end: to)
            let emit: (Int64, Int32, Double) -> Void = { t, v, w in buckets[bucket(t)].add(v, weight: w) }
            try scanRaw(stringKey: stringKey, quantity, from: rawFrom, to: to) { t, v in weighting.push(t, v, emit) }
            weighting.finish(emit)
        }
        return buckets.enumerated().compactMap { i, b in
            b.isEmpty ? nil : HistoryPoint(time: from + Int64(i) * width, min: b.min, mean: b.mean, max: b.max, count: b.count)
        }
    }

    /// Hourly rollup rows of one quantity: (hour start, min, mean, max, raw samples).
    private func scanRollups(stringKey: Int64, _ quantity: HistoryQuantity, from: Int64, to: Int64,
                             _ body: (Int64, Int32, Double, Int32, Int) -> Void) throws {
        let (lo, hi) = SampleKey.range(string: stringKey, from: from, to: to)
        let blobColumn: Int, firstColumn: Int, index: Int
        switch quantity {
        case let .string(q):
            blobColumn = 2
            firstColumn = 0
            index = StringQuantity.allCases.firstIndex(of: q) ?? 0
        case let .cell(q, i):
            blobColumn = 3
            firstColumn = 3 * CellBlob.column(q)
            index = i
        }
        let s = try db.statement("SELECT key, samples, string_stats, cell_stats FROM rollups WHERE key >= ? AND key < ? ORDER BY key")
        defer { s.reset() }
        try s.bind(1, lo)
        try s.bind(2, hi)
        while try s.step() {
            let triple = s.withBlob(blobColumn) { blob in
                (PackedColumns.value(blob, column: firstColumn, index: index),
                 PackedColumns.value(blob, column: firstColumn + 1, index: index),
                 PackedColumns.value(blob, column: firstColumn + 2, index: index))
            }
            guard let lo = triple.0, let mean = triple.1, let hi = triple.2,
                  lo != Measurement.missing, mean != Measurement.missing, hi != Measurement.missing else { continue }
            body(SampleKey.millis(s.int64(0)), lo, Double(mean), hi, Int(s.int64(1)))
        }
    }
}

extension GatewayDatabase {
    /// Hourly rollups of a string in `from ..< to`, oldest first: the hour's start and every cell's
    /// time-weighted mean of each of `quantities` (``Measurement/missing`` where not measured).
    public func forEachCellRollup(stringKey: Int64, _ quantities: [CellQuantity], from: Int64, to: Int64,
                                  _ body: (Int64, [[Int32]]) throws -> Void) throws {
        let (lo, hi) = SampleKey.range(string: stringKey, from: from, to: to)
        let s = try db.statement("SELECT key, cell_stats FROM rollups WHERE key >= ? AND key < ? ORDER BY key")
        defer { s.reset() }
        try s.bind(1, lo)
        try s.bind(2, hi)
        // Columns of the blob: min, mean, max of each quantity in CellBlob order.
        let means = quantities.map { 3 * CellBlob.column($0) + 1 }
        while try s.step() {
            guard let columns = s.withBlob(1, { PackedColumns.decode($0) }), let last = means.max(), columns.count > last else { continue }
            try body(SampleKey.millis(s.int64(0)), means.map { columns[$0] })
        }
    }
}
