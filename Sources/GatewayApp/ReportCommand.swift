import Analytics
import ArgumentParser
import BatteryModel
import Foundation
import GatewayConfig

/// `bmgw report EVENT`: a discharge's capacity-test report in the terminal, as JSON or as CSV.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "A discharge event's capacity-test report (IEEE 450): capacity, weakest cells, the previous discharge.")

    @OptionGroup var source: DataSourceOptions

    @Argument(help: "Discharge event id (bmgw events).")
    var event: Int64

    @Flag(help: "JSON (the API's document).")
    var json = false

    @Flag(help: "The cells as CSV, weakest first.")
    var csv = false

    func run() throws {
        let store = try source.openStore()
        // Without a configuration (--data alone) every battery value is the documented default.
        let topology = try source.configuration()?.topology
        let report = try DischargeReports.report(store, id: event, now: .now) { id in
            BatteryRating(topology.flatMap { t in t.stringIndex(id: id).map { t.strings[$0].battery } } ?? BatterySpec())
        }
        guard let report else {
            printError("no discharge event \(event) (bmgw events lists them)")
            throw ExitCode(1)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            FileOutput.standardOutput.write(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
        } else if csv {
            FileOutput.standardOutput.write(DischargeReportCSV.text(report))
        } else {
            FileOutput.standardOutput.write(ReportText.text(report, time: try source.siteTime()))
        }
    }
}

/// The report as terminal text.
enum ReportText {
    static func text(_ r: DischargeReport, time: SiteTime) -> String {
        let e = r.event, c = r.capacity
        func v(_ x: Double?, _ d: Int, _ unit: String) -> String { x.map { "\(DecimalText.format($0, digits: d)) \(unit)" } ?? "n/a" }
        func clock(_ s: Double?) -> String { s.map { ElapsedText.clock(.seconds($0)) } ?? "" }
        var out = "Discharge \(e.id): string \(e.string) (\(e.ups)), \(time.text(e.startAt)) – \(e.endAt.map(time.text) ?? "ongoing")\n"
        out += "duration \(clock(e.durationSeconds)), \(v(e.ampHours, 2, "Ah")), mean current \(v(e.meanCurrent, 1, "A")), "
            + "temperature at start \(v(e.startTemperature, 1, "°C"))\n"
        switch c.method {
        case .timeAdjusted: out += "capacity \(v(c.percent, 1, "%")) (IEEE 450 time-adjusted)\(c.replace == true ? ": below the replacement threshold" : "")\n"
        case .ampHourEstimate: out += "capacity about \(v(c.percent, 1, "%")) (estimate from ampere-hours)\n"
        case .none: out += "capacity not determined\n"
        }
        out += c.basis + "\n"
        if !r.rating.defaulted.isEmpty { out += "defaults used for: " + r.rating.defaulted.map { "battery.\($0)" }.joined(separator: ", ") + "\n" }
        var table = TextTable(header: ["cell", "at end voltage", "lowest V", "float V", "drop V"])
        table.rightAligned = [0, 1, 2, 3, 4]
        for cell in r.weakest {
            table.rows.append([String(cell.cell), clock(cell.endVoltageAfterSeconds), v(cell.minVoltage, 3, ""), v(cell.floatVoltage, 3, ""),
                               v(cell.dropFromFloat, 3, "")].map { $0.trimmingCharacters(in: .whitespaces) })
        }
        out += "weakest cells:\n" + table.render() + "\n"
        if let p = r.previous {
            out += "previous discharge \(p.id) (\(time.text(p.startAt))): \(clock(p.durationSeconds)), \(v(p.ampHours, 2, "Ah")), "
                + "capacity \(v(p.capacityPercent, 1, "%")), weakest cell \(p.weakestCell.map(String.init) ?? "n/a")\n"
        }
        return out
    }
}
