public import BatteryModel
public import ConfigSupport

extension GatewayConfig {
    /// Allowed limit range per type, in display units.
    static func limitRange(_ type: AlarmType) -> ClosedRange<Double> {
        switch type {
        case .stringChargeCurrentHigh, .stringDischargeCurrentHigh: 0.1...10000
        case .stringVoltageHigh, .stringVoltageLow, .cellVoltageHigh, .cellVoltageLow: 0.5...30
        case .cellResistanceHigh: 0.01...1000
        case .stringSocLow, .cellSocLow, .cellSohLow, .stringHumidityHigh: 0...100
        case .stringTemperatureHigh, .cellTemperatureHigh: -40...120
        case .cellOhmicRise: 1...500
        case .cellThermalRunaway: 0.5...100
        case .cellReplaceSoon: 0...3650
        case .hallSensor, .commLost: 0...0
        }
    }

    static func loadAlarms(_ node: ConfigNode, stringIds: Set<String>) -> AlarmSettings {
        var s = AlarmSettings()
        _ = node.keys  // a plain value where a section belongs is reported here
        node.rejectUnknownKeys(allowed: ["baselinePeriod", "defaults", "strings"])
        s.baselinePeriod = node["baselinePeriod"].duration(in: .seconds(60)...(.seconds(365 * 86400)), default: s.baselinePeriod) ?? s.baselinePeriod
        let defaults = node["defaults"]
        defaults.rejectUnknownKeys(allowed: Set(AlarmType.allCases.map(\.rawValue)))
        for type in AlarmType.allCases {
            s.defaults[type] = loadLimit(defaults[type.rawValue], type: type, base: s.defaults[type] ?? AlarmLimit())
        }
        checkOrder(s.defaults, node: defaults)

        let strings = node["strings"]
        for id in strings.keys ?? [] {
            let entry = strings[id]
            guard stringIds.contains(id) else {
                entry.problem("'\(id)' is not a string id defined under strings")
                continue
            }
            entry.rejectUnknownKeys(allowed: Set(AlarmType.allCases.map(\.rawValue)))
            var overrides: [AlarmType: AlarmLimit] = [:]
            for type in AlarmType.allCases where entry[type.rawValue].exists {
                overrides[type] = loadLimit(entry[type.rawValue], type: type, base: s.defaults[type] ?? AlarmLimit())
            }
            s.perString[id] = overrides
            checkOrder(s.limits(forString: id), node: entry)
        }
        return s
    }

    /// One alarm type's settings in display units; missing keys keep `base`.
    static func loadLimit(_ node: ConfigNode, type: AlarmType, base: AlarmLimit) -> AlarmLimit {
        guard node.exists else { return base }
        var allowed: Set<String> = ["enabled", "onDelay", "offDelay", "sms", "email"]
        if type.kind != .flag { allowed.formUnion(["limit", "hysteresis"]) }
        node.rejectUnknownKeys(allowed: allowed)
        guard node.keys != nil else { return base }
        var l = base
        let scale = type.limitUnit.scale
        l.enabled = node["enabled"].bool(default: l.enabled)
        if let v = node["limit"].double(in: limitRange(type)) { l.limit = Int32((v / scale).rounded()) }
        let range = limitRange(type)
        if let v = node["hysteresis"].double(in: 0...(range.upperBound - range.lowerBound) / 2) {
            l.hysteresis = Int32((v / scale).rounded())
        }
        // The clear point must be reachable: limit − hysteresis (high) or + hysteresis (low) inside the range.
        let clearAt = (Double(type.kind == .low ? l.limit + l.hysteresis : l.limit - l.hysteresis)) * scale
        if type.kind != .flag, !range.contains(clearAt) {
            node["hysteresis"].problem("would clear the alarm only at \(type.display(Int32((clearAt / scale).rounded()))), outside \(range.lowerBound)…\(range.upperBound)")
        }
        l.onDelay = node["onDelay"].duration(in: .zero...(.seconds(86400)), default: l.onDelay) ?? l.onDelay
        l.offDelay = node["offDelay"].duration(in: .zero...(.seconds(86400)), default: l.offDelay) ?? l.offDelay
        l.sms = node["sms"].bool(default: l.sms)
        l.email = node["email"].bool(default: l.email)
        return l
    }

    /// Applies `key: value` settings (display units, as in the config file) to `base`, validated like the
    /// configuration; used for run-time overrides. Throws every problem, named after `label`.
    public static func override(_ type: AlarmType, of base: AlarmLimit, settings text: String, label: String,
                                others: [AlarmType: AlarmLimit]) throws(ConfigError) -> AlarmLimit {
        let reader = ConfigReader(file: label)
        guard let root = reader.root(parsing: "\(type.rawValue): {\(text)}") else { throw ConfigError(problems: reader.problems) }
        let limit = loadLimit(root[type.rawValue], type: type, base: base)
        var merged = others
        merged[type] = limit
        checkOrder(merged, node: root)
        try reader.check()
        return limit
    }

    /// A low limit at or above its high limit would leave no normal range.
    static func checkOrder(_ limits: [AlarmType: AlarmLimit], node: ConfigNode) {
        for (low, high) in [(AlarmType.cellVoltageLow, AlarmType.cellVoltageHigh), (.stringVoltageLow, .stringVoltageHigh)] {
            guard let lo = limits[low], let hi = limits[high], lo.enabled, hi.enabled else { continue }
            if lo.limit + lo.hysteresis >= hi.limit - hi.hysteresis {
                let per = low.isCell ? "" : " per cell"
                node[low.rawValue].problem("limit \(low.display(lo.limit))\(per) (+ hysteresis) is not below \(high.rawValue) \(high.display(hi.limit))\(per) (− hysteresis)")
            }
        }
    }

    static func loadDischarge(_ node: ConfigNode) -> DischargeSettings {
        var s = DischargeSettings()
        _ = node.keys  // a plain value where a section belongs is reported here
        node.rejectUnknownKeys(allowed: ["current", "startDelay", "endDelay"])
        if let amps = node["current"].double(in: -10000...(-0.001)) { s.current = Int32((amps * 1000).rounded()) }
        s.startDelay = node["startDelay"].duration(in: .zero...(.seconds(3600)), default: s.startDelay) ?? s.startDelay
        s.endDelay = node["endDelay"].duration(in: .zero...(.seconds(3600)), default: s.endDelay) ?? s.endDelay
        return s
    }
}
