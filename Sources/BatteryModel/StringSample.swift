public import Foundation

/// String-level values of one sample, in canonical units (``Measurement/missing`` = n/a).
public struct StringValues: Sendable, Equatable {
    public var voltage: Int32 = Measurement.missing
    public var current: Int32 = Measurement.missing
    public var soc: Int32 = Measurement.missing
    public var temperature: Int32 = Measurement.missing
    public var humidity: Int32 = Measurement.missing
    public var status = StringStatus()

    public init() {}

    public subscript(quantity: StringQuantity) -> Int32 {
        get {
            switch quantity {
            case .voltage: voltage
            case .current: current
            case .soc: soc
            case .temperature: temperature
            case .humidity: humidity
            }
        }
        set {
            switch quantity {
            case .voltage: voltage = newValue
            case .current: current = newValue
            case .soc: soc = newValue
            case .temperature: temperature = newValue
            case .humidity: humidity = newValue
            }
        }
    }
}

/// Cell values of one sample, one array per quantity ("columns"), so a whole
/// string's voltages are one contiguous array, as the controller serves them.
public struct CellColumns: Sendable, Equatable {
    public var voltage: [Int32]
    public var resistance: [Int32]
    public var temperature: [Int32]
    public var soc: [Int32]
    public var soh: [Int32]
    public var status: [CellStatus]

    /// Columns for `count` cells, every value n/a.
    public init(count: Int) {
        let missing = [Int32](repeating: Measurement.missing, count: count)
        voltage = missing
        resistance = missing
        temperature = missing
        soc = missing
        soh = missing
        status = [CellStatus](repeating: [], count: count)
    }

    public var count: Int { voltage.count }

    public subscript(quantity: CellQuantity) -> [Int32] {
        get {
            switch quantity {
            case .voltage: voltage
            case .resistance: resistance
            case .temperature: temperature
            case .soc: soc
            case .soh: soh
            }
        }
        set {
            switch quantity {
            case .voltage: voltage = newValue
            case .resistance: resistance = newValue
            case .temperature: temperature = newValue
            case .soc: soc = newValue
            case .soh: soh = newValue
            }
        }
    }
}

/// Everything read from one controller in one successful sweep.
///
/// A sweep is applied whole or not at all, so ``time`` is the timestamp of
/// every value in it.
public struct StringSample: Sendable, Equatable {
    public var stringIndex: Int
    public var time: Date
    public var values: StringValues
    public var cells: CellColumns
    /// Aggregates over the cells, computed once when the sample is made.
    public private(set) var summary: StringSummary

    public init(stringIndex: Int, time: Date, values: StringValues, cells: CellColumns) {
        self.stringIndex = stringIndex
        self.time = time
        self.values = values
        self.cells = cells
        self.summary = StringSummary(cells: cells)
    }
}
