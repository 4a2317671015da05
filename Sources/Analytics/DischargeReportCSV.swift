import Alarms
import BatteryModel

/// The report's cells as CSV (RFC 4180), weakest first, each row carrying the event and the
/// string's capacity so that rows from several reports can be pasted into one sheet.
public enum DischargeReportCSV {
    public static let header = "event,string,start,capacity_percent,capacity_method,rank,cell,end_voltage_after_s,min_voltage_v,"
        + "float_voltage_v,drop_from_float_v,rank_first_to_end,rank_lowest_voltage,rank_largest_drop"

    public static func text(_ r: DischargeReport) -> String {
        func n(_ v: Double?, _ digits: Int) -> String { v.map { DecimalText.format($0, digits: digits) } ?? "" }
        func i(_ v: Int?) -> String { v.map(String.init) ?? "" }
        var out = header + "\r\n"
        let lead = "\(r.event.id),\(CSVField.quote(r.event.string)),\(r.event.start),\(n(r.capacity.percent, 2)),\(r.capacity.method.rawValue)"
        for (rank, c) in r.cells.enumerated() {
            out += "\(lead),\(rank + 1),\(c.cell),\(n(c.endVoltageAfterSeconds, 0)),\(n(c.minVoltage, 3)),\(n(c.floatVoltage, 3)),"
                + "\(n(c.dropFromFloat, 3)),\(i(c.rankFirstToEnd)),\(i(c.rankLowestVoltage)),\(i(c.rankLargestDrop))\r\n"
        }
        return out
    }
}
