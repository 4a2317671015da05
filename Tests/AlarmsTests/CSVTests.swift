import Alarms
import BatteryModel
import Storage
import Testing

@Suite struct CSVTests {
    @Test func dischargesAsCSV() {
        let ended = DischargeRecord(id: 3, stringId: "a1", upsId: "u1", startAt: 1_795_600_000_000, endAt: 1_795_600_300_000,
                                    chargeMilliAmpHours: 12_500, minVoltage: 1_392_100, minCellVoltage: 11_210, minCell: 7)
        let ongoing = DischargeRecord(id: 4, stringId: "a2", upsId: "u1", startAt: 1_795_600_000_000, endAt: nil,
                                      chargeMilliAmpHours: 100, minVoltage: nil, minCellVoltage: nil, minCell: nil)
        // 7.996 s: the milliseconds are kept (the page rounds the same value to 0:00:08).
        let short = DischargeRecord(id: 5, stringId: "a3", upsId: "u1", startAt: 1_795_600_000_000, endAt: 1_795_600_007_996,
                                    chargeMilliAmpHours: 1_235, minVoltage: 1_391_235, minCellVoltage: 11_999, minCell: 1)
        let lines = DischargeCSV.text([ended, ongoing, short], now: 1_795_600_060_000).split(separator: "\n")
        #expect(lines == [
            "id,ups,string,start,end,duration_s,ah,min_string_v,min_cell_v,min_cell",
            "3,u1,a1,2026-11-25T09:46:40.000Z,2026-11-25T09:51:40.000Z,300.000,12.500,1392.100,11.210,7",
            "4,u1,a2,2026-11-25T09:46:40.000Z,,60.000,0.100,,,",
            "5,u1,a3,2026-11-25T09:46:40.000Z,2026-11-25T09:46:47.996Z,7.996,1.235,1391.235,11.999,1",
        ])
    }
}
