import Alarms
import ArgumentParser
import BatteryModel
import Foundation
import Storage

struct AlarmsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alarms", abstract: "List alarms (newest first) of the site, a UPS or a string; --csv for a download.")

    @OptionGroup var source: DataSourceOptions

    @Option(name: .shortAndLong, help: "Only this string (id).")
    var string: String?

    @Option(help: "Only this UPS (id).")
    var ups: String?

    @Flag(help: "Only active alarms.")
    var active = false

    @Option(help: "Page number (1-based).")
    var page = 1

    @Option(help: "Alarms per page (CSV: all when 0).")
    var perPage = 50

    @Flag(help: "CSV output.")
    var csv = false

    func run() throws {
        let store = try source.openStore()
        let scope: ListScope = string.map { .string($0) } ?? ups.map { .ups($0) } ?? .site
        let log = AlarmLog(db: store.db)
        let total = try log.count(scope, activeOnly: active)
        guard (1...1_000_000).contains(page), (0...100_000).contains(perPage) else {
            throw ValidationError("--page must be 1…1000000 and --per-page 0…100000")
        }
        let all = csv && perPage == 0
        let limit = all ? Int(Int32.max) : max(1, perPage)
        let rows = try log.list(scope, activeOnly: active, limit: limit, offset: all ? 0 : max(0, page - 1) * limit)
        if csv {
            FileOutput.standardOutput.write(AlarmCSV.text(rows, time: try source.siteTime()))
            return
        }
        var table = TextTable(header: ["id", "ups", "string", "cell", "from", "to", "alarm", "status", "value", "limit"])
        table.rightAligned = [0, 3, 8, 9]
        for r in rows {
            table.rows.append([String(r.id), r.upsId, r.stringId, r.cell.map(String.init) ?? "", r.raisedAt.iso,
                               r.clearedAt?.iso ?? "", r.type.title, r.isActive ? "active" : "gone",
                               r.value.map { r.type.display($0) } ?? "", r.type.display(r.limit)])
        }
        let pages = max(1, (total + max(1, perPage) - 1) / max(1, perPage))
        FileOutput.standardOutput.write("\(total) alarm(s)\(active ? " active" : ""), page \(page) of \(pages)\n" + table.render() + "\n")
    }
}

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "List discharge events (newest first) with duration, Ah and lowest voltages.")

    @OptionGroup var source: DataSourceOptions

    @Option(name: .shortAndLong, help: "Only this string (id).")
    var string: String?

    @Option(help: "Only this UPS (id).")
    var ups: String?

    @Option(help: "How many events.")
    var limit = 50

    @Flag(help: "CSV output.")
    var csv = false

    @Option(help: "Print this event's samples (string voltage, current, SoC, lowest cell) at full resolution, for plots.")
    var id: Int64?

    func run() throws {
        let store = try source.openStore()
        if let id { return try samples(of: id, store) }
        let scope: ListScope = string.map { .string($0) } ?? ups.map { .ups($0) } ?? .site
        let rows = try DischargeLog(db: store.db).list(scope, limit: limit)
        let now = Timestamp.now
        let header = ["id", "ups", "string", "start", "end", "duration s", "Ah", "min string V", "min cell V", "cell"]
        var lines: [[String]] = []
        for e in rows {
            lines.append([String(e.id), e.upsId, e.stringId, e.startAt.iso, e.endAt?.iso ?? "ongoing",
                          ElapsedText.seconds(e.duration(now: now)), DecimalText.format(Double(e.chargeMilliAmpHours) / 1000, digits: 3),
                          format(e.minVoltage, scale: 0.001, digits: 3), format(e.minCellVoltage, scale: 0.001, digits: 3),
                          e.minCell.map(String.init) ?? ""])
        }
        if csv {
            FileOutput.standardOutput.write(DischargeCSV.text(rows, now: now, time: try source.siteTime()))
        } else {
            var table = TextTable(header: header, rows: lines)
            table.rightAligned = [0, 5, 6, 7, 8, 9]
            FileOutput.standardOutput.write("\(rows.count) discharge event(s)\n" + table.render() + "\n")
        }
    }

    /// The logged samples of one event (fast logging while it lasted), as CSV.
    private func samples(of id: Int64, _ store: GatewayDatabase) throws {
        guard let e = try DischargeLog(db: store.db).list(.site, limit: Int(Int32.max)).first(where: { $0.id == id }),
              let key = try store.stringKey(id: e.stringId) else {
            printError("no discharge event \(id)")
            throw ExitCode(1)
        }
        var lines = ["time,string_v,current_a,soc_pct,min_cell_v,min_cell"]
        let end = e.endAt ?? .now
        try store.forEachSample(stringKey: key, from: e.startAt.millis, to: end.millis + 1) { s in
            let stat = CellStatistic(column: s.cells.voltage)
            lines.append([Timestamp(millis: s.time).iso, format(Measurement.value(s.values.voltage), scale: 0.001, digits: 3),
                          format(Measurement.value(s.values.current), scale: 0.001, digits: 3), format(Measurement.value(s.values.soc), scale: 0.1, digits: 1),
                          format(stat?.min, scale: 0.001, digits: 3), stat.map { String($0.minCell + 1) } ?? ""].joined(separator: ","))
        }
        FileOutput.standardOutput.write(lines.joined(separator: "\n") + "\n")
    }
}
