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

    public init(technology: BatteryTechnology? = nil, capacity: Int? = nil, cellVoltage: Int? = nil, endCellVoltage: Int? = nil) {
        self.technology = technology
        self.capacity = capacity
        self.cellVoltage = cellVoltage
        self.endCellVoltage = endCellVoltage
    }

    /// The parts of `override` that are set, over these.
    public func overridden(by override: BatterySpec) -> BatterySpec {
        BatterySpec(technology: override.technology ?? technology, capacity: override.capacity ?? capacity,
                    cellVoltage: override.cellVoltage ?? cellVoltage, endCellVoltage: override.endCellVoltage ?? endCellVoltage)
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
