public import BatteryModel

/// Alarm limits: factory defaults, the configuration's defaults, and per-string overrides.
public struct AlarmSettings: Sendable, Equatable {
    public var defaults: [AlarmType: AlarmLimit] = AlarmLimit.defaults
    /// String id → complete limits of the types overridden for that string.
    public var perString: [String: [AlarmType: AlarmLimit]] = [:]
    /// How long after commissioning (first sample, or a reset) the resistance baseline is averaged.
    public var baselinePeriod: Duration = .seconds(7 * 86400)

    public init() {}

    /// Effective limits of one string.
    public func limits(forString id: String) -> [AlarmType: AlarmLimit] {
        defaults.merging(perString[id] ?? [:]) { _, override in override }
    }
}

/// Discharge detection from string current.
public struct DischargeSettings: Sendable, Equatable {
    /// mA; below this (negative: discharging) a string discharges. Also switches history to fast logging.
    public var current: Int32 = -2000
    /// The current must stay below the threshold this long before an event starts (at its first sample below).
    public var startDelay: Duration = .seconds(10)
    /// … and back above it this long before the event ends (at its first sample above).
    public var endDelay: Duration = .seconds(30)

    public init() {}
}
