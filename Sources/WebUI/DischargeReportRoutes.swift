import Analytics
import BatteryModel
import Foundation
import Hummingbird
import Storage

/// A discharge's capacity-test report (docs/analytics.md): one page that prints on A4, the same
/// content as JSON (`/api/v1/discharges/{id}/report`) and the cells as CSV.
struct DischargeReportRoutes {
    let model: LiveModel
    let store: DatabaseQueue<GatewayDatabase>
    let page: PageRenderer

    func report(_ id: Int64) async throws -> DischargeReport? {
        let topology = model.topology
        return try await store.run { db in
            try DischargeReports.report(db, id: id, now: .now) { stringId in
                BatteryRating(topology.stringIndex(id: stringId).map { topology.strings[$0].battery } ?? BatterySpec())
            }
        }
    }

    func register(_ router: Router<WebContext>) {
        router.get("/discharges/:id/report") { _, context -> Response in
            guard let id = context.parameters.get("id").flatMap(Int64.init), let r = try await report(id) else { return page.notFound(context) }
            return page.render(title: "Discharge report \(id)", session: context.session, body: html(r))
        }
        router.get("/discharges/:id/report.csv") { _, context -> Response in
            guard let id = context.parameters.get("id").flatMap(Int64.init), let r = try await report(id) else { return page.notFound(context) }
            var response = Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                                    body: .init(byteBuffer: .init(string: DischargeReportCSV.text(r))))
            response.headers[.contentDisposition] = "attachment; filename=\"discharge-\(id)-report.csv\""
            return response
        }
        router.get("/api/v1/discharges/:id/report") { _, context -> Response in
            guard let id = context.parameters.get("id").flatMap(Int64.init), let r = try await report(id) else {
                return WebResponse.json(["error": "no discharge event \(context.parameters.get("id") ?? "")"], status: .notFound)
            }
            return WebResponse.json(r)
        }
    }

    private func html(_ r: DischargeReport) -> String {
        let time = page.siteTime()
        let e = r.event
        let t = model.topology
        let string = t.stringIndex(id: e.string).map { t.strings[$0] }
        let ups = string.map { t.upses[$0.upsIndex].name } ?? e.ups
        func v(_ x: Double?, _ d: Int, _ unit: String) -> String { x.map { "\(DecimalText.format($0, digits: d)) \(unit)" } ?? "n/a" }
        func clock(_ s: Double?) -> String { s.map { ElapsedText.clock(.seconds($0)) } ?? "—" }
        let current = e.meanCurrent.map { mean in
            "\(DecimalText.format(mean, digits: 1)) A" + (e.minCurrent.flatMap { lo in e.maxCurrent.map { hi in
                " (\(DecimalText.format(lo, digits: 1))–\(DecimalText.format(hi, digits: 1)) A)" } } ?? "")
        } ?? "n/a"
        let soc = e.startSoC.map { a in "\(DecimalText.format(a, digits: 1)) % → \(e.endSoC.map { DecimalText.format($0, digits: 1) } ?? "n/a") %" } ?? "n/a"
        let c = r.capacity
        let verdict: String
        switch (c.percent, c.replace) {
        case let (p?, replace?):
            let label = c.method == .timeAdjusted ? "IEEE 450 time-adjusted" : "estimate from ampere-hours"
            verdict = "<p class=\"capacity \(replace ? "replace" : "pass")\"><strong id=\"capacity\">\(DecimalText.format(p, digits: 1)) %</strong> "
                + "<span>\(label) · \(replace ? "below" : "at or above") the replacement threshold of \(DecimalText.format(r.rating.capacityReplacePercent, digits: 0)) %</span></p>"
        default:
            verdict = "<p class=\"capacity none\"><strong id=\"capacity\">not determined</strong></p>"
        }
        let weakRows = r.weakest.map { cell in
            "<tr><td>\(cell.cell)</td><td>\(clock(cell.endVoltageAfterSeconds))</td><td>\(v(cell.minVoltage, 3, "V"))</td>"
                + "<td>\(v(cell.floatVoltage, 3, "V"))</td><td>\(v(cell.dropFromFloat, 3, "V"))</td>"
                + "<td>\(cell.rankFirstToEnd.map(String.init) ?? "—")</td><td>\(cell.rankLowestVoltage.map(String.init) ?? "—")</td>"
                + "<td>\(cell.rankLargestDrop.map(String.init) ?? "—")</td></tr>"
        }.joined()
        let atEnd = r.cellsAtEndVoltage.isEmpty ? "No cell reached the end voltage."
            : "\(r.cellsAtEndVoltage.count) of \(r.cells.count) cells reached \(DecimalText.format(r.rating.endCellVoltage, digits: 3)) V, in this order: "
                + r.cellsAtEndVoltage.prefix(40).map(String.init).joined(separator: ", ") + (r.cellsAtEndVoltage.count > 40 ? ", …" : "") + "."
        let previous = r.previous.map { p in
            """
            <table id="comparison"><thead><tr><th></th><th>This discharge (\(e.id))</th><th>Previous (\(p.id), \(time.text(p.startAt)))</th></tr></thead><tbody>
            <tr><td>Duration</td><td>\(clock(e.durationSeconds))</td><td>\(clock(p.durationSeconds))</td></tr>
            <tr><td>Ah removed</td><td>\(v(e.ampHours, 2, "Ah"))</td><td>\(v(p.ampHours, 2, "Ah"))</td></tr>
            <tr><td>Mean current</td><td>\(v(e.meanCurrent, 1, "A"))</td><td>\(v(p.meanCurrent, 1, "A"))</td></tr>
            <tr><td>Capacity</td><td>\(v(c.percent, 1, "%"))</td><td>\(v(p.capacityPercent, 1, "%"))</td></tr>
            <tr><td>Lowest cell voltage</td><td>\(v(r.cells.compactMap(\.minVoltage).min(), 3, "V"))</td><td>\(v(p.minCellVoltage, 3, "V"))</td></tr>
            <tr><td>Weakest cell</td><td>\(r.cells.first.map { String($0.cell) } ?? "—")</td><td>\(p.weakestCell.map(String.init) ?? "—")</td></tr>
            </tbody></table>
            """
        } ?? "<p>This is the string's first recorded discharge.</p>"
        let s = r.spread
        let charts = LineChart.svg(id: "chart-string", title: "String voltage and current", series: [
            .init(label: "string voltage", color: "#1d3557", points: s.compactMap { p in p.stringVoltage.map { (p.secondsFromStart, $0) } }),
            .init(label: "discharge current", color: "#e07a1f", points: s.compactMap { p in p.current.map { (p.secondsFromStart, -$0) } }, rightAxis: true),
        ], references: [.init(label: "end voltage \(DecimalText.format(c.endVoltage, digits: 1)) V", y: c.endVoltage)], unit: "V", rightUnit: "A")
            + LineChart.svg(id: "chart-cells", title: "Cell voltages: lowest, mean and highest cell", series: [
                .init(label: "highest", color: "#2a9d8f", points: s.map { ($0.secondsFromStart, $0.maxCell) }),
                .init(label: "mean", color: "#1d3557", points: s.map { ($0.secondsFromStart, $0.meanCell) }, dashed: true),
                .init(label: "lowest", color: "#b00020", points: s.map { ($0.secondsFromStart, $0.minCell) }),
            ], references: [.init(label: "end voltage \(DecimalText.format(r.rating.endCellVoltage, digits: 3)) V", y: r.rating.endCellVoltage)], unit: "V")
            + LineChart.svg(id: "chart-spread", title: "Cell-voltage spread (highest − lowest cell)", series: [
                .init(label: "spread", color: "#6a4c93", points: s.map { ($0.secondsFromStart, $0.spread * 1000) }),
            ], unit: "mV")
        let defaults = r.rating.defaulted.isEmpty ? "" : "<p class=\"notice\">Not configured, so the defaults for 12 V VRLA blocks were used: "
            + r.rating.defaulted.map { "<code>battery.\(HTML.escape($0))</code>" }.joined(separator: ", ") + " (docs/analytics.md). Set the data sheet's values for a valid test.</p>"
        return """
            <article class="report">
            <p class="no-print"><a href="/discharges/\(e.id)">Discharge \(e.id)</a> · <a href="/discharges/\(e.id)/report.csv">cells as CSV</a> ·
            <a href="/api/v1/discharges/\(e.id)/report">JSON</a> · print this page for the A4 report</p>
            <h1>Discharge report: string \(HTML.escape(string?.name ?? e.string)), \(HTML.escape(ups))</h1>
            <p class="subtitle">\(HTML.escape(t.siteName)) · event \(e.id) · \(time.text(e.startAt)) · made \(time.text(.now))</p>
            <section class="report-top"><table id="event"><tbody>
            <tr><td>Start</td><td>\(time.text(e.startAt))</td></tr><tr><td>End</td><td>\(e.endAt.map(time.text) ?? "ongoing")</td></tr>
            <tr><td>Duration</td><td>\(clock(e.durationSeconds))</td></tr><tr><td>Ah removed</td><td>\(v(e.ampHours, 2, "Ah"))</td></tr>
            <tr><td>Mean current (range)</td><td>\(current)</td></tr><tr><td>Temperature at start</td><td>\(v(e.startTemperature, 1, "°C"))</td></tr>
            <tr><td>State of charge</td><td>\(soc)</td></tr><tr><td>Time to end voltage</td><td>\(clock(c.timeToEndSeconds))</td></tr>
            </tbody></table>
            <div class="verdict"><h2>Capacity</h2>\(verdict)<p id="basis">\(HTML.escape(c.basis))</p></div></section>
            \(defaults)
            <section class="charts">\(charts)</section>
            <section class="cells"><h2>Weakest cells</h2>
            <table id="weakest"><thead><tr><th>Cell</th><th>At end voltage after</th><th>Lowest under load</th><th>Float before</th><th>Drop from float</th>
            <th>Rank: first to end</th><th>Rank: lowest</th><th>Rank: largest drop</th></tr></thead><tbody>\(weakRows)</tbody></table>
            <p id="at-end">\(atEnd)</p></section>
            <section class="previous"><h2>Compared with the previous discharge</h2>\(previous)</section>
            <p class="report-basis">Battery data: \(DecimalText.format(r.rating.capacityAh, digits: 1)) Ah at \(DecimalText.format(r.rating.ratedHours, digits: 1)) h to
            \(DecimalText.format(r.rating.endCellVoltage, digits: 3)) V per cell, Peukert \(DecimalText.format(r.rating.peukertExponent, digits: 2)).
            \(e.samples) samples. IEEE Std 450 time-adjusted method: capacity = t<sub>a</sub> / (t<sub>s</sub> · K<sub>T</sub>) × 100.</p>
            </article>
            """
    }
}
