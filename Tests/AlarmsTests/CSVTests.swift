import Alarms
import Storage
import Testing

@Suite struct CSVTests {
    @Test func dischargesAsCSV() {
        let ended = DischargeRecord(id: 3, stringId: "a1", upsId: "u1", startAt: 1_795_600_000_000, endAt: 1_795_600_300_000,
                                    chargeMilliAmpHours: 12_500, minVoltage: 1_392_100, minCellVoltage: 11_210, minCell: 7)
        let ongoing = DischargeRecord(id: 4, stringId: "a2", upsId: "u1", startAt: 1_795_600_000_000, endAt: nil,
                                      chargeMilliAmpHours: 100, minVoltage: nil, minCellVoltage: nil, minCell: nil)
        let lines = DischargeCSV.text([ended, ongoing], now: 1_795_600_060_000).split(separator: "\n")
        #expect(lines == [
            "id,ups,string,start,end,duration_s,ah,min_string_v,min_cell_v,min_cell",
            "3,u1,a1,2026-11-25T09:46:40.000Z,2026-11-25T09:51:40.000Z,300,12.500,1392.100,11.210,7",
            "4,u1,a2,2026-11-25T09:46:40.000Z,,60,0.100,,,",
        ])
    }
}
