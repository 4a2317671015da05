import Alarms
import Analytics
import BatteryModel
import Foundation
import Storage
import TestSupport
import Testing

/// Synthetic discharges with known numbers, written to a real database and read back by the report.
@Suite struct DischargeReportTests {
    /// 24 × 2 V cells, 100 Ah rated at 10 h to 1.75 V per cell (rated current 10 A).
    static let spec = SyntheticDischarge.spec
    static let cells = SyntheticDischarge.cells
    static let t0: Int64 = 1_780_000_000_000

    struct Plant {
        let path = tempDatabase()
        let db: GatewayDatabase
        let key: Int64
        let t0 = Timestamp(millis: DischargeReportTests.t0)

        init() throws {
            db = try GatewayDatabase(path: path, parts: [AlarmTables.schema])
            key = try db.register(Topology(siteName: "dc", upses: [.init(id: "u1", name: "u1")],
                                           strings: [.init(id: "s1", name: "s1", upsIndex: 0, cellCount: DischargeReportTests.cells)]))[0]
        }

        func write(from: Int, to: Int, step: Int, _ make: (Int) -> (StringValues, CellColumns)) throws {
            try SyntheticDischarge.write(db, key: key, t0: t0, from: from, to: to, step: step, make)
        }

        func event(from: Int, to: Int, ampHours: Double) throws -> Int64 {
            try SyntheticDischarge.event(db, key: key, string: "s1", ups: "u1", t0: t0, from: from, to: to, ampHours: ampHours)
        }

        func report(_ id: Int64, spec: BatterySpec = DischargeReportTests.spec) throws -> DischargeReport {
            try #require(try DischargeReports.report(db, id: id, now: Timestamp(millis: t0.millis + 400_000_000)) { _ in BatteryRating(spec) })
        }
    }

    @Test func aCapacityTestGivesIEEE450sTimeAdjustedCapacity() throws {
        let plant = try Plant()
        defer { removeDatabase(plant.path) }
        let id = try SyntheticDischarge.capacityTest(plant.db, key: plant.key, string: "s1", ups: "u1", start: plant.t0 + .seconds(1000))
        let r = try plant.report(id)

        // By hand: t_a = 9 h; at 10 A (the rated current) t_s = 10 h; K_T(30 °C = 86 °F) = 1.045.
        let expected = 9.0 / (10.0 * 1.045) * 100
        #expect(expected == SyntheticDischarge.expectedPercent)
        #expect(r.capacity.method == .timeAdjusted)
        #expect(abs((r.capacity.percent ?? 0) - expected) < 0.001, "\(r.capacity)")
        #expect(r.capacity.timeToEndSeconds == 32_400)
        #expect(abs((r.capacity.ratedSeconds ?? 0) - 36_000) < 0.001)
        #expect(r.capacity.temperatureFactor == 1.045)
        #expect(r.capacity.replace == false && r.capacity.constantCurrent == true)
        #expect(r.event.startTemperature == 30 && r.event.meanCurrent.map { abs($0 - 10) < 1e-9 } == true)
        #expect(abs(r.event.durationSeconds - 34_200) < 0.001 && r.event.ampHours == 95)

        // Cells: 7 first (7 h), then 13 (8 h); cell 7 also has the largest drop from float.
        #expect(r.cellsAtEndVoltage == [7, 13])
        #expect(r.cells.prefix(2).map(\.cell) == [7, 13])
        #expect(r.cells[0].endVoltageAfterSeconds == 25_200 && r.cells[1].endVoltageAfterSeconds == 28_800)
        #expect(r.cells[0].rankFirstToEnd == 1 && r.cells[0].rankLowestVoltage == 1)
        #expect(r.cells.first { $0.cell == 7 }?.floatVoltage == 2.25)
        #expect(r.cells.count == Self.cells && r.cells[2].endVoltageAfterSeconds == nil)
        // The highest-numbered healthy cell ends lowest of the healthy ones (1.80 V − 23 mV).
        #expect(r.cells[2].cell == 24)
        #expect(!r.spread.isEmpty && r.spread.allSatisfy { $0.spread >= 0 && $0.minCell <= $0.meanCell && $0.meanCell <= $0.maxCell })
        #expect(r.previous == nil)
    }

    @Test func aDischargeTooShortSaysSoAndEstimatesFromAmpHours() throws {
        let plant = try Plant()
        defer { removeDatabase(plant.path) }
        // 2 h at 10 A: 20 Ah while the SoC falls from 100 % to 80 %: 100 Ah for a full discharge = 100 %.
        try plant.write(from: 0, to: 7200, step: 10) { t in
            var v = StringValues(), c = CellColumns(count: Self.cells)
            v.voltage = 48_000; v.current = -10_000; v.soc = Int32(1000 - 200 * t / 7200)
            for i in 0..<Self.cells { c.voltage[i] = 2000 }
            return (v, c)
        }
        let long = try plant.report(try plant.event(from: 0, to: 7200, ampHours: 20))
        #expect(long.capacity.method == .ampHourEstimate && long.capacity.percent.map { abs($0 - 100) < 1e-9 } == true, "\(long.capacity)")
        #expect(long.capacity.basis.contains("too short for IEEE 450's time-adjusted method"))

        // 10 minutes: the SoC falls 1.7 points: no number at all, and the reason.
        try plant.write(from: 20_000, to: 20_600, step: 10) { t in
            var v = StringValues(), c = CellColumns(count: Self.cells)
            v.voltage = 48_000; v.current = -10_000; v.soc = Int32(1000 - 17 * (t - 20_000) / 600)
            for i in 0..<Self.cells { c.voltage[i] = 2000 }
            return (v, c)
        }
        let short = try plant.report(try plant.event(from: 20_000, to: 20_600, ampHours: 1.7))
        #expect(short.capacity.method == .none && short.capacity.percent == nil)
        #expect(short.capacity.basis.contains("did not reach its end voltage 42.00 V (24 × 1.750 V)"), "\(short.capacity.basis)")
        #expect(short.previous?.id == 1 && short.previous?.capacityMethod == .ampHourEstimate)
    }

    @Test func theTemperatureTableIsIEEE450sAndInterpolates() {
        let r = BatteryRating(Self.spec)
        #expect(r.temperatureFactor(celsius: 25) == 1)
        #expect(abs(r.temperatureFactor(celsius: 30) - 1.045) < 1e-9)
        #expect(abs(r.temperatureFactor(celsius: (60 - 32) * 5 / 9) - 0.882) < 1e-9)
        #expect(r.temperatureFactor(celsius: 60) == 1.210 && r.temperatureFactor(celsius: -10) == 0.670)
        // Half-way between 86 °F and 87 °F.
        #expect(abs(r.temperatureFactor(celsius: (86.5 - 32) * 5 / 9) - 1.0475) < 1e-9)
        #expect(r.defaulted == ["peukertExponent", "temperatureCorrection", "replacement.capacityPercent",
                                "replacement.resistanceRisePercent", "replacement.sohPercent"])
        // Peukert: twice the rated current runs 2^-1.1 of the rated time.
        #expect(abs(CapacityMethod.ratedTime(r, amps: 20) - 10 * pow(0.5, 1.1)) < 1e-9)
    }
}
