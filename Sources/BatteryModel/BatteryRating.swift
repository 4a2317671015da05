/// A string's battery data as the analytics use it: the configured data-sheet values, and for
/// each one the configuration leaves out, the documented default for 12 V VRLA blocks
/// (docs/analytics.md). `defaulted` names those, so a report can say what it assumed.
public struct BatteryRating: Sendable, Equatable {
    /// Rated capacity at `ratedHours`, Ah.
    public var capacityAh: Double
    public var ratedHours: Double
    /// Nominal and end-of-discharge voltage of one monitored cell or block, V.
    public var cellVoltage: Double
    public var endCellVoltage: Double
    public var peukertExponent: Double
    public var temperatureCorrection: [TemperatureFactor]
    public var capacityReplacePercent: Double
    public var resistanceRisePercent: Double
    public var sohReplacePercent: Double
    /// Configuration keys whose default was taken, e.g. `capacityAh`.
    public var defaulted: [String]

    /// The rated current: the capacity over the rated time, A.
    public var ratedCurrent: Double { capacityAh / ratedHours }

    public init(_ spec: BatterySpec) {
        var defaulted: [String] = []
        func value<T>(_ v: T?, _ key: String, _ fallback: T) -> T {
            if let v { return v }
            defaulted.append(key)
            return fallback
        }
        capacityAh = value(spec.capacity.map { Double($0) / 1000 }, "capacityAh", Self.vrla.capacityAh)
        ratedHours = value(spec.ratedHours, "ratedHours", Self.vrla.ratedHours)
        cellVoltage = value(spec.cellVoltage.map { Double($0) / 1000 }, "cellVoltage", Self.vrla.cellVoltage)
        // 1.75 V per 2 V lead-acid cell, whatever the monitored unit is (a cell or a block).
        endCellVoltage = value(spec.endCellVoltage.map { Double($0) / 1000 }, "endCellVoltage", cellVoltage * 1.75 / 2)
        peukertExponent = value(spec.peukertExponent, "peukertExponent", Self.vrla.peukertExponent)
        temperatureCorrection = value(spec.temperatureCorrection, "temperatureCorrection", TemperatureFactor.ieee450)
        capacityReplacePercent = value(spec.replacement.capacityPercent, "replacement.capacityPercent", Self.vrla.capacityReplacePercent)
        resistanceRisePercent = value(spec.replacement.resistanceRisePercent, "replacement.resistanceRisePercent",
                                      Self.vrla.resistanceRisePercent)
        sohReplacePercent = value(spec.replacement.sohPercent, "replacement.sohPercent", Self.vrla.sohReplacePercent)
        self.defaulted = defaulted
    }

    /// The defaults: a 12 V, 100 Ah (C10) VRLA AGM block, replaced below 80 % capacity (IEEE 450),
    /// at +50 % internal resistance over its baseline (IEEE 1188's usual trigger for investigation
    /// and replacement) or at 80 % SoH.
    static let vrla = (capacityAh: 100.0, ratedHours: 10.0, cellVoltage: 12.0, peukertExponent: 1.10,
                       capacityReplacePercent: 80.0, resistanceRisePercent: 50.0, sohReplacePercent: 80.0)

    /// IEEE 450's factor at `celsius`, interpolated linearly in the table and held at its ends.
    public func temperatureFactor(celsius: Double) -> Double {
        TemperatureFactor.interpolate(temperatureCorrection, at: celsius)
    }
}

extension TemperatureFactor {
    /// Linear interpolation in a table sorted or not; the end rows hold beyond the ends; 1 when empty.
    public static func interpolate(_ table: [TemperatureFactor], at celsius: Double) -> Double {
        let rows = table.sorted { $0.celsius < $1.celsius }
        guard let first = rows.first, let last = rows.last else { return 1 }
        if celsius <= first.celsius { return first.factor }
        if celsius >= last.celsius { return last.factor }
        for (a, b) in zip(rows, rows.dropFirst()) where celsius <= b.celsius {
            let f = (celsius - a.celsius) / (b.celsius - a.celsius)
            return a.factor + f * (b.factor - a.factor)
        }
        return last.factor
    }
}
