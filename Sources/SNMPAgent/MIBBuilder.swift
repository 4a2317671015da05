public import BatteryModel
import Foundation
public import GatewayConfig
import Storage
public import Alarms
public import Analytics

/// Builds the BTMS-GATEWAY-MIB view (mibs/BTMS-GATEWAY-MIB.txt) from a model snapshot.
public struct MIBBuilder: Sendable {
    /// enterprises.32473 (RFC 5612 documentation number; see the MIB).
    public static let root: [UInt32] = [1, 3, 6, 1, 4, 1, 32473]
    let gatewayId: String
    let version: String
    let alarms: AlarmSettings
    let discharge: DischargeSettings
    /// ENTITY-MIB and BATTERY-MIB served too, and BATTERY-MIB's notifications sent.
    let batteryMib: Bool
    let batteryNotifications: Bool

    public init(gatewayId: String, version: String, alarms: AlarmSettings, discharge: DischargeSettings = .init(),
                batteryMib: Bool = false, batteryNotifications: Bool = false) {
        self.gatewayId = gatewayId
        self.version = version
        self.alarms = alarms
        self.discharge = discharge
        self.batteryMib = batteryMib
        self.batteryNotifications = batteryMib && batteryNotifications
    }

    /// Everything the agent serves; values that are not measured are left out (holes in the tables).
    /// `cellIdentifiers`: BATTERY-MIB's batteryCellIdentifier by string, as the last notification set it.
    public func view(snapshot: ModelSnapshot, activeAlarms: [AlarmRecord], alarmsRaised: UInt32,
                     uptime: Duration, overrides: [String: [AlarmType: AlarmLimit]] = [:], cellIdentifiers: [Int: String] = [:],
                     life: LifeEstimates.Snapshot? = nil) -> MIBView {
        var layout = MIBView.Layout()
        return view(snapshot: snapshot, activeAlarms: activeAlarms, alarmsRaised: alarmsRaised, uptime: uptime, overrides: overrides,
                    cellIdentifiers: cellIdentifiers, life: life, layout: &layout)
    }

