import Foundation

/// Every kind of alarm the gateway raises.
///
/// Limits are integers in the canonical unit of the quantity watched
/// (``limitUnit``); string voltage limits are per cell and scale with the
/// string's cell count.
public enum AlarmType: String, CaseIterable, Sendable, Codable, Hashable {
    case stringChargeCurrentHigh
    case stringDischargeCurrentHigh
    case stringVoltageHigh
    case stringVoltageLow
    case stringSocLow
    case hallSensor
    case stringTemperatureHigh
    case stringHumidityHigh
    case commLost
    case cellVoltageHigh
    case cellVoltageLow
    case cellResistanceHigh
    case cellSocLow
    case cellSohLow
    case cellTemperatureHigh
    /// Cell resistance above its own baseline by `limit` (0.1 %), IEEE 1188 practice.
    case cellOhmicRise
    /// Cell temperature above its string's (ambient) temperature by `limit` (0.1 °C).
    case cellThermalRunaway
    /// A cell's remaining-life estimate within `limit` days, or due (docs/analytics.md). Off by default.
    case cellReplaceSoon

    public enum Kind: Sendable { case high, low, flag }

    /// Raised by one cell (the alarm names the cell) rather than by the string.
    public var isCell: Bool { rawValue.hasPrefix("cell") }

    public var kind: Kind {
        switch self {
        case .hallSensor, .commLost: .flag
        case .stringVoltageLow, .stringSocLow, .cellVoltageLow, .cellSocLow, .cellSohLow, .cellReplaceSoon: .low
        default: .high
        }
    }

    public var title: String {
        switch self {
        case .stringChargeCurrentHigh: "String charge current high"
        case .stringDischargeCurrentHigh: "String discharge current high"
        case .stringVoltageHigh: "String voltage high"
        case .stringVoltageLow: "String voltage low"
        case .stringSocLow: "String SoC low"
        case .hallSensor: "Hall sensor alarm"
        case .stringTemperatureHigh: "String temperature high"
        case .stringHumidityHigh: "String humidity high"
        case .commLost: "Controller communication lost"
        case .cellVoltageHigh: "Cell voltage high"
        case .cellVoltageLow: "Cell voltage low"
        case .cellResistanceHigh: "Cell resistance high"
        case .cellSocLow: "Cell SoC low"
        case .cellSohLow: "Cell SoH low"
        case .cellTemperatureHigh: "Cell temperature high"
        case .cellOhmicRise: "Cell resistance above baseline"
        case .cellThermalRunaway: "Cell temperature above ambient (thermal runaway)"
        case .cellReplaceSoon: "Cell due for replacement soon"
        }
    }

    /// Canonical unit of value and limit; the display unit and factor for people.
    public var limitUnit: (canonical: String, display: String, scale: Double) {
        switch self {
        case .stringChargeCurrentHigh, .stringDischargeCurrentHigh: ("mA", "A", 0.001)
        case .stringVoltageHigh, .stringVoltageLow: ("mV per cell", "V per cell", 0.001)
        case .cellVoltageHigh, .cellVoltageLow: ("mV", "V", 0.001)
        case .cellResistanceHigh: ("µΩ", "mΩ", 0.001)
        case .stringSocLow, .cellSocLow, .cellSohLow: ("0.1 %", "%", 0.1)
        case .stringTemperatureHigh, .cellTemperatureHigh, .cellThermalRunaway: ("0.1 °C", "°C", 0.1)
        case .stringHumidityHigh: ("0.1 %RH", "%RH", 0.1)
        case .cellOhmicRise: ("0.1 %", "%", 0.1)
        case .cellReplaceSoon: ("days", "days", 1)
        case .hallSensor, .commLost: ("", "", 1)
        }
    }
}

extension AlarmType {
    /// Decimals of the display unit at the canonical unit's resolution (mV → 3, 0.1 °C → 1).
    public var digits: Int { limitUnit.scale == 0.001 ? 3 : limitUnit.scale == 0.1 ? 1 : 0 }

    /// A stored value or limit in its display unit, at the resolution it is measured in ("14.800").
    public func number(_ value: some BinaryInteger) -> String {
        // Divided, as in Measurement.display, so that 13512 is exactly 13.512.
        DecimalText.format(Double(value) / (1 / limitUnit.scale).rounded(), digits: digits)
    }

    /// A stored value or limit for people, with its unit: "14.800 V", "35.2 °C" (a string voltage per cell in V).
    public func display(_ value: Int32) -> String {
        let u = limitUnit
        guard !u.display.isEmpty else { return "" }
        return number(value) + " " + u.display.replacingOccurrences(of: " per cell", with: "")
    }
}

