import BatteryModel
import Foundation

/// Physics of one battery string: float charge, discharge, recharge, cell
/// spread, ageing, temperature and humidity. Values come out in the gateway's
/// canonical units, ready to be encoded into registers.
struct SimulatedString: Sendable {
    enum Mode: Sendable, Equatable { case float, discharge, recharge }

    static let floatVoltage = 13.62      // V per 12 V block
    static let floatCurrent = 0.15       // A trickle at full charge
    static let endOfDischarge = 10.5     // V per block: the controller's cut-off

    private(set) var cells: [SimulatedCell]
    let capacityAh: Double
    private(set) var mode = Mode.float
    /// Current through the string, A (> 0 charging).
    private(set) var current = floatCurrent
    /// Requested discharge current, A (0: none).
    var dischargeCommand = 0.0
    /// Simulated seconds since the simulator started.
    private(set) var elapsed = 0.0
    /// Service age at start, years; grows with simulated time.
    private let initialAge: Double
    /// Ageing years per simulated year.
    private let ageingAcceleration: Double
    private let roomOffset: Double
    private let humidityPhase: Double
    private var rng: SplitMix64
    private(set) var humidity = 45.0
    private(set) var roomTemperature = 23.0

    /// - Parameter ageing: configured ageing (the rates of `unit`'s cells); without it, a random
    ///   age of 1.5 to 3.5 years and, in about one string of four, a weak cell 18.
    init(cellCount: Int, seed: UInt64, capacityAh: Double = 100, ageing: SimulatedAgeing? = nil, unit: Int = 0) {
        var rng = SplitMix64(seed: seed)
        self.capacityAh = capacityAh
        let randomAge = 1.5 + 2 * Double.random(in: 0...1, using: &rng)
        initialAge = ageing?.initialAge ?? randomAge
        ageingAcceleration = ageing?.acceleration ?? 1
        let roomOffset = rng.jitter() * 1.5
        self.roomOffset = roomOffset
        humidityPhase = Double.random(in: 0...(2 * .pi), using: &rng)
        // About one string in four has a weak block (cell 18) that ages three to four times as fast:
        // what a monitor is there to find, without flooding a demo with alarms.
        let hasWeakCell = Double.random(in: 0...1, using: &rng) < 0.25
        cells = (0..<cellCount).map { i in
            let weak = ageing == nil && hasWeakCell && i == 17
            let temperatureOffset = rng.jitter() * 0.8
            return SimulatedCell(
                capacityFactor: 1 + rng.jitter() * 0.04 - (weak ? 0.08 : 0),
                baseResistance: 0.0042 * (1 + rng.jitter() * 0.05),
                ageingRate: ageing.map { $0.rate(unit: unit, cell: i + 1) } ?? (weak ? 0.22 : 0.06) * (1 + rng.jitter() * 0.3),
                floatOffset: rng.jitter() * 0.045,
                temperatureOffset: temperatureOffset,
                temperature: 23 + roomOffset + temperatureOffset
            )
        }
        self.rng = rng
    }

    var years: Double { initialAge + elapsed * ageingAcceleration / (365.25 * 86400) }
    var stateOfCharge: Double { cells.map(\.soc).reduce(0, +) / Double(max(1, cells.count)) }

    /// Advances the plant by `dt` simulated seconds.
    mutating func step(dt: Double) {
        guard dt > 0 else { return }
        elapsed += dt
        let day = elapsed / 86400
        roomTemperature = 23 + roomOffset + 1.5 * sin(2 * .pi * day)
        humidity = 45 + 8 * sin(2 * .pi * day + humidityPhase) + rng.jitter() * 0.3

        updateMode()
        let ageYears = years
        for i in cells.indices {
            var c = cells[i]
            let capacity = capacityAh * c.capacityFactor * (0.6 + 0.4 * c.stateOfHealth(years: ageYears))
            c.soc = min(1, max(0, c.soc + current * dt / (3600 * capacity)))
            // First-order thermal model: I²R heating against the room, 1 h time constant.
            let heat = current * current * c.resistance(years: ageYears)
            let target = roomTemperature + c.temperatureOffset + 0.8 * heat
            c.temperature += (target - c.temperature) * min(1, dt / 3600)
            cells[i] = c
        }
    }

    private mutating func updateMode() {
        let minVoltage = cells.indices.map { cellVoltage($0) }.min() ?? 12
        switch mode {
        case .float where dischargeCommand > 0, .recharge where dischargeCommand > 0:
            mode = .discharge
        case .discharge where dischargeCommand <= 0 || minVoltage <= Self.endOfDischarge:
            // The controller's low-voltage cut-off ends a deep discharge by itself.
            dischargeCommand = 0
            mode = .recharge
        case .recharge where stateOfCharge >= 0.999:
            mode = .float
        default:
            break
        }
        switch mode {
        case .discharge: current = -dischargeCommand
        case .recharge: current = max(Self.floatCurrent, 0.1 * capacityAh * min(1, (1 - stateOfCharge) / 0.08 + 0.05))
        case .float: current = Self.floatCurrent + 0.02 * years
        }
    }

    /// Terminal voltage of cell `i`, V.
    func cellVoltage(_ i: Int) -> Double {
        let c = cells[i]
        let r = c.resistance(years: years)
        let ocv = SimulatedCell.openCircuitVoltage(soc: c.soc)
        switch mode {
        case .float:
            return Self.floatVoltage + c.floatOffset
        case .discharge:
            // Polarisation roughly triples the ohmic drop under load.
            return ocv + current * r * 3
        case .recharge:
            return min(14.1 + c.floatOffset, ocv + 0.6 + current * r * 3)
        }
    }

    /// The plant's values in canonical units (what a controller would report).
    mutating func reading() -> (StringValues, CellColumns) {
        var cellsOut = CellColumns(count: cells.count)
        let ageYears = years
        var total = 0.0
        var voltages = [Double](repeating: 0, count: cells.count)
        for i in cells.indices {
            voltages[i] = cellVoltage(i) + rng.jitter() * 0.002
            total += voltages[i]
        }
        let mean = total / Double(max(1, cells.count))
        for (i, c) in cells.enumerated() {
            cellsOut.voltage[i] = Int32((voltages[i] * 1000).rounded())
            cellsOut.resistance[i] = Int32((c.resistance(years: ageYears) * 1e6).rounded())
            cellsOut.temperature[i] = Int32((c.temperature * 10).rounded())
            cellsOut.soc[i] = Int32((c.soc * 1000).rounded())
            cellsOut.soh[i] = Int32((c.stateOfHealth(years: ageYears) * 1000).rounded())
            if mode == .float && voltages[i] > mean + 0.03 { cellsOut.status[i] = .balancing }
        }
        var values = StringValues()
        values.voltage = Int32((total * 1000).rounded())
        values.current = Int32((current * 1000 + rng.jitter() * 20).rounded())
        values.soc = Int32((stateOfCharge * 1000).rounded())
        values.temperature = Int32((roomTemperature * 10).rounded())
        values.humidity = Int32((humidity * 10).rounded())
        return (values, cellsOut)
    }
}
