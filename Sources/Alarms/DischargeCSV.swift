public import BatteryModel
import Foundation
import Storage

/// Discharge events as CSV (the web UI's download and `bmgw events --csv`): an event still going on
/// has an empty end and its duration so far; times ISO 8601 with the site's offset.
public enum DischargeCSV {
    public static let header = "id,ups,string,start,end,duration_s,ah,min_string_v,min_cell_v,min_cell"

    public static func text(_ events: [DischargeRecord], now: Timestamp, time: SiteTime) -> String {
        ([header] + events.map { line($0, now: now, time: time) }).joined(separator: "\n") + "\n"
    }

    static func line(_ e: DischargeRecord, now: Timestamp, time: SiteTime) -> String {
        func volts(_ mv: Int32?) -> String { DecimalText.format(mv.flatMap { Measurement.display($0, scale: 0.001) }, digits: 3, missing: "") }
        return [String(e.id), e.upsId, e.stringId, time.iso(e.startAt), e.endAt.map(time.iso) ?? "",
                ElapsedText.seconds(e.duration(now: now)), DecimalText.format(Double(e.chargeMilliAmpHours) / 1000, digits: 3),
                volts(e.minVoltage), volts(e.minCellVoltage), e.minCell.map(String.init) ?? ""].joined(separator: ",")
    }
}
