import Alarms
import BatteryModel
import GatewayConfig

/// RFC 7577 BATTERY-MIB: one batteryTable row per string (indexed by its ENTITY-MIB
/// entPhysicalIndex), and its notifications from our alarms. What cannot be known is served as
/// the MIB's own "unknown" value (0, 'ffffffff'H or '7fffffff'H), so every row is complete.
enum BatteryMIB {
    static let root: [UInt32] = [1, 3, 6, 1, 2, 1, 233]
    static let entry = root + [1, 1, 1]
    static let unknownUnsigned: UInt32 = 0xFFFF_FFFF
    static let unknownInteger: Int64 = 0x7FFF_FFFF

    /// batteryChargingOperState.
    enum ChargingState: Int64 { case unknown = 1, charging, maintainingCharge, noCharging, discharging }

    /// The notifications we send (batteryNotifications 2–5).
    enum Notification: UInt32 {
        case low = 2, critical, temperature, aging
    }

    /// From the current: below the discharge threshold discharging; above its magnitude charging
    /// (a recharge); a small positive current is a float charge (maintaining); else none.
    static func chargingState(_ v: StringValues?, discharge: DischargeSettings) -> ChargingState {
        guard let current = v.flatMap({ Measurement.value($0.current) }) else { return .unknown }
        if current <= discharge.current { return .discharging }
        if current >= -discharge.current { return .charging }
        return current > 0 ? .maintainingCharge : .noCharging
    }

    /// Full-charge capacity now: the rated one times the weakest cell's state of health (a series
    /// string holds no more than its weakest cell), mAh.
    static func actualCapacity(_ s: Topology.BatteryString, _ sample: StringSample?) -> Int64? {
        guard let rated = s.battery.capacity, let soh = sample?.cells.soh.compactMap({ Measurement.value($0) }).min() else { return nil }
        return Int64(rated) * Int64(soh) / 1000
    }

    /// Charge held now: state of charge times the actual capacity (the rated one when no cell
    /// reports its health), mAh.
    static func actualCharge(_ s: Topology.BatteryString, _ sample: StringSample?) -> Int64? {
        guard let soc = sample.flatMap({ Measurement.value($0.values.soc) }),
              let capacity = actualCapacity(s, sample) ?? s.battery.capacity.map(Int64.init) else { return nil }
        return capacity * Int64(max(0, soc)) / 1000
    }

    /// The latest sample, unless the controller is lost (the MIB has no column to say a value is old).
    static func sample(_ snapshot: ModelSnapshot, _ i: Int) -> StringSample? {
        snapshot.strings[i].quality == .commLost ? nil : snapshot.strings[i].sample
    }

    static func unsigned(_ v: Int64?) -> SNMPValue { .gauge(v.map { UInt32(clamping: $0) } ?? unknownUnsigned) }

