import Analytics
import Alarms
import BatteryModel
import Foundation
import GatewayConfig
import Hummingbird
import Storage

/// The real-time data: an overview page, a string's cells, and the same as JSON under /api/v1.
struct PlantRoutes {
    let model: LiveModel
    let store: DatabaseQueue<GatewayDatabase>
    let limits: LimitOverrides
    let page: PageRenderer
    let life: LifeEstimates
    let alarmCache = AlarmViewCache()

    // The API's documents are the one live summary (docs/live-summary.md); the pages render them.
    typealias StringSummary = LiveSummary.StringLine
    typealias GroupSummary = LiveSummary.Group
    typealias StringDetail = LiveSummary.StringDetail
    typealias Cell = LiveSummary.Cell

    func register(_ router: Router<WebContext>) {
        router.get("/") { request, context -> Response in overview(request, context, ups: nil, alarms: try await alarmView()) }
        router.get("/ups/:id") { request, context -> Response in
            guard let id = context.parameters.get("id"), model.topology.upses.contains(where: { $0.id == id }) else { return notFound(context) }
            return overview(request, context, ups: id, alarms: try await alarmView())
        }
        router.get("/strings.csv") { request, _ -> Response in
            let ups = request.uri.queryParameters["ups"].map(String.init)
            let snap = model.snapshot(), time = page.siteTime()
            let times = Dictionary(uniqueKeysWithValues: snap.topology.strings.indices.map { i in
                (snap.topology.strings[i].id, snap.strings[i].sample.map { time.iso(Timestamp($0.time)) })
            })
            return WebResponse.csv(Self.stringsCSV(summaries().filter { ups == nil || $0.ups == ups }, times: times), filename: "strings.csv")
        }
        router.get("/strings/:id") { request, context -> Response in
            guard let id = context.parameters.get("id"), let detail = detail(id) else { return notFound(context) }
            return stringPage(detail, request, context, alarms: try await alarmView())
        }
        router.get("/strings/:id/cells.csv") { request, context -> Response in
            guard let id = context.parameters.get("id"), let detail = detail(id) else { return notFound(context) }
            var table = CellTable(request)
            table.life = lifeByCell(id)
            table.time = page.siteTime()
            guard table.problems.isEmpty else {
                return Response(status: .badRequest, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: .init(byteBuffer: .init(string: table.problems.map { "\($0.key): \($0.value)" }.sorted().joined(separator: "\n") + "\n")))
            }
            return WebResponse.csv(table.csv(detail.cells), filename: "\(id)-cells.csv")
        }
        router.get("/api/v1/strings/:id/life") { _, context -> Response in
            guard let id = context.parameters.get("id"), model.topology.stringIndex(id: id) != nil else {
                return WebResponse.json(["error": "no such string"], status: .notFound)
            }
            return WebResponse.json(LifeDocument(string: id, computedAt: life.snapshot?.computedAt.iso, cells: life.cells(of: id) ?? []))
        }
        router.get("/api/v1/live") { _, _ -> Response in WebResponse.json(Live(ups: groups(), strings: summaries())) }
        router.get("/api/v1/strings/:id") { _, context -> Response in
            guard let id = context.parameters.get("id"), let detail = detail(id) else {
                return WebResponse.json(["error": "no such string"], status: .notFound)
            }
            return WebResponse.json(detail)
        }
    }

    /// A string's remaining-life estimates (empty until the first run after the start).
    struct LifeDocument: Encodable {
        let string: String, computedAt: String?, cells: [CellLife]
    }

    func lifeByCell(_ id: String) -> [Int: CellLife] {
        Dictionary((life.cells(of: id) ?? []).map { ($0.cell, $0) }, uniquingKeysWith: { a, _ in a })
    }

    struct Live: Encodable {
        let ups: [GroupSummary], strings: [StringSummary]
    }

    /// One line per UPS.
    func groups() -> [GroupSummary] { LiveSummary.upses(model.snapshot()) }

    func summaries() -> [StringSummary] { LiveSummary.strings(model.snapshot()) }

    func detail(_ id: String) -> StringDetail? {
        let snap = model.snapshot()
        return snap.topology.stringIndex(id: id).map { LiveSummary.detail(snap, $0) }
    }

    private func f(_ v: Double?, _ digits: Int) -> String { DecimalText.format(v, digits: digits, missing: "n/a") }

    /// The data centre (every string) or one UPS; values refresh every 5 s without reloading (live.js).
    static let stringBars: [(key: String, title: String, unit: String, digits: Int)] = [
        ("voltage", "Voltage", "V", 3), ("current", "Current", "A", 3), ("soc", "SoC", "%", 1), ("temperature", "Temperature", "°C", 1),
        ("humidity", "Humidity", "%RH", 1),
        ("cellVoltageMin", "Lowest cell voltage", "V", 3), ("cellVoltageMax", "Highest cell voltage", "V", 3),
    ]

