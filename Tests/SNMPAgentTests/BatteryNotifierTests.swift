import Alarms
import BatteryModel
import Foundation
import GatewayConfig
@testable import SNMPAgent
import Testing

/// Which BATTERY-MIB notification an alarm sends, and RFC 7577's rules about when not to.
@Suite struct BatteryNotifierTests {
    /// One string of four 12 V blocks (end of discharge 10.5 V), 100 Ah, floating at `current` mA.
    func snapshot(current: Int32 = 150, temperature: Int32 = 250) -> ModelSnapshot {
        let battery = BatterySpec(technology: .vrlaAGM, capacity: 100_000, cellVoltage: 12000, endCellVoltage: 10500)
        let topology = Topology(siteName: "t", upses: [.init(id: "u1", name: "UPS 1")],
                                strings: [.init(id: "s1", name: "s1", upsIndex: 0, cellCount: 4, battery: battery)])
        let model = LiveModel(topology: topology)
        var values = StringValues()
        (values.voltage, values.current, values.soc, values.temperature) = (54000, current, 800, temperature)
        var cells = CellColumns(count: 4)
        cells.voltage = [13500, 13500, 13500, 13500]
        cells.soh = [950, 900, 870, 990]
        model.apply(StringSample(stringIndex: 0, time: Date(), values: values, cells: cells))
        return model.snapshot()
    }

    func alarm(_ type: AlarmType, cell: Int? = nil, value: Int32) -> AlarmRecord {
        AlarmRecord(id: 1, stringId: "s1", upsId: "u1", cell: cell, type: type, raisedAt: Timestamp(millis: 0), clearedAt: nil,
                    value: value, limit: 0)
    }

    @Test func eachAlarmKindHasItsNotification() {
        let s = snapshot().topology.strings[0]
        #expect(BatteryMIB.kind(of: alarm(.cellVoltageLow, cell: 2, value: 11000), string: s) == .low)
        #expect(BatteryMIB.kind(of: alarm(.cellVoltageLow, cell: 2, value: 10500), string: s) == .critical, "at the end voltage")
        #expect(BatteryMIB.kind(of: alarm(.stringVoltageLow, value: 43000), string: s) == .low)
        #expect(BatteryMIB.kind(of: alarm(.stringVoltageLow, value: 41900), string: s) == .critical, "below 4 × 10.5 V")
        #expect(BatteryMIB.kind(of: alarm(.cellThermalRunaway, cell: 3, value: 80), string: s) == .temperature)
        #expect(BatteryMIB.kind(of: alarm(.cellOhmicRise, cell: 3, value: 300), string: s) == .aging)
        #expect(BatteryMIB.kind(of: alarm(.commLost, value: 0), string: s) == nil)
        #expect(BatteryMIB.kind(of: alarm(.stringChargeCurrentHigh, value: 0), string: s) == nil)
    }

    @Test func varbindsAreTheObjectsOfTheClauseAtTheStringsIndex() throws {
        var n = BatteryNotifier(discharge: DischargeSettings())
        let made = n.notification(for: alarm(.cellSohLow, cell: 3, value: 870), snapshot: snapshot())
        let sent = try #require(made)
        #expect(sent.trap == [1, 3, 6, 1, 2, 1, 233, 0, 5])
        let capacity = BatteryMIB.entry + [10, 1001], cycles = BatteryMIB.entry + [11, 1001], cell = BatteryMIB.entry + [25, 1001]
        #expect(sent.varbinds.map(\.0) == [capacity, cycles, cell])
        #expect(sent.varbinds.map(\.1) == [.gauge(87_000), .gauge(0xFFFF_FFFF), .octets(Array("cell 3".utf8))], "weakest cell 87 % of 100 Ah")
        #expect(n.cellIdentifiers == [0: "cell 3"])
        _ = n.notification(for: alarm(.stringSocLow, value: 100), snapshot: snapshot())
        #expect(n.cellIdentifiers == [0: ""], "a string alarm empties it")
    }

    @Test func lowIsNotSentWhileCharging() {
        var n = BatteryNotifier(discharge: DischargeSettings())
        let charging = n.notification(for: alarm(.stringSocLow, value: 100), snapshot: snapshot(current: 5000))
        let discharging = n.notification(for: alarm(.stringSocLow, value: 100), snapshot: snapshot(current: -30000))
        #expect(charging == nil)
        #expect(discharging?.trap.last == 2)
    }

    @Test func temperatureWaitsTenMinutesPerCell() {
        var n = BatteryNotifier(discharge: DischargeSettings())
        let t0 = ContinuousClock.now
        let hot = alarm(.cellTemperatureHigh, cell: 2, value: 400)
        let first = n.notification(for: hot, snapshot: snapshot(), now: t0)
        let soon = n.notification(for: hot, snapshot: snapshot(), now: t0 + .seconds(599))
        let other = n.notification(for: alarm(.cellTemperatureHigh, cell: 3, value: 400), snapshot: snapshot(), now: t0 + .seconds(1))
        let later = n.notification(for: hot, snapshot: snapshot(), now: t0 + .seconds(600))
        #expect(first?.trap.last == 4)
        #expect(soon == nil, "not again within 10 minutes")
        #expect(other != nil, "another cell is not held back")
        #expect(later != nil)
    }
}