    /// Every column of every string's row.
    static func add(snapshot: ModelSnapshot, limits: [[AlarmType: AlarmLimit]], discharge: DischargeSettings,
                    cellIdentifiers: [Int: String], to e: inout MIBView.Builder) {
        for (i, s) in snapshot.topology.strings.enumerated() {
            let sample = sample(snapshot, i)
            let v = sample?.values
            let b = s.battery
            let l = i < limits.count ? limits[i] : [:]
            func on(_ t: AlarmType) -> Int64? { l[t].flatMap { $0.enabled ? Int64($0.limit) : nil } }
            // A threshold in mAh needs the capacity: absent without it (0 would say "no alarm").
            let lowCharge: SNMPValue? = b.capacity.map { c in .gauge(UInt32(clamping: on(.stringSocLow).map { $0 * Int64(c) / 1000 } ?? 0)) }
            let lowCapacity: SNMPValue? = b.capacity.map { c in .gauge(UInt32(clamping: on(.cellSohLow).map { $0 * Int64(c) / 1000 } ?? 0)) }
            let cols: [(UInt32, SNMPValue?)] = [
                (1, .string(s.id)), (2, .string("")), (3, .integer(4)),  // rechargeable(4)
                (4, .gauge(b.technology?.ianaNumber ?? 1)),
                (5, .gauge(UInt32(clamping: (b.cellVoltage ?? 0) * s.cellCount))), (6, .gauge(UInt32(s.cellCount))),
                (7, .gauge(UInt32(clamping: b.capacity ?? 0))), (8, .gauge(0)), (9, .gauge(0)),
                (10, unsigned(actualCapacity(s, sample))),
                // Cycles of the design capacity and their time are not counted.
                (11, .gauge(unknownUnsigned)), (12, .octets([UInt8](repeating: 0, count: 8))),
                (13, .integer(chargingState(v, discharge: discharge).rawValue)), (14, .integer(1)),  // notSet(1): no charger control
                (15, unsigned(actualCharge(s, sample))),
                (16, unsigned(v.flatMap { Measurement.value($0.voltage) }.map { Int64(max(0, $0)) })),
                (17, .integer(v.flatMap { Measurement.value($0.current) }.map(Int64.init) ?? unknownInteger)),
                (18, .integer(v.flatMap { Measurement.value($0.temperature) }.map(Int64.init) ?? unknownInteger)),
                (19, lowCharge), (20, .gauge(UInt32(clamping: (on(.stringVoltageLow) ?? 0) * Int64(s.cellCount)))),
                (21, lowCapacity), (22, .gauge(0)),
                (23, .integer(on(.stringTemperatureHigh) ?? unknownInteger)), (24, .integer(unknownInteger)),
                (25, .string(cellIdentifiers[i] ?? "")),
            ]
            let index = EntityMIB.index(string: i)
            for (c, value) in cols { if let value { e.add((entry + [c, index])[...], value) } }
        }
    }

    /// Which notification an alarm raises, if any: low voltage or charge is low, critical at or
    /// below the end-of-discharge voltage; temperatures (of the string, a cell, or a cell above
    /// its ambient) are temperature; a cell's health, resistance or ohmic rise is aging.
    static func kind(of r: AlarmRecord, string s: Topology.BatteryString) -> Notification? {
        switch r.type {
        case .stringVoltageLow, .cellVoltageLow:
            let end = s.battery.endCellVoltage.map { r.type == .cellVoltageLow ? $0 : $0 * s.cellCount }
            if let end, let value = r.value, Int(value) <= end { return .critical }
            return .low
        case .stringSocLow, .cellSocLow: return .low
        case .stringTemperatureHigh, .cellTemperatureHigh, .cellThermalRunaway: return .temperature
        case .cellSohLow, .cellResistanceHigh, .cellOhmicRise, .cellReplaceSoon: return .aging
        default: return nil
        }
    }

    /// batteryCellIdentifier of a notification: the cell, or empty for the whole string.
    static func cellIdentifier(_ r: AlarmRecord) -> String { r.cell.map { "cell \($0)" } ?? "" }

    /// The notification's OID and varbinds (the objects of its OBJECTS clause, instanced by the
    /// string's entPhysicalIndex), values as the row has them now.
    static func notification(_ kind: Notification, string i: Int, cell: String, snapshot: ModelSnapshot)
        -> (trap: [UInt32], varbinds: [([UInt32], SNMPValue)]) {
        let s = snapshot.topology.strings[i]
        let sample = sample(snapshot, i)
        let index = EntityMIB.index(string: i)
        func column(_ c: UInt32) -> [UInt32] { entry + [c, index] }
        let v = sample?.values
        let charge = (column(15), unsigned(actualCharge(s, sample)))
        let voltage = (column(16), unsigned(v.flatMap { Measurement.value($0.voltage) }.map { Int64(max(0, $0)) }))
        let cellId = (column(25), SNMPValue.string(cell))
        let varbinds: [([UInt32], SNMPValue)] = switch kind {
        case .low, .critical: [charge, voltage, cellId]
        case .temperature: [(column(18), .integer(v.flatMap { Measurement.value($0.temperature) }.map(Int64.init) ?? unknownInteger)), cellId]
        case .aging: [(column(10), unsigned(actualCapacity(s, sample))), (column(11), .gauge(unknownUnsigned)), cellId]
        }
        return (root + [0, kind.rawValue], varbinds)
    }
}