    static func barValue(_ s: StringSummary, _ key: String) -> Double? {
        switch key {
        case "current": s.current
        case "soc": s.soc
        case "temperature": s.temperature
        case "humidity": s.humidity
        case "cellVoltageMin": s.cellVoltageMin
        case "cellVoltageMax": s.cellVoltageMax
        default: s.voltage
        }
    }

    /// `times`: each string's sample time as CSV gives times (ISO 8601 with the site's offset).
    static func stringsCSV(_ list: [StringSummary], times: [String: String?]) -> String {
        func v(_ d: Double?, _ digits: Int) -> String { DecimalText.format(d, digits: digits, missing: "") }
        var out = "string,name,ups,link,time,voltage_V,current_A,soc_pct,temperature_C,humidity_pct,cells,cell_voltage_min_V,cell_voltage_max_V\n"
        for s in list {
            out += [s.id, CSVField.quote(s.name), s.ups, s.quality, (times[s.id] ?? nil) ?? "", v(s.voltage, 3), v(s.current, 3), v(s.soc, 1), v(s.temperature, 1),
                    v(s.humidity, 1), String(s.cells), v(s.cellVoltageMin, 3), v(s.cellVoltageMax, 3)].joined(separator: ",") + "\n"
        }
        return out
    }

    private func overview(_ request: Request, _ context: WebContext, ups: String?, alarms: AlarmView) -> Response {
        var rows = ""
        let list = summaries().filter { ups == nil || $0.ups == ups }
        let barKey = request.uri.queryParameters["bar"].map(String.init) ?? "voltage"
        let bar = Self.stringBars.first { $0.key == barKey }
        for s in list {
            rows += """
                <tr data-string="\(HTML.escape(s.id))"><td><a href="/strings/\(HTML.escape(s.id))">\(HTML.escape(s.name))</a></td><td>\(HTML.escape(s.ups))</td>
                <td class="\(s.quality)" data-key="quality">\(s.quality)</td><td data-key="voltage">\(f(s.voltage, 3))</td>
                <td data-key="current">\(f(s.current, 3))</td><td data-key="soc">\(f(s.soc, 1))</td><td data-key="temperature">\(f(s.temperature, 1))</td>
                <td data-key="humidity">\(f(s.humidity, 1))</td>
                <td>\(s.cells)</td><td data-key="cellVoltageMin">\(f(s.cellVoltageMin, 3))</td><td data-key="cellVoltageMax">\(f(s.cellVoltageMax, 3))</td></tr>
                """
        }
        let title = ups.flatMap { id in model.topology.upses.first { $0.id == id }?.name } ?? model.topology.siteName
        let base = ups.map { "/ups/\($0)" } ?? "/"
        var chart = BarChart.picker(action: base, choices: Self.stringBars.map { ($0.key, $0.title) }, selected: bar?.key ?? "voltage", keep: [:])
        if let bar {
            let types = Self.stringBarTypes(bar.key)
            chart += BarChart.svg(id: "bars", labels: list.map(\.id), values: list.map { Self.barValue($0, bar.key) },
                                  states: list.map { alarms.inAlarm(string: $0.id, types) },
                                  limits: alarms.lines(types, strings: list.map { ($0.id, $0.cells) }) { $0 == .stringDischargeCurrentHigh ? -1 : 1 },
                                  unit: bar.unit, digits: bar.digits)
        } else {
            chart += "<p class=\"problem\" id=\"bar-problem\">bar: &#39;\(HTML.escape(barKey))&#39; is not one of \(Self.stringBars.map(\.key).joined(separator: ", "))</p>"
        }
        let csv = "/strings.csv" + (ups.map { "?ups=\(HTML.escape($0))" } ?? "")
        // The level above the strings: the UPSs of the data centre, or this UPS.
        var groupRows = ""
        for g in groups() where ups == nil || g.id == ups {
            groupRows += """
                <tr data-ups="\(HTML.escape(g.id))"><td><a href="/ups/\(HTML.escape(g.id))">\(HTML.escape(g.name))</a></td><td>\(g.strings)</td>
                <td data-key="stringsOK">\(g.stringsOK)</td><td data-key="stringsCommLost">\(g.stringsCommLost)</td>
                <td data-key="stringsDischarging">\(g.stringsDischarging)</td><td>\(g.cells)</td>
                <td data-key="cellVoltageMin">\(f(g.cellVoltageMin, 3))</td><td class="text" data-key="cellVoltageMinAt">\(HTML.escape(g.cellVoltageMinAt ?? ""))</td>
                <td data-key="cellVoltageMax">\(f(g.cellVoltageMax, 3))</td><td data-key="cellResistanceMax">\(f(g.cellResistanceMax, 3))</td>
                <td class="text" data-key="cellResistanceMaxAt">\(HTML.escape(g.cellResistanceMaxAt ?? ""))</td></tr>
                """
        }
        let level: Level = ups.map { .ups($0) } ?? .site
        return page.render(title: "Real-time data", session: context.session, status: bar == nil ? .badRequest : .ok, body: """
            \(level.header(model.topology, active: .realTime))
            <h1>Real-time data — \(HTML.escape(title))</h1>
            <table id="ups"><thead><tr><th>UPS</th><th>Strings</th><th>Link OK</th><th>Link lost</th><th>Discharging</th><th>Cells</th>
            <th>Lowest cell V</th><th>where</th><th>Highest cell V</th><th>Highest cell mΩ</th><th>where</th></tr></thead><tbody>\(groupRows)</tbody></table>
            <h2>Strings</h2>
            <table id="strings" data-live="1"><thead><tr><th>String</th><th>UPS</th><th>Link</th><th>Voltage V</th><th>Current A</th><th>SoC %</th>
            <th>Temp °C</th><th>RH %</th><th>Cells</th><th>Min cell V</th><th>Max cell V</th></tr></thead><tbody>\(rows)</tbody></table>
            <p><a href="\(csv)" id="strings-csv">download CSV</a> · <a href="\(level.base)/heatmap" id="heatmap-link">heatmap of every cell</a></p>\(chart)
            """)
    }

