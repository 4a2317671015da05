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
        let lines = DischargeCSV.text([ended, ongoing, short], now: 1_795_600_060_000, time: .utc).split(separator: "\n")
        #expect(lines == [
            "id,ups,string,start,end,duration_s,ah,min_string_v,min_cell_v,min_cell",
            "3,u1,a1,2026-11-25T09:46:40.000+00:00,2026-11-25T09:51:40.000+00:00,300.000,12.500,1392.100,11.210,7",
            "4,u1,a2,2026-11-25T09:46:40.000+00:00,,60.000,0.100,,,",
            "5,u1,a3,2026-11-25T09:46:40.000+00:00,2026-11-25T09:46:47.996+00:00,7.996,1.235,1391.235,11.999,1",
        ])
    }

    @Test func alarmTimesCarryTheSiteOffset() {
        let r = AlarmRecord(id: 9, stringId: "a1", upsId: "u1", cell: 3, type: .cellTemperatureHigh,
                            raisedAt: 1_782_812_303_602, clearedAt: nil, value: 352, limit: 350)
        // 30 June 2026, 09:38:23.602 UTC is 11:38:23.602 in Berlin (summer time).
        let line = AlarmCSV.text([r], time: SiteTime(identifier: "Europe/Berlin")).split(separator: "\n")[1]
        #expect(line == "9,u1,a1,3,2026-06-30T11:38:23.602+02:00,,\"Cell temperature high\",cellTemperatureHigh,active,35.2,35.0,°C")
    }
}
