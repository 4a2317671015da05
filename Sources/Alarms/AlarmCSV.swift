public import BatteryModel
import Foundation
import Storage

/// Alarms as CSV (the web UI's download and `bmgw alarms --csv`): one header line, one line per alarm,
/// times ISO 8601 with the site's offset (`2026-11-30T21:18:23.602+01:00`), values and limits in display units at their measured resolution (``AlarmType/number``).
public enum AlarmCSV {
    public static let header = "id,ups,string,cell,from,to,alarm,type,status,value,limit,unit"

    public static func text(_ records: [AlarmRecord], time: SiteTime) -> String {
        ([header] + records.map { line($0, time: time) }).joined(separator: "\n") + "\n"
    }

    static func line(_ r: AlarmRecord, time: SiteTime) -> String {
        let u = r.type.limitUnit
        func number(_ v: Int32) -> String { r.type.number(v) }
        return [String(r.id), r.upsId, r.stringId, r.cell.map(String.init) ?? "", time.iso(r.raisedAt), r.clearedAt.map(time.iso) ?? "",
                "\"\(r.type.title.replacingOccurrences(of: "\"", with: "\"\""))\"", r.type.rawValue, r.isActive ? "active" : "gone",
                r.value.map(number) ?? "", u.display.isEmpty ? "" : number(r.limit),
                u.display.replacingOccurrences(of: " per cell", with: "")].joined(separator: ",")
    }
}
