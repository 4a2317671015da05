/// What a string's batteries are, from their data sheet: what BATTERY-MIB's description columns
/// serve and what a capacity test is measured against. Every part is optional; an unknown one is
/// said to be unknown (never guessed).
public struct BatterySpec: Sendable, Equatable {
    public var technology: BatteryTechnology?
    /// Rated capacity of the string, mAh.
    public var capacity: Int?
    /// Nominal voltage of one monitored cell (a 2 V cell or a 12 V block), mV.
    public var cellVoltage: Int?
    /// End-of-discharge voltage of one monitored cell, mV: below it the string is exhausted.
    public var endCellVoltage: Int?
    /// The discharge time the rated capacity is given for (C10: 10 h), hours.
    public var ratedHours: Double?
    /// Peukert exponent: how the runtime shortens at currents above the rated one.
    public var peukertExponent: Double?
    /// Capacity-test temperature correction (IEEE 450's K_T), by cell temperature.
    public var temperatureCorrection: [TemperatureFactor]?
    /// When a string or a cell is due for replacement.
    public var replacement = ReplacementThresholds()

    public init(technology: BatteryTechnology? = nil, capacity: Int? = nil, cellVoltage: Int? = nil, endCellVoltage: Int? = nil,
                ratedHours: Double? = nil, peukertExponent: Double? = nil, temperatureCorrection: [TemperatureFactor]? = nil,
                replacement: ReplacementThresholds = ReplacementThresholds()) {
        self.technology = technology
        self.capacity = capacity
        self.cellVoltage = cellVoltage
        self.endCellVoltage = endCellVoltage
        self.ratedHours = ratedHours
        self.peukertExponent = peukertExponent
        self.temperatureCorrection = temperatureCorrection
        self.replacement = replacement
    }

    /// The parts of `override` that are set, over these.
    public func overridden(by override: BatterySpec) -> BatterySpec {
        BatterySpec(technology: override.technology ?? technology, capacity: override.capacity ?? capacity,
                    cellVoltage: override.cellVoltage ?? cellVoltage, endCellVoltage: override.endCellVoltage ?? endCellVoltage,
                    ratedHours: override.ratedHours ?? ratedHours, peukertExponent: override.peukertExponent ?? peukertExponent,
                    temperatureCorrection: override.temperatureCorrection ?? temperatureCorrection,
                    replacement: replacement.overridden(by: override.replacement))
    }
}

/// One row of a temperature-correction table: the factor a capacity-test time is divided by.
public struct TemperatureFactor: Sendable, Equatable, Codable {
    /// Cell (electrolyte) temperature, °C.
    public var celsius: Double
    public var factor: Double

    public init(celsius: Double, factor: Double) {
        (self.celsius, self.factor) = (celsius, factor)
    }
}

/// Replacement criteria: a string below `capacityPercent` in a capacity test; a cell whose
/// resistance rose `resistanceRisePercent` over its baseline or whose SoH fell to `sohPercent`.
public struct ReplacementThresholds: Sendable, Equatable {
    public var capacityPercent: Double?
    public var resistanceRisePercent: Double?
    public var sohPercent: Double?

    public init(capacityPercent: Double? = nil, resistanceRisePercent: Double? = nil, sohPercent: Double? = nil) {
        (self.capacityPercent, self.resistanceRisePercent, self.sohPercent) = (capacityPercent, resistanceRisePercent, sohPercent)
    }

    public func overridden(by o: ReplacementThresholds) -> ReplacementThresholds {
        ReplacementThresholds(capacityPercent: o.capacityPercent ?? capacityPercent,
                              resistanceRisePercent: o.resistanceRisePercent ?? resistanceRisePercent, sohPercent: o.sohPercent ?? sohPercent)
    }
}

/// Battery chemistries of stationary plants, with their number in IANA's "Battery Technologies"
/// registry (RFC 7577 section 3.2), the value BATTERY-MIB's `batteryTechnology` carries.
public enum BatteryTechnology: String, CaseIterable, Sendable {
    /// Flooded (vented) lead-acid.
    case leadAcid
    case vrlaGel
    case vrlaAGM
    case nickelCadmium
    case nickelMetalHydride
    case nickelZinc
    case lithiumIon
    /// LiFePO4: a lithium-ion chemistry the registry has no number of its own for.
    case lithiumIronPhosphate
    case lithiumPolymer
    case other

    /// The IANA registry number.
    public var ianaNumber: UInt32 {
        switch self {
        case .leadAcid: 12
        case .vrlaGel: 13
        case .vrlaAGM: 14
        case .nickelCadmium: 15
        case .nickelMetalHydride: 16
        case .nickelZinc: 17
        case .lithiumIon, .lithiumIronPhosphate: 18
        case .lithiumPolymer: 19
        case .other: 2
        }
    }
}
