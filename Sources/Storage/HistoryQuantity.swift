public import BatteryModel

/// What a history query asks for: a string quantity, or one cell's quantity.
public enum HistoryQuantity: Sendable, Hashable, CustomStringConvertible {
    case string(StringQuantity)
    /// Cell quantity of the cell at `index` (0-based).
    case cell(CellQuantity, index: Int)

    public var description: String {
        switch self {
        case let .string(q): "string \(q.rawValue)"
        case let .cell(q, i): "cell \(i + 1) \(q.rawValue)"
        }
    }

    var unit: String {
        switch self {
        case let .string(q): q.unit
        case let .cell(q, _): q.unit
        }
    }
}

/// One bucket of a downsampled series: min, time-weighted mean and max of the samples in it.
public struct HistoryPoint: Sendable, Equatable {
    /// Start of the bucket, ms since 1970.
    public var time: Int64
    public var min: Int32
    public var mean: Double
    public var max: Int32
    /// Raw samples (or hourly rollups) that fell in the bucket.
    public var count: Int

    public init(time: Int64, min: Int32, mean: Double, max: Int32, count: Int) {
        (self.time, self.min, self.mean, self.max, self.count) = (time, min, mean, max, count)
    }
}

/// A logged sample read back from the database.
public struct StoredSample: Sendable {
    public var time: Int64
    public var values: StringValues
    public var cells: CellColumns
}

/// Order of the cell columns in a sample's blob.
enum CellBlob {
    static let quantities: [CellQuantity] = [.voltage, .resistance, .temperature, .soc, .soh]
    static let statusColumn = 5

    static func column(_ q: CellQuantity) -> Int {
        // quantities lists every case.
        quantities.firstIndex(of: q) ?? 0
    }

    static func encode(_ cells: CellColumns) -> [UInt8] {
        PackedColumns.encode(quantities.map { cells[$0] } + [cells.status.map { Int32($0.rawValue) }])
    }

    static func decode(_ blob: UnsafeRawBufferPointer, cellCount: Int) -> CellColumns? {
        guard let columns = PackedColumns.decode(blob), columns.count == quantities.count + 1 else { return nil }
        var cells = CellColumns(count: columns[0].count)
        for (i, q) in quantities.enumerated() { cells[q] = columns[i] }
        cells.status = columns[statusColumn].map { CellStatus(rawValue: UInt16(truncatingIfNeeded: $0 == Measurement.missing ? 0 : $0)) }
        return cells
    }
}
