/// A quantity measured once per string.
///
/// Values are integers in the gateway's canonical units (see ``unit``); the
/// register map scales controller registers into them.
public enum StringQuantity: String, CaseIterable, Sendable, Codable {
    case voltage, current, soc, temperature, humidity

    /// Canonical unit of the stored integer.
    public var unit: String {
        switch self {
        case .voltage: "mV"
        case .current: "mA"
        case .soc: "0.1 %"
        case .temperature: "0.1 °C"
        case .humidity: "0.1 %RH"
        }
    }

    /// Factor from the stored integer to the display unit (V, A, %, °C, %RH).
    public var displayScale: Double {
        switch self {
        case .voltage, .current: 0.001
        case .soc, .temperature, .humidity: 0.1
        }
    }

    /// Decimals of the display unit that show the measured resolution (mV, mA → 3; 0.1 units → 1).
    public var digits: Int { displayScale == 0.001 ? 3 : 1 }

    /// For people: "voltage", "SoC".
    public var title: String {
        switch self {
        case .voltage: "voltage"
        case .current: "current"
        case .soc: "SoC"
        case .temperature: "temperature"
        case .humidity: "humidity"
        }
    }

    public var displayUnit: String {
        switch self {
        case .voltage: "V"
        case .current: "A"
        case .soc: "%"
        case .temperature: "°C"
        case .humidity: "%RH"
        }
    }
}

/// A quantity measured for every cell (block/monobloc) of a string.
public enum CellQuantity: String, CaseIterable, Sendable, Codable {
    case voltage, resistance, temperature, soc, soh

    public var unit: String {
        switch self {
        case .voltage: "mV"
        case .resistance: "µΩ"
        case .temperature: "0.1 °C"
        case .soc, .soh: "0.1 %"
        }
    }

    public var displayScale: Double {
        switch self {
        case .voltage, .resistance: 0.001
        case .temperature, .soc, .soh: 0.1
        }
    }

    /// Decimals of the display unit that show the measured resolution (mV, µΩ → 3; 0.1 units → 1).
    public var digits: Int { displayScale == 0.001 ? 3 : 1 }

    /// For people: "voltage", "SoH".
    public var title: String {
        switch self {
        case .voltage: "voltage"
        case .resistance: "resistance"
        case .temperature: "temperature"
        case .soc: "SoC"
        case .soh: "SoH"
        }
    }

    public var displayUnit: String {
        switch self {
        case .voltage: "V"
        case .resistance: "mΩ"
        case .temperature: "°C"
        case .soc, .soh: "%"
        }
    }
}

/// Marker for "not measured" in integer value arrays (the register's n/a value).
public enum Measurement {
    public static let missing = Int32.min

    /// The value, or nil when it is the n/a marker.
    @inlinable public static func value(_ raw: Int32) -> Int32? {
        raw == missing ? nil : raw
    }

    /// The value in display units (`scale` 0.001 or 0.1), divided rather than multiplied so that
    /// 13512 mV is exactly 13.512; nil for the n/a marker.
    public static func display(_ raw: Int32, scale: Double) -> Double? {
        value(raw).map { Double($0) / (1 / scale).rounded() }
    }
}

/// Fault flags reported by a string controller.
public struct StringStatus: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let hallSensorFault = StringStatus(rawValue: 1 << 0)
    public static let temperatureSensorFault = StringStatus(rawValue: 1 << 1)
    public static let humiditySensorFault = StringStatus(rawValue: 1 << 2)
    public static let cellBusFault = StringStatus(rawValue: 1 << 3)

    /// Flag names as used in register maps and outputs.
    public static let names: [(String, StringStatus)] = [
        ("hallSensorFault", .hallSensorFault),
        ("temperatureSensorFault", .temperatureSensorFault),
        ("humiditySensorFault", .humiditySensorFault),
        ("cellBusFault", .cellBusFault),
    ]

    public var flagNames: [String] { Self.names.filter { contains($0.1) }.map(\.0) }
}

/// Per-cell flags reported by a string controller.
public struct CellStatus: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let sensorNotAnswering = CellStatus(rawValue: 1 << 0)
    public static let balancing = CellStatus(rawValue: 1 << 1)

    public static let names: [(String, CellStatus)] = [
        ("sensorNotAnswering", .sensorNotAnswering),
        ("balancing", .balancing),
    ]

    public var flagNames: [String] { Self.names.filter { contains($0.1) }.map(\.0) }
}
