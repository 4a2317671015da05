public import BatteryModel

/// Public face of one simulated string's physics, for synthetic data (benchmarks)
/// without a Modbus server.
public struct PlantPhysics: Sendable {
    private var string: SimulatedString

    public init(cellCount: Int, seed: UInt64) {
        string = SimulatedString(cellCount: cellCount, seed: seed)
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
