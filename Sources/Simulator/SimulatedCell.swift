/// One 12 V monobloc of a simulated string.
struct SimulatedCell: Sendable {
    /// State of charge, 0…1.
    var soc = 1.0
    /// Capacity relative to the string's nominal capacity (cell spread).
    var capacityFactor: Double
    /// Internal resistance when new, Ω.
    var baseResistance: Double
    /// Relative resistance growth per simulated year (a few weak cells age fast).
    var ageingRate: Double
    /// Offset of this cell's float voltage, V (charge imbalance).
    var floatOffset: Double
    /// Offset of this cell's temperature from the room, °C (position in the rack).
    var temperatureOffset: Double
    /// Cell temperature, °C.
    var temperature: Double

    /// Resistance after `years` of service at temperature `temperature`, Ω.
    func resistance(years: Double) -> Double {
        baseResistance * (1 + ageingRate * years) * (1 + 0.008 * (25 - temperature))
    }

    /// State of health from resistance growth: 100 % new, about 80 % at +25 % resistance.
    func stateOfHealth(years: Double) -> Double {
        let growth = ageingRate * years
        return min(1, max(0.3, 1 - 0.8 * growth))
    }

    /// Open-circuit voltage of a 12 V lead-acid block at `soc`, with the knee near empty.
    static func openCircuitVoltage(soc: Double) -> Double {
        let knee = soc < 0.15 ? (0.15 - soc) * 8 : 0
        return 11.7 + 1.1 * soc - knee
    }
}
