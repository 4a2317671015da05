import Alarms
import BatteryModel
import GatewayConfig
import Storage
import Synchronization

/// What the bar graphs need of the alarms: which bars are in alarm, and the limits to draw.
extension PlantRoutes {
    struct AlarmView: Sendable {
        var active: [AlarmRecord] = []
        /// Effective limits per string id (configuration and run-time overrides).
        var limits: [String: [AlarmType: AlarmLimit]] = [:]

        func inAlarm(string: String, cell: Int? = nil, _ types: [AlarmType]) -> BarChart.State {
            active.contains { $0.stringId == string && types.contains($0.type) && (cell == nil || $0.cell == cell) } ? .alarm : .normal
        }

        /// The enabled limits of `types` for these strings, in display units; a line only where every
        /// string has the same value (string voltage limits are per cell, times each string's cells).
        func lines(_ types: [AlarmType], strings: [(id: String, cells: Int)], sign: (AlarmType) -> Double = { _ in 1 }) -> [BarChart.Limit] {
            types.compactMap { type in
                let values = strings.map { s -> Double? in
                    guard let l = limits[s.id]?[type], l.enabled else { return nil }
                    let perCell = type == .stringVoltageHigh || type == .stringVoltageLow ? Double(s.cells) : 1
                    return sign(type) * (Measurement.display(l.limit, scale: type.limitUnit.scale) ?? 0) * perCell
                }
                guard let first = values.first, let value = first, values.allSatisfy({ $0 == value }) else { return nil }
                return BarChart.Limit(title: type.kind == .low ? "low limit" : "high limit", value: value)
            }
        }
    }

    /// Read at most every 2 s (the pages refresh every 5 s): 50 clients loading pages at once would
    /// otherwise queue behind each other and the recorder on the database.
    func alarmView() async throws -> AlarmView {
        if let fresh = alarmCache.fresh(maxAge: .seconds(2)) { return fresh }
        let ids = model.topology.strings.map(\.id)
        var view = try await store.run { AlarmView(active: try AlarmLog(db: $0.db).list(.site, activeOnly: true, limit: 100_000)) }
        for id in ids { view.limits[id] = limits.effective(forString: id) }
        alarmCache.store(view)
        return view
    }

    /// The alarm types that watch a strings-table bar.
    static func stringBarTypes(_ key: String) -> [AlarmType] {
        switch key {
        case "voltage": [.stringVoltageHigh, .stringVoltageLow]
        case "current": [.stringChargeCurrentHigh, .stringDischargeCurrentHigh]
        case "soc": [.stringSocLow]
        case "temperature": [.stringTemperatureHigh]
        case "humidity": [.stringHumidityHigh]
        case "cellVoltageMin": [.cellVoltageLow]
        case "cellVoltageMax": [.cellVoltageHigh]
        default: []
        }
    }

    /// The alarm types that watch a cells-table bar.
    static func cellBarTypes(_ column: CellTable.Column) -> [AlarmType] {
        switch column {
        case .voltage: [.cellVoltageHigh, .cellVoltageLow]
        case .resistance: [.cellResistanceHigh]
        case .temperature: [.cellTemperatureHigh]
        case .soc: [.cellSocLow]
        case .soh: [.cellSohLow]
        case .cell, .life: []
        }
    }
}

/// The last alarm view of the real-time pages and when it was read.
final class AlarmViewCache: Sendable {
    private let last = Mutex<(at: ContinuousClock.Instant, view: PlantRoutes.AlarmView)?>(nil)

    func fresh(maxAge: Duration) -> PlantRoutes.AlarmView? {
        last.withLock { l in l.flatMap { ContinuousClock.now - $0.at <= maxAge ? $0.view : nil } }
    }

    func store(_ view: PlantRoutes.AlarmView) {
        last.withLock { $0 = (.now, view) }
    }
}
