import BatteryModel
import Foundation
import Storage
import Testing
import Uplink
import Alarms

@Suite struct PayloadTests {
    let topology = Topology(siteName: "Site", upses: [.init(id: "u1", name: "UPS 1")],
                            strings: [.init(id: "a1", name: "A1", upsIndex: 0, cellCount: 3)])

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func aMeasurementHasDisplayUnitsNullsAndFlags() throws {
        var values = StringValues()
        (values.voltage, values.current, values.soc, values.temperature) = (40_537, -12_345, 955, 251)
        var cells = CellColumns(count: 3)
        cells.voltage = [13_512, Measurement.missing, 13_490]
        cells.resistance = [4_123, 4_200, 4_000]
        cells.status = [[], [.sensorNotAnswering], [.balancing]]
        let sample = StringSample(stringIndex: 0, time: Date(timeIntervalSince1970: 1_795_600_000.25), values: values, cells: cells)
        let p = UplinkPayloads(gatewayId: "gw", version: "1.2.3", topology: topology)
        let m = try json(p.measurement(seq: 42, stringIndex: 0, sample: sample, quality: .ok))
        #expect(m["seq"] as? Int == 42 && m["gateway"] as? String == "gw" && m["string"] as? String == "a1" && m["ups"] as? String == "u1")
        #expect(m["time"] as? String == "2026-11-25T09:46:40.250Z")
        let v = try #require(m["values"] as? [String: Any])
        #expect(v["voltage"] as? Double == 40.537 && v["current"] as? Double == -12.345 && v["soc"] as? Double == 95.5)
        #expect(v["humidity"] is NSNull, "not measured: null")
        let c = try #require(m["cells"] as? [String: Any])
        let volts = try #require(c["voltage"] as? [Any])
        #expect(volts[0] as? Double == 13.512 && volts[1] is NSNull && volts[2] as? Double == 13.49)
        #expect((c["resistance"] as? [Double]) == [4.123, 4.2, 4.0])
        #expect((c["flags"] as? [String: [Int]]) == ["sensorNotAnswering": [2], "balancing": [3]])
    }

    @Test func anAlarmCarriesWhereWhatValueAndLimit() throws {
        let p = UplinkPayloads(gatewayId: "gw", version: "1.2.3", topology: topology)
        let r = AlarmRecord(id: 7, stringId: "a1", upsId: "u1", cell: 2, type: .cellTemperatureHigh, raisedAt: 1_795_600_000_000,
                            clearedAt: 1_795_600_060_000, value: 412, limit: 350)
        let m = try json(p.alarm(seq: 9, r, cleared: true))
        #expect(m["event"] as? String == "cleared")
        let a = try #require(m["alarm"] as? [String: Any])
        #expect(a["id"] as? Int == 7 && a["type"] as? String == "cellTemperatureHigh" && a["cell"] as? Int == 2)
        #expect(a["value"] as? Double == 41.2 && a["limit"] as? Double == 35 && a["unit"] as? String == "°C")
        #expect(a["clearedAt"] as? String == "2026-11-25T09:47:40.000Z")
        let meta = try json(p.meta(seq: 1, publishInterval: .seconds(10)))
        #expect(meta["software"] as? String == "bmgw 1.2.3" && meta["publishIntervalSeconds"] as? Double == 10)
        #expect((meta["ups"] as? [[String: Any]])?.first?["strings"] as? [String] == ["a1"])
    }

    @Test func aDischargeHasItsDurationChargeAndMinima() throws {
        let p = UplinkPayloads(gatewayId: "gw", version: "1.2.3", topology: topology)
        let d = DischargeRecord(id: 3, stringId: "a1", upsId: "u1", startAt: 1_795_600_000_000, endAt: 1_795_600_300_500,
                                chargeMilliAmpHours: 12_500, minVoltage: 1_392_100, minCellVoltage: 11_210, minCell: 7)
        let m = try json(p.discharge(seq: 5, d, ended: true))
        #expect(m["event"] as? String == "ended" && m["seq"] as? Int == 5)
        let x = try #require(m["discharge"] as? [String: Any])
        #expect(x["durationSeconds"] as? Double == 300.5 && x["ampHours"] as? Double == 12.5)
        #expect(x["minVoltage"] as? Double == 1392.1 && x["minCellVoltage"] as? Double == 11.21 && x["minCell"] as? Int == 7)
        let started = try json(p.discharge(seq: 4, DischargeRecord(id: 3, stringId: "a1", upsId: "u1", startAt: 1_795_600_000_000, endAt: nil,
                                                                    chargeMilliAmpHours: 0, minVoltage: nil, minCellVoltage: nil, minCell: nil),
                                           ended: false))
        #expect(started["event"] as? String == "started")
        #expect((started["discharge"] as? [String: Any])?["end"] == nil, "no end yet")
    }
}
