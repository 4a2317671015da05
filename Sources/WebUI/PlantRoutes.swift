import BatteryModel
import Foundation
import Hummingbird

/// The real-time data: an overview page, a string's cells, and the same as JSON under /api/v1.
struct PlantRoutes {
    let model: LiveModel
    let page: PageRenderer

    struct StringSummary: Encodable {
        let id: String, name: String, ups: String, quality: String, time: String?, cells: Int
        let voltage: Double?, current: Double?, soc: Double?, temperature: Double?, humidity: Double?
        let cellVoltageMin: Double?, cellVoltageMax: Double?
    }

    struct StringDetail: Encodable {
        let summary: StringSummary
        let cells: [Cell]
    }

    struct Cell: Encodable {
        let cell: Int, voltage: Double?, resistance: Double?, temperature: Double?, soc: Double?, soh: Double?, flags: [String]
    }

    func register(_ router: Router<WebContext>) {
        router.get("/") { _, context -> Response in overview(context, ups: nil) }
        router.get("/ups/:id") { _, context -> Response in
            guard let id = context.parameters.get("id"), model.topology.upses.contains(where: { $0.id == id }) else { return notFound(context) }
            return overview(context, ups: id)
        }
        router.get("/strings/:id") { _, context -> Response in
            guard let id = context.parameters.get("id"), let detail = detail(id) else { return notFound(context) }
            return stringPage(detail, context)
        }
        router.get("/api/v1/live") { _, _ -> Response in WebResponse.json(["strings": summaries()]) }
        router.get("/api/v1/strings/:id") { _, context -> Response in
            guard let id = context.parameters.get("id"), let detail = detail(id) else {
                return WebResponse.json(["error": "no such string"], status: .notFound)
            }
            return WebResponse.json(detail)
        }
    }

    func summaries() -> [StringSummary] {
        let snap = model.snapshot()
        return snap.topology.strings.indices.map { summary(snap, $0) }
    }

    private func summary(_ snap: ModelSnapshot, _ i: Int) -> StringSummary {
        let info = snap.topology.strings[i], state = snap.strings[i]
        let v = state.sample?.values, volts = state.sample?.summary.statistics[.voltage]
        func s(_ raw: Int32?, _ q: StringQuantity) -> Double? { raw.flatMap { Measurement.display($0, scale: q.displayScale) } }
        return StringSummary(
            id: info.id, name: info.name, ups: snap.topology.upses[info.upsIndex].id, quality: state.quality.rawValue,
            time: state.sample.map { $0.time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }, cells: info.cellCount,
            voltage: s(v?.voltage, .voltage), current: s(v?.current, .current), soc: s(v?.soc, .soc),
            temperature: s(v?.temperature, .temperature), humidity: s(v?.humidity, .humidity),
            cellVoltageMin: volts.flatMap { Measurement.display($0.min, scale: 0.001) }, cellVoltageMax: volts.flatMap { Measurement.display($0.max, scale: 0.001) })
    }

    func detail(_ id: String) -> StringDetail? {
        let snap = model.snapshot()
        guard let i = snap.topology.stringIndex(id: id) else { return nil }
        let cells: [Cell]
        if let c = snap.strings[i].sample?.cells {
            cells = (0..<c.count).map { n in
                Cell(cell: n + 1, voltage: Measurement.display(c.voltage[n], scale: 0.001), resistance: Measurement.display(c.resistance[n], scale: 0.001),
                     temperature: Measurement.display(c.temperature[n], scale: 0.1), soc: Measurement.display(c.soc[n], scale: 0.1), soh: Measurement.display(c.soh[n], scale: 0.1),
                     flags: c.status[n].flagNames)
            }
        } else {
            cells = []
        }
        return StringDetail(summary: summary(snap, i), cells: cells)
    }

    private func f(_ v: Double?, _ digits: Int) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "n/a" }

    /// The data centre (every string) or one UPS; values refresh every 5 s without reloading (live.js).
    private func overview(_ context: WebContext, ups: String?) -> Response {
        var rows = ""
        for s in summaries() where ups == nil || s.ups == ups {
            rows += """
                <tr data-string="\(HTML.escape(s.id))"><td><a href="/strings/\(HTML.escape(s.id))">\(HTML.escape(s.name))</a></td><td>\(HTML.escape(s.ups))</td>
                <td class="\(s.quality)" data-key="quality">\(s.quality)</td><td data-key="voltage">\(f(s.voltage, 2))</td>
                <td data-key="current">\(f(s.current, 2))</td><td data-key="soc">\(f(s.soc, 1))</td><td data-key="temperature">\(f(s.temperature, 1))</td>
                <td>\(s.cells)</td><td data-key="cellVoltageMin">\(f(s.cellVoltageMin, 3))</td><td data-key="cellVoltageMax">\(f(s.cellVoltageMax, 3))</td></tr>
                """
        }
        let title = ups.flatMap { id in model.topology.upses.first { $0.id == id }?.name } ?? model.topology.siteName
        return page.render(title: "Real-time data", session: context.session, body: """
            <h1>Real-time data — \(HTML.escape(title))</h1>
            <table id="strings" data-live="1"><thead><tr><th>String</th><th>UPS</th><th>Link</th><th>Voltage V</th><th>Current A</th><th>SoC %</th>
            <th>Temp °C</th><th>Cells</th><th>Min cell V</th><th>Max cell V</th></tr></thead><tbody>\(rows)</tbody></table>
            """)
    }

    private func stringPage(_ d: StringDetail, _ context: WebContext) -> Response {
        var rows = ""
        for c in d.cells {
            rows += "<tr><td>\(c.cell)</td><td>\(f(c.voltage, 3))</td><td>\(f(c.resistance, 3))</td><td>\(f(c.temperature, 1))</td>"
                + "<td>\(f(c.soc, 1))</td><td>\(f(c.soh, 1))</td><td>\(HTML.escape(c.flags.joined(separator: ", ")))</td></tr>"
        }
        return page.render(title: d.summary.name, session: context.session, body: """
            <p><a href="/">Real-time data</a> › \(HTML.escape(d.summary.name)) · <a href="/strings/\(HTML.escape(d.summary.id))/history">history</a> · <a href="/strings/\(HTML.escape(d.summary.id))/limits">alarm limits</a></p>
            <h1>\(HTML.escape(d.summary.name)) — cells</h1>
            <table id="cells"><thead><tr><th>Cell</th><th>Voltage V</th><th>Resistance mΩ</th><th>Temp °C</th><th>SoC %</th>
            <th>SoH %</th><th>Flags</th></tr></thead><tbody>\(rows)</tbody></table>
            """)
    }

    private func notFound(_ context: WebContext) -> Response {
        page.render(title: "Not found", session: context.session, status: .notFound, body: "<h1>Not found</h1><p><a href=\"/\">Real-time data</a></p>")
    }
}
