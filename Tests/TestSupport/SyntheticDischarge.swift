import Alarms
public import BatteryModel
import Foundation
public import Storage

/// A capacity test with known numbers, written as the gateway logs one: 24 × 2 V cells rated
/// 100 Ah at 10 h to 1.75 V per cell (rated current 10 A), cells at 30 °C. Float before the start;
/// then 10 A for 9.5 h: the string voltage reaches 24 × 1.75 V = 42.0 V at exactly 9 h; cell 7
/// (floating low) reaches 1.75 V at 7 h, cell 13 at 8 h, no other cell at all.
/// By hand: t_a 9 h, t_s 10 h, K_T(30 °C = 86 °F) 1.045: capacity 9 / (10 × 1.045) = 86.12 %.
public enum SyntheticDischarge {
    public static let cells = 24
    public static let spec = BatterySpec(technology: .vrlaAGM, capacity: 100_000, cellVoltage: 2000, endCellVoltage: 1750, ratedHours: 10)
    public static let expectedPercent = 9.0 / (10.0 * 1.045) * 100
    public static let duration = 34_200

    /// Samples every `step` s from `from` to `to` (s after `t0`) made by `make`.
    public static func write(_ db: GatewayDatabase, key: Int64, t0: Timestamp, from: Int, to: Int, step: Int,
                             _ make: (Int) -> (StringValues, CellColumns)) throws {
        var rows: [(key: Int64, sample: StringSample)] = []
        for t in stride(from: from, through: to, by: step) {
            let (v, c) = make(t)
            rows.append((key, StringSample(stringIndex: 0, time: (t0 + .seconds(t)).date, values: v, cells: c)))
        }
        try db.insert(rows)
    }

    /// A discharge event from `from` to `to` (s after `t0`).
    public static func event(_ db: GatewayDatabase, key: Int64, string: String, ups: String, t0: Timestamp, from: Int, to: Int,
                             ampHours: Double) throws -> Int64 {
        let e = DischargeRecord(id: 0, stringId: string, upsId: ups, startAt: t0 + .seconds(from), endAt: t0 + .seconds(to),
                                chargeMilliAmpHours: Int64(ampHours * 1000), minVoltage: nil, minCellVoltage: nil, minCell: nil)
        return try DischargeLog(db: db.db).save(e, stringKey: key, now: t0 + .seconds(to))
    }

    /// The capacity test starting at `start`; returns its event id.
    public static func capacityTest(_ db: GatewayDatabase, key: Int64, string: String, ups: String, start: Timestamp) throws -> Int64 {
        try write(db, key: key, t0: start, from: -600, to: -60, step: 60) { _ in
            var v = StringValues(), c = CellColumns(count: cells)
            v.voltage = 54_480; v.current = 150; v.soc = 1000
            for i in 0..<cells { c.voltage[i] = 2270 + Int32(i); c.temperature[i] = 300 }
            c.voltage[6] = 2250
            return (v, c)
        }
        try write(db, key: key, t0: start, from: 0, to: duration, step: 10) { s in
            var v = StringValues(), c = CellColumns(count: cells)
            v.voltage = Int32(49_200 - 7_200 * s / 32_400)
            v.current = -10_000
            v.soc = Int32(1000 - 1000 * s / 36_000)
            for i in 0..<cells {
                c.voltage[i] = Int32(2_050 - 250 * s / 34_200) - Int32(i)  // 1.80 V − i mV at the end: never 1.75 V
                c.temperature[i] = 300
            }
            c.voltage[6] = Int32(2_050 - 300 * s / 25_200)
            c.voltage[12] = Int32(2_050 - 300 * s / 28_800)
            return (v, c)
        }
        return try event(db, key: key, string: string, ups: ups, t0: start, from: 0, to: duration, ampHours: 95)
    }
}