/// How one alarm type is raised and cleared for one string, and who is told.
public struct AlarmLimit: Sendable, Equatable {
    public var enabled: Bool
    /// Canonical units of the type (see ``AlarmType/limitUnit``); unused by flag alarms.
    public var limit: Int32
    /// Distance back inside the limit before an active alarm clears.
    public var hysteresis: Int32
    /// How long the condition must hold before the alarm is raised.
    public var onDelay: Duration
    /// How long the condition must be gone before the alarm clears.
    public var offDelay: Duration
    public var sms: Bool
    public var email: Bool

    public init(enabled: Bool = true, limit: Int32 = 0, hysteresis: Int32 = 0, onDelay: Duration = .seconds(10),
                offDelay: Duration = .seconds(10), sms: Bool = false, email: Bool = true) {
        self.enabled = enabled
        self.limit = limit
        self.hysteresis = hysteresis
        self.onDelay = onDelay
        self.offDelay = offDelay
        self.sms = sms
        self.email = email
    }

    /// Factory defaults for 12 V VRLA monoblocs (what a new installation starts from).
    public static let defaults: [AlarmType: AlarmLimit] = [
        .stringChargeCurrentHigh: .init(limit: 25_000, hysteresis: 2_000),
        .stringDischargeCurrentHigh: .init(limit: 150_000, hysteresis: 5_000, onDelay: .seconds(2)),
        .stringVoltageHigh: .init(limit: 14_100, hysteresis: 50),
        .stringVoltageLow: .init(limit: 12_000, hysteresis: 100),
        .stringSocLow: .init(limit: 500, hysteresis: 50, sms: true),
        .hallSensor: .init(onDelay: .seconds(5)),
        .stringTemperatureHigh: .init(limit: 300, hysteresis: 10, onDelay: .seconds(60)),
        .stringHumidityHigh: .init(limit: 800, hysteresis: 30, onDelay: .seconds(60)),
        .commLost: .init(onDelay: .zero, offDelay: .zero, sms: true),
        .cellVoltageHigh: .init(limit: 14_400, hysteresis: 50, onDelay: .seconds(30)),
        .cellVoltageLow: .init(limit: 11_500, hysteresis: 200),
        // No absolute resistance suits every battery (4 mΩ for a 200 Ah block, 16 mΩ for a 40 Ah one):
        // off until set for the installed blocks; cellOhmicRise (rise over each cell's own baseline) works without it.
        .cellResistanceHigh: .init(enabled: false, limit: 30_000, hysteresis: 500, onDelay: .seconds(60)),
        .cellSocLow: .init(limit: 300, hysteresis: 50),
        .cellSohLow: .init(limit: 600, hysteresis: 10, onDelay: .seconds(60)),
        .cellTemperatureHigh: .init(limit: 350, hysteresis: 10, onDelay: .seconds(30), sms: true),
        .cellOhmicRise: .init(limit: 200, hysteresis: 20, onDelay: .seconds(60)),
        .cellThermalRunaway: .init(limit: 80, hysteresis: 10, onDelay: .seconds(30), sms: true),
        // An estimate, not a measurement: off until the battery data is set (docs/analytics.md).
        .cellReplaceSoon: .init(enabled: false, limit: 90, hysteresis: 7, onDelay: .zero, offDelay: .zero),
    ]
}

/// JSON of the settings store: canonical units, delays in milliseconds; missing keys keep the defaults.
extension AlarmLimit: Codable {
    enum CodingKeys: String, CodingKey {
        case enabled, limit, hysteresis, onDelayMs, offDelayMs, sms, email
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? enabled
        limit = try c.decodeIfPresent(Int32.self, forKey: .limit) ?? limit
        hysteresis = try c.decodeIfPresent(Int32.self, forKey: .hysteresis) ?? hysteresis
        if let ms = try c.decodeIfPresent(Int64.self, forKey: .onDelayMs) { onDelay = .milliseconds(max(0, ms)) }
        if let ms = try c.decodeIfPresent(Int64.self, forKey: .offDelayMs) { offDelay = .milliseconds(max(0, ms)) }
        sms = try c.decodeIfPresent(Bool.self, forKey: .sms) ?? sms
        email = try c.decodeIfPresent(Bool.self, forKey: .email) ?? email
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(enabled, forKey: .enabled)
        try c.encode(limit, forKey: .limit)
        try c.encode(hysteresis, forKey: .hysteresis)
        try c.encode(onDelay.milliseconds, forKey: .onDelayMs)
        try c.encode(offDelay.milliseconds, forKey: .offDelayMs)
        try c.encode(sms, forKey: .sms)
        try c.encode(email, forKey: .email)
    }
}
