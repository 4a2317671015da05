/// Aggregates of a group of strings (one UPS, or the whole data centre).
public struct GroupAggregate: Sendable, Equatable {
    /// Where an extreme cell value is: string index and cell index (0-based).
    public struct CellRef: Sendable, Equatable {
        public var string: Int
        public var cell: Int
        public var value: Int32

        public init(string: Int, cell: Int, value: Int32) {
            self.string = string
            self.cell = cell
            self.value = value
        }
    }

    public struct Extremes: Sendable, Equatable {
        public var min: CellRef
        public var max: CellRef
        public var sum: Int64
        public var count: Int
        public var mean: Double { Double(sum) / Double(count) }
    }

    public var stringCount = 0
    public var stringsCommOK = 0
    public var stringsCommLost = 0
    public var stringsDischarging = 0
    public var cellCount = 0
    public var cellsWithSensorFault = 0
    /// Per cell quantity over all measured cells of the group's strings.
    public var cells: [CellQuantity: Extremes] = [:]

    public init() {}

    /// The cell with the lowest voltage: the usual "worst cell" of a battery monitor.
    public var worstCellByVoltage: CellRef? { cells[.voltage]?.min }
    /// The cell with the highest internal resistance.
    public var worstCellByResistance: CellRef? { cells[.resistance]?.max }

    /// Aggregate over `strings` (indexes into the snapshot) of `snapshot`.
    public init(strings indexes: [Int], of snapshot: ModelSnapshot, dischargeBelow threshold: Int32) {
        for i in indexes {
            let info = snapshot.topology.strings[i]
            let state = snapshot.strings[i]
            stringCount += 1
            cellCount += info.cellCount
            switch state.link.quality {
            case .ok, .stale: stringsCommOK += 1
            case .commLost: stringsCommLost += 1
            case .unknown: break
            }
            guard let sample = state.sample else { continue }
            if let current = Measurement.value(sample.values.current), current < threshold {
                stringsDischarging += 1
            }
            cellsWithSensorFault += sample.summary.cellsWithSensorFault
            for (q, stat) in sample.summary.statistics {
                let lo = CellRef(string: i, cell: stat.minCell, value: stat.min)
                let hi = CellRef(string: i, cell: stat.maxCell, value: stat.max)
                if var e = cells[q] {
                    if lo.value < e.min.value { e.min = lo }
                    if hi.value > e.max.value { e.max = hi }
                    e.sum += stat.sum
                    e.count += stat.count
                    cells[q] = e
                } else {
                    cells[q] = Extremes(min: lo, max: hi, sum: stat.sum, count: stat.count)
                }
            }
        }
    }
}
