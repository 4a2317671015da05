import BatteryModel
import ConfigSupport

extension GatewayConfig {
    /// A `battery:` block: the plant's default at the top level, a string's own under it (each key
    /// there over the default's).
    /// `also`: keys the block may have besides the battery's (the plant's `strings`, a row's `string`).
    static func loadBattery(_ node: ConfigNode, also: [String] = []) -> BatterySpec {
        node.rejectUnknownKeys(allowed: Set(["technology", "capacityAh", "cellVoltage", "endCellVoltage", "ratedHours", "peukertExponent",
                                             "temperatureCorrection", "replacement"] + also))
        guard node.exists else { return BatterySpec() }
        var b = BatterySpec()
        b.technology = node["technology"].choice(BatteryTechnology.allCases.map(\.rawValue)).flatMap(BatteryTechnology.init)
        b.capacity = node["capacityAh"].double(in: 0.1...100_000).map { Int(($0 * 1000).rounded()) }
        b.cellVoltage = node["cellVoltage"].double(in: 0.5...60).map { Int(($0 * 1000).rounded()) }
        b.endCellVoltage = node["endCellVoltage"].double(in: 0.5...60).map { Int(($0 * 1000).rounded()) }
        b.ratedHours = node["ratedHours"].double(in: 0.05...1000)
        b.peukertExponent = node["peukertExponent"].double(in: 1...2)
        let table = node["temperatureCorrection"]
        if table.exists {
            var rows: [TemperatureFactor] = []
            let elements = table.elements
            for row in elements {
                row.rejectUnknownKeys(allowed: ["celsius", "factor"])
                guard let c = row["celsius"].double(in: -40...80, required: true), let f = row["factor"].double(in: 0.2...5, required: true) else { continue }
                if rows.contains(where: { $0.celsius == c }) { row["celsius"].problem("\(c) °C is listed twice") }
                rows.append(TemperatureFactor(celsius: c, factor: f))
            }
            if elements.isEmpty && table.isList { table.problem("must list at least one { celsius, factor } row") }
            b.temperatureCorrection = rows.sorted { $0.celsius < $1.celsius }
        }
        let r = node["replacement"]
        r.rejectUnknownKeys(allowed: ["capacityPercent", "resistanceRisePercent", "sohPercent"])
        b.replacement = ReplacementThresholds(capacityPercent: r["capacityPercent"].double(in: 1...100),
                                              resistanceRisePercent: r["resistanceRisePercent"].double(in: 1...1000),
                                              sohPercent: r["sohPercent"].double(in: 1...100))
        return b
    }

    /// `battery.strings`: a row per string, `{ string, capacityAh, … }` (the web UI's battery page);
    /// its keys go over the plant's and the string's own block.
    static func loadBatteryRows(_ node: ConfigNode) -> [String: (spec: BatterySpec, node: ConfigNode)] {
        var rows: [String: (BatterySpec, ConfigNode)] = [:]
        for row in node.elements {
            guard let id = row["string"].string(required: true) else { continue }
            if rows[id] != nil { row["string"].problem("'\(id)' has a row already") }
            rows[id] = (loadBattery(row, also: ["string"]), row)
        }
        return rows
    }

    /// The end voltage must be below the nominal one (checked on a string's combined values).
    static func checkBattery(_ b: BatterySpec, _ node: ConfigNode) {
        if let end = b.endCellVoltage, let nominal = b.cellVoltage, end >= nominal {
            node["endCellVoltage"].problem("must be below cellVoltage (\(Double(nominal) / 1000) V)")
        }
    }
}
