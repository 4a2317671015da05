/// Minimum, maximum and mean of one cell quantity, with where the extremes are.
public struct CellStatistic: Sendable, Equatable, Codable {
    public var min: Int32
    public var minCell: Int
    public var max: Int32
    public var maxCell: Int
    /// Sum and count rather than a mean, so statistics of groups combine exactly.
    public var sum: Int64
    public var count: Int

    public var mean: Double? { count > 0 ? Double(sum) / Double(count) : nil }

    /// Statistic over the measured (non-n/a) values of `column`; nil when none is measured.
    public init?(column: [Int32]) {
        var lo = Int32.max, hi = Int32.min, loAt = -1, hiAt = -1
        var sum: Int64 = 0, count = 0
        for (i, v) in column.enumerated() where v != Measurement.missing {
            if v < lo { lo = v; loAt = i }
            if v > hi { hi = v; hiAt = i }
            sum += Int64(v)
            count += 1
        }
        guard count > 0 else { return nil }
        self.min = lo
        self.minCell = loAt
        self.max = hi
        self.maxCell = hiAt
        self.sum = sum
        self.count = count
    }
}

/// Cell aggregates of one string sample.
public struct StringSummary: Sendable, Equatable {
    /// One statistic per cell quantity; absent when no cell reported that quantity.
    public var statistics: [CellQuantity: CellStatistic]
    /// Cells whose sensor does not answer.
    public var cellsWithSensorFault: Int
    public var cellsBalancing: Int

    public init(cells: CellColumns) {
        var stats: [CellQuantity: CellStatistic] = [:]
        for q in CellQuantity.allCases {
            stats[q] = CellStatistic(column: cells[q])
        }
        statistics = stats
        cellsWithSensorFault = cells.status.count { $0.contains(.sensorNotAnswering) }
        cellsBalancing = cells.status.count { $0.contains(.balancing) }
    }
}