    private func stringPage(_ d: StringDetail, _ request: Request, _ context: WebContext, alarms: AlarmView) -> Response {
        var table = CellTable(request)
        table.life = lifeByCell(d.summary.id)
        table.time = page.siteTime()
        let base = "/strings/\(d.summary.id)"
        let bars = CellTable.Column.measured
        var chart = BarChart.picker(action: base, choices: bars.map { ($0.rawValue, $0.title) }, selected: table.bar.rawValue,
                                    keep: ["sort": table.sort.rawValue, "order": table.descending ? "desc" : "asc", "page": String(table.page), "size": String(table.size)])
        let types = Self.cellBarTypes(table.bar)
        chart += BarChart.svg(id: "bars", labels: d.cells.map { String($0.cell) }, values: d.cells.map { table.bar.value($0) },
                              states: d.cells.map { alarms.inAlarm(string: d.summary.id, cell: $0.cell, types) },
                              limits: alarms.lines(types, strings: [(d.summary.id, d.cells.count)]), unit: table.bar.unit, digits: table.bar.digits)
        return page.render(title: d.summary.name, session: context.session, status: table.problems.isEmpty ? .ok : .badRequest, body: """
            \(Level.string(d.summary.id).header(model.topology, active: .realTime))
            <h1>\(HTML.escape(d.summary.name))</h1>
            \(stringBlock(d.summary))
            <h2>Cells</h2>
            \(table.render(d.cells, stringId: d.summary.id, base: base, format: f))\(chart)
            """)
    }

    /// The string's own values above its cells, refreshed by live.js like the strings table.
    private func stringBlock(_ s: StringSummary) -> String {
        let snap = model.snapshot()
        let state = model.topology.stringIndex(id: s.id).map { snap.strings[$0] }
        let flags = state?.sample?.values.status.flagNames ?? []
        let hall = flags.contains("hallSensorFault") ? "fault" : (state?.sample == nil ? "n/a" : "ok")
        let sensors = flags.filter { $0 != "hallSensorFault" }.joined(separator: ", ")
        let time = state?.sample.map { page.siteTime().text(Timestamp($0.time)) } ?? "no sample yet"
        let error = state.flatMap { $0.quality == .ok ? nil : $0.link.lastError }.map { " — \(HTML.escape($0))" } ?? ""
        func item(_ key: String, _ title: String, _ value: String, _ unit: String = "") -> String {
            "<div><dt>\(title)</dt><dd data-key=\"\(key)\">\(value)</dd>\(unit.isEmpty ? "" : "<dd class=\"unit\">\(unit)</dd>")</div>"
        }
        return """
            <dl class="string-block" id="string-block" data-string="\(HTML.escape(s.id))">
            \(item("voltage", "Voltage", f(s.voltage, StringQuantity.voltage.digits), "V"))\(item("current", "Current", f(s.current, StringQuantity.current.digits), "A"))
            \(item("soc", "SoC", f(s.soc, 1), "%"))\(item("temperature", "Temperature", f(s.temperature, 1), "°C"))
            \(item("humidity", "Humidity", f(s.humidity, 1), "%RH"))\(item("hall", "Hall sensor", hall))
            \(item("quality", "Link", "<span class=\"\(s.quality)\">\(s.quality)</span>\(error)"))\(item("time", "Sample", HTML.escape(time)))
            \(sensors.isEmpty ? "" : item("flags", "Sensor faults", HTML.escape(sensors)))
            \(state?.link.remoteWrite.map { w in item("remote-write", "Written remotely",
                HTML.escape("\(page.siteTime().text(Timestamp(w.at))) by \(w.user): \(w.detail)")) } ?? "")
            </dl>
            """
    }

    private func notFound(_ context: WebContext) -> Response {
        page.render(title: "Not found", session: context.session, status: .notFound, body: "<h1>Not found</h1><p><a href=\"/\">Real-time data</a></p>")
    }
}
