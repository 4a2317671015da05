import BatteryModel
import ConfigSupport

extension GatewayConfig {
    /// A `battery:` block: the plant's default at the top level, a string's own under it (each key
    /// there over the default's).
    static func loadBattery(_ node: ConfigNode) -> BatterySpec {
        node.rejectUnknownKeys(allowed: ["technology", "capacityAh", "cellVoltage", "endCellVoltage"])
        guard node.exists else { return BatterySpec() }
        var b = BatterySpec()
        b.technology = node["technology"].choice(BatteryTechnology.allCases.map(\.rawValue)).flatMap(BatteryTechnology.init)
        b.capacity = node["capacityAh"].double(in: 0.1...100_000).map { Int(($0 * 1000).rounded()) }
        b.cellVoltage = node["cellVoltage"].double(in: 0.5...60).map { Int(($0 * 1000).rounded()) }
        b.endCellVoltage = node["endCellVoltage"].double(in: 0.5...60).map { Int(($0 * 1000).rounded()) }
        return b
    }

    /// The end voltage must be below the nominal one (checked on a string's combined values).
    static func checkBattery(_ b: BatterySpec, _ node: ConfigNode) {
        if let end = b.endCellVoltage, let nominal = b.cellVoltage, end >= nominal {
            node["endCellVoltage"].problem("must be below cellVoltage (\(Double(nominal) / 1000) V)")
        }
    }
}
