public import BatteryModel

/// Public face of one simulated string's physics, for synthetic data (benchmarks)
/// without a Modbus server.
public struct PlantPhysics: Sendable {
    private var string: SimulatedString

    public init(cellCount: Int, seed: UInt64) {
        string = SimulatedString(cellCount: cellCount, seed: seed)
    }

    /// The physics of `unit`'s string as the plant simulator makes it (same seed, same ageing).
    public init(unit: Int, cellCount: Int, seed: UInt64, ageing: SimulatedAgeing?) {
        string = SimulatedString(cellCount: cellCount, seed: seed &+ UInt64(unit) &* 7919, ageing: ageing, unit: unit)
    }

    public var dischargeAmps: Double {
        get { string.dischargeCommand }
        set { string.dischargeCommand = newValue }
    }

    public mutating func step(dt: Double) {
        string.step(dt: dt)
    }

    public mutating func reading() -> (StringValues, CellColumns) {
        string.reading()
    }
}