    /// The same, reusing the previous build's `layout` (and leaving this build's in it): the
    /// once-a-second rebuild then sorts nothing while the keys stay the same.
    public func view(snapshot: ModelSnapshot, activeAlarms: [AlarmRecord], alarmsRaised: UInt32,
                     uptime: Duration, overrides: [String: [AlarmType: AlarmLimit]] = [:], cellIdentifiers: [Int: String] = [:],
                     life: LifeEstimates.Snapshot? = nil, layout: inout MIBView.Layout) -> MIBView {
        let t = snapshot.topology
        var e = MIBView.Builder(capacity: 32 + t.strings.count * 80 + t.cellCount * 6 + activeAlarms.count * 8, reusing: layout)
        let objects = Self.root + [1]
        var key = objects
        func add(_ path: [UInt32], _ v: SNMPValue) {
            key.removeLast(key.count - objects.count)
            key.append(contentsOf: path)
            e.add(key[...], v)
        }
        func int(_ v: Int32) -> SNMPValue? { Measurement.value(v).map { .integer(Int64($0)) } }
        let upsOf = Dictionary(uniqueKeysWithValues: t.upses.enumerated().map { ($1.id, UInt32($0 + 1)) })
        let stringOf = Dictionary(uniqueKeysWithValues: t.strings.enumerated().map { ($1.id, UInt32($0 + 1)) })

        // Identity
        let ticks = UInt32(clamping: uptime.components.seconds * 100 + uptime.components.attoseconds / 10_000_000_000_000_000)
        for (n, v) in [SNMPValue.string(gatewayId), .string(version), .string(t.siteName), .gauge(UInt32(t.upses.count)),
                       .gauge(UInt32(t.strings.count)), .gauge(UInt32(t.cellCount)), .timeTicks(ticks),
                       .gauge(UInt32(activeAlarms.count)), .counter(alarmsRaised)].enumerated() {
            add([1, UInt32(n + 1), 0], v)
        }

        // UPS table
        for (i, ups) in t.upses.enumerated() {
            let idx = UInt32(i + 1)
            let a = snapshot.aggregate(ups: i)
            let active = activeAlarms.count { $0.upsId == ups.id }
            var cols: [(UInt32, SNMPValue?)] = [(2, .string(ups.id)), (3, .string(ups.name)), (4, .gauge(UInt32(a.stringCount))),
                                                (5, .gauge(UInt32(a.stringsCommLost))), (6, .gauge(UInt32(a.stringsDischarging)))]
            let v = a.cells[.voltage]
            cols += [(7, v.map { .integer(Int64($0.min.value)) }), (8, v.map { .integer(Int64($0.max.value)) }),
                     (9, v.map { .integer(Int64($0.mean.rounded())) }), (10, .gauge(UInt32(active)))]
            for (c, value) in cols { if let value { add([2, 1, c, idx], value) } }
        }

        var effective: [[AlarmType: AlarmLimit]] = []
        // String and cell tables
        for (i, info) in t.strings.enumerated() {
            let idx = UInt32(i + 1)
            let state = snapshot.strings[i]
            var cols: [(UInt32, SNMPValue?)] = [(2, .string(info.id)), (3, .string(info.name)), (4, .gauge(UInt32(info.upsIndex + 1))),
                                                (11, .integer(Self.commStatus(state.quality))), (12, .gauge(UInt32(info.cellCount)))]
            if let s = state.sample {
                let v = s.values
                cols += [(5, int(v.voltage)), (6, int(v.current)), (7, int(v.soc)), (8, int(v.temperature)), (9, int(v.humidity)),
                         (10, .octets(Self.bits(v.status.rawValue, count: 4)))]
                if let stat = s.summary.statistics[.voltage] {
                    cols += [(13, .integer(Int64(stat.min))), (14, .integer(Int64(stat.max))),
                             (15, .integer(Int64((stat.mean ?? 0).rounded()))), (16, .gauge(UInt32(stat.minCell + 1)))]
                }
                let c = s.cells
                for cell in 0..<c.count {
                    let cidx = UInt32(cell + 1)
                    let cellCols: [(UInt32, SNMPValue?)] = [(2, int(c.voltage[cell])), (3, int(c.resistance[cell])),
                                                            (4, int(c.temperature[cell])), (5, int(c.soc[cell])), (6, int(c.soh[cell])),
                                                            (7, .octets(Self.bits(c.status[cell].rawValue, count: 2)))]
                    for (col, value) in cellCols { if let value { add([4, 1, col, idx, cidx], value) } }
                }
            }
            if let life, let cells = life.strings[info.id] {
                for l in cells {
                    for (col, value) in Self.lifeColumns(l, now: life.computedAt) { add([4, 1, col, idx, UInt32(l.cell)], value) }
                }
            }
            for (c, value) in cols { if let value { add([3, 1, c, idx], value) } }

            // Limits in force
            let limits = alarms.limits(forString: info.id).merging(overrides[info.id] ?? [:]) { $1 }
            effective.append(limits)
            for (n, type) in AlarmType.allCases.enumerated() {
                guard let l = limits[type] else { continue }
                let tn = UInt32(n + 1)
                let limitCols: [(UInt32, SNMPValue)] = [(2, .integer(l.enabled ? 1 : 2)), (3, .integer(Int64(l.limit))),
                                                        (4, .integer(Int64(l.hysteresis))), (5, .gauge(Self.ms(l.onDelay))),
                                                        (6, .gauge(Self.ms(l.offDelay))), (7, .integer(l.sms ? 1 : 2)),
                                                        (8, .integer(l.email ? 1 : 2)), (9, .string(Self.unit(type, perCell: true)))]
                for (c, value) in limitCols { add([5, 1, c, idx, tn], value) }
            }
        }

        // Active alarms
        for r in activeAlarms where r.id > 0 && r.id <= Int64(UInt32.max) {
            let id = UInt32(r.id)
            let cols: [(UInt32, SNMPValue?)] = [
                (2, upsOf[r.upsId].map { .gauge($0) }), (3, stringOf[r.stringId].map { .gauge($0) }), (4, .gauge(UInt32(r.cell ?? 0))),
                (5, .integer(Int64(Self.typeNumber(r.type)))), (6, r.value.map { .integer(Int64($0)) }), (7, .integer(Int64(r.limit))),
                (8, .octets(Self.dateAndTime(r.raisedAt))),
                (9, .string("\(r.type.title): \(r.stringId)\(r.cell.map { " cell \($0)" } ?? "")")),
                (10, .string(Self.unit(r.type, perCell: false))),
            ]
            for (c, value) in cols { if let value { add([6, 1, c, id], value) } }
        }
        if batteryMib {
            EntityMIB.add(t, gatewayId: gatewayId, version: version, to: &e)
            BatteryMIB.add(snapshot: snapshot, limits: effective, discharge: discharge, cellIdentifiers: cellIdentifiers, to: &e)
        }
        let built = e.finish()
        layout = built.layout
        return built.view
    }

