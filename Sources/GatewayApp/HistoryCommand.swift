import ArgumentParser
import BatteryModel
import ConfigSupport
import Foundation
import Storage

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Print the history of a string or cell quantity, raw or downsampled.",
        discussion: """
            Times: 'now', a duration ago ('24h', '7d'), or ISO 8601 ('2026-11-24T06:00:00Z', '2026-11-24').
            Quantities: string voltage, current, soc, temperature, humidity; with --cell: voltage, resistance, temperature, soc, soh.
            """)

    @OptionGroup var source: DataSourceOptions

    @Option(name: .shortAndLong, help: "String id.")
    var string: String

    @Option(help: "Cell number (1-based); without it the quantity is the string's.")
    var cell: Int?

    @Option(name: .shortAndLong, help: "Quantity.")
    var quantity = "voltage"

    @Option(help: "Start of the period.")
    var from = "24h"

    @Option(help: "End of the period.")
    var to = "now"

    @Option(help: "Downsample into this many buckets (min/mean/max); without it every raw sample is printed.")
    var points: Int?

    @Flag(help: "CSV output.")
    var csv = false

    func run() throws {
        let q = try historyQuantity()
        guard let start = Self.parseTime(from) else { throw ValidationError("--from: '\(from)' is not a time") }
        guard let end = Self.parseTime(to) else { throw ValidationError("--to: '\(to)' is not a time") }
        guard end > start else { throw ValidationError("--to must be after --from") }
        let store = try source.openStore()
        guard let key = try store.stringKey(id: string) else {
            printError("no string '\(string)' in the database; known: \(try store.strings().map(\.id).joined(separator: ", "))")
            throw ExitCode(1)
        }
        let (scale, unit, digits) = Self.display(q)
        let name = "\(q.description) (\(unit))"
        // CSV as every CSV: ISO 8601 with the site's offset; the table as before (UTC).
        let site = try source.siteTime()
        let csv = self.csv
        func time(_ ms: Int64) -> String { csv ? site.iso(Timestamp(millis: ms)) : Timestamp(millis: ms).iso }
        var lines: [String] = []
        if let points {
            guard points > 0 else { throw ValidationError("--points must be positive") }
            let series = try store.series(stringKey: key, q, from: start, to: end, points: points)
            lines.append(csv ? "time,min,mean,max,samples" : "\(name), \(series.count) buckets")
            for p in series {
                let cols = [time(p.time), format(p.min, scale: scale, digits: digits),
                            formatNumber(p.mean * scale, digits: digits + 1), format(p.max, scale: scale, digits: digits), "\(p.count)"]
                lines.append(cols.joined(separator: csv ? "," : "  "))
            }
        } else {
            let raw = try store.rawSeries(stringKey: key, q, from: start, to: end)
            lines.append(csv ? "time,value" : "\(name), \(raw.count) samples")
            for (t, v) in raw {
                lines.append(time(t) + (csv ? "," : "  ") + format(v, scale: scale, digits: digits))
            }
        }
        FileOutput.standardOutput.write(lines.joined(separator: "\n") + "\n")
    }

    private func historyQuantity() throws -> HistoryQuantity {
        if let cell {
            guard cell >= 1 else { throw ValidationError("--cell counts from 1") }
            guard let q = CellQuantity(rawValue: quantity) else {
                throw ValidationError("cell quantity '\(quantity)' is not one of \(CellQuantity.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return .cell(q, index: cell - 1)
        }
        guard let q = StringQuantity(rawValue: quantity) else {
            throw ValidationError("string quantity '\(quantity)' is not one of \(StringQuantity.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return .string(q)
    }

    /// Scale to display units, unit name, decimals.
    static func display(_ q: HistoryQuantity) -> (Double, String, Int) {
        switch q {
        case let .string(s): (s.displayScale, s.displayUnit, s.displayScale == 0.001 ? 3 : 1)
        case let .cell(c, _): (c.displayScale, c.displayUnit, c.displayScale == 0.001 ? 3 : 1)
        }
    }

    /// ms since 1970 for 'now', a duration ago, or an ISO 8601 time or date (UTC).
    static func parseTime(_ text: String, now: Date = Date()) -> Int64? {
        TimeText.parse(text, now: now)
    }
}