    /// btmsAlarmRaisedNotification / btmsAlarmClearedNotification for an alarm: trap OID and varbinds,
    /// each instanced by the alarm id (as in the MIB's OBJECTS clauses).
    public func notification(_ r: AlarmRecord, cleared: Bool, topology: Topology) -> (trap: [UInt32], varbinds: [([UInt32], SNMPValue)]) {
        let id = UInt32(clamping: r.id)
        let objects = Self.root + [1]
        let ups = topology.upses.firstIndex { $0.id == r.upsId }.map { UInt32($0 + 1) } ?? 0
        let string = topology.strings.firstIndex { $0.id == r.stringId }.map { UInt32($0 + 1) } ?? 0
        var v: [([UInt32], SNMPValue)] = [
            (objects + [7, 1, id], .gauge(id)),
            (objects + [6, 1, 2, id], .gauge(ups)), (objects + [6, 1, 3, id], .gauge(string)),
            (objects + [6, 1, 4, id], .gauge(UInt32(r.cell ?? 0))), (objects + [6, 1, 5, id], .integer(Int64(Self.typeNumber(r.type)))),
            (objects + [6, 1, 6, id], .integer(Int64(r.value ?? 0))), (objects + [6, 1, 7, id], .integer(Int64(r.limit))),
            (objects + [6, 1, 8, id], .octets(Self.dateAndTime(r.raisedAt))),
        ]
        if cleared, let at = r.clearedAt { v.append((objects + [7, 2, id], .octets(Self.dateAndTime(at)))) }
        v.append((objects + [6, 1, 9, id], .string("\(r.type.title): \(r.stringId)\(r.cell.map { " cell \($0)" } ?? "")")))
        v.append((objects + [6, 1, 10, id], .string(Self.unit(r.type, perCell: false))))
        return (Self.root + [0, cleared ? 2 : 1], v)
    }

    /// The unit of a type's values and limits in ASCII, as the MIB's DisplayString wants: a string
    /// voltage limit in the limit table is per cell, an alarm's value and limit are for the string.
    static func unit(_ t: AlarmType, perCell: Bool) -> String {
        switch t {
        case .stringChargeCurrentHigh, .stringDischargeCurrentHigh: "mA"
        case .stringVoltageHigh, .stringVoltageLow: perCell ? "mV per cell" : "mV"
        case .cellVoltageHigh, .cellVoltageLow: "mV"
        case .cellResistanceHigh: "micro-ohm"
        case .stringSocLow, .cellSocLow, .cellSohLow, .cellOhmicRise: "0.1 percent"
        case .stringTemperatureHigh, .cellTemperatureHigh, .cellThermalRunaway: "0.1 degree Celsius"
        case .cellReplaceSoon: "days"
        case .stringHumidityHigh: "0.1 percent RH"
        case .hallSensor, .commLost: ""
        }
    }

    static func typeNumber(_ t: AlarmType) -> Int { (AlarmType.allCases.firstIndex(of: t) ?? 0) + 1 }

    static func commStatus(_ q: Quality) -> Int64 {
        switch q {
        case .ok: 1
        case .stale: 2
        case .commLost: 3
        case .unknown: 4
        }
    }

    /// SNMP BITS: bit 0 is the most significant bit of the first octet.
    static func bits(_ flags: UInt16, count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: (count + 7) / 8)
        for b in 0..<count where flags & (1 << b) != 0 { out[b / 8] |= 0x80 >> UInt8(b % 8) }
        return out
    }

    static func ms(_ d: Duration) -> UInt32 {
        UInt32(clamping: d.milliseconds)
    }

    /// btmsCellLifeStatus … btmsCellReplaceLatest of one cell (columns 8–12).
    static func lifeColumns(_ l: CellLife, now: Timestamp) -> [(UInt32, SNMPValue)] {
        let status: Int64 = switch l.status {
        case .estimate: 1
        case .due: 2
        case .beyondHorizon: 3
        case .notEnoughHistory: 4
        }
        var out: [(UInt32, SNMPValue)] = [(8, .integer(status))]
        if l.status == .due { out.append((9, .integer(0))) }
        if l.status == .estimate, let date = l.date {
            out.append((9, .integer(max(0, min(3650, (date - now).milliseconds / 86_400_000)))))
            out.append((10, .octets(dateAndTime(date))))
            if let e = l.earliest { out.append((11, .octets(dateAndTime(e)))) }
            if let late = l.latest { out.append((12, .octets(dateAndTime(late)))) }
        }
        return out
    }

    /// SNMPv2-TC DateAndTime in UTC (11 octets).
    static func dateAndTime(_ t: Timestamp) -> [UInt8] {
        let c = t.utc
        return [UInt8(truncatingIfNeeded: c.year >> 8), UInt8(truncatingIfNeeded: c.year), UInt8(c.month), UInt8(c.day), UInt8(c.hour),
                UInt8(c.minute), UInt8(c.second), UInt8(c.millisecond / 100), UInt8(ascii: "+"), 0, 0]
    }
}
