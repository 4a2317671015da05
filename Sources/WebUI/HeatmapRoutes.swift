import BatteryModel
import Foundation
import Hummingbird
import Storage
import Alarms

/// The plant at a glance: every cell of every string on one screen (a row per string, a column per
/// cell), coloured by its deviation from its string's mean, cells in alarm outlined; a click opens
/// the cell. Drawn on a canvas by heatmap.js from compact JSON (3840 cells are 25 kB of numbers,
/// where as many SVG elements would be half a megabyte); the largest deviations are also listed as
/// a table of links, which works without JavaScript.
struct HeatmapRoutes {
    let model: LiveModel
    let store: DatabaseQueue<GatewayDatabase>
    let page: PageRenderer

    static let quantities: [(CellQuantity, String)] = [(.voltage, "voltage"), (.resistance, "resistance"), (.temperature, "temperature")]

    func register(_ router: Router<WebContext>) {
        router.get("/heatmap") { request, context -> Response in try await heatmap(.site, request, context) }
        router.get("/ups/:id/heatmap") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard model.topology.upses.contains(where: { $0.id == id }) else {
                return page.notFound(context)
            }
            return try await heatmap(.ups(id), request, context)
        }
        router.get("/static/heatmap.js") { _, _ -> Response in
            var r = Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8"], body: .init(byteBuffer: .init(string: HeatmapScript.text)))
            r.headers[.cacheControl] = "max-age=3600"
            return r
        }
    }

    struct Deviation {
        var string: Int, cell: Int, value: Int32, deviation: Double, alarm: Bool
    }

    private func heatmap(_ level: Level, _ request: Request, _ context: WebContext) async throws -> Response {
        let key = request.uri.queryParameters["q"].map(String.init) ?? "voltage"
        guard let quantity = Self.quantities.first(where: { $0.1 == key })?.0 else {
            return page.render(title: "Heatmap", session: context.session, status: .badRequest, body: level.header(model.topology, active: .realTime)
                + "<p class=\"problem\" id=\"q-problem\">q: '\(HTML.escape(key))' is not one of voltage, resistance, temperature</p>")
        }
        let snap = model.snapshot(), topology = snap.topology
        let indexes: [Int] = switch level {
        case let .ups(id): topology.upses.firstIndex { $0.id == id }.map { topology.stringIndexes(ofUPS: $0) } ?? []
        default: Array(topology.strings.indices)
        }
        let active = try await store.run { try AlarmLog(db: $0.db).list(.site, activeOnly: true, limit: 100_000) }
        let alarmed = Set(active.compactMap { r in r.cell.map { "\(r.stringId)#\($0)" } })
        // Deviation from the string's mean in display units (mV as V, 0.1 °C as °C), per cell; n/a as null.
        var rows: [String] = [], all: [Deviation] = []
        let scale = quantity.displayScale
        for i in indexes {
            let id = topology.strings[i].id
            guard let cells = snap.strings[i].sample?.cells else { rows.append("null"); continue }
            let column = cells[quantity]
            let values = column.compactMap(Measurement.value)
            let mean = values.isEmpty ? 0 : Double(values.reduce(0) { $0 + Int64($1) }) / Double(values.count)
            var items: [String] = []
            for (n, raw) in column.enumerated() {
                guard let v = Measurement.value(raw) else { items.append("null"); continue }
                let d = (Double(v) - mean) * scale
                let alarm = alarmed.contains("\(id)#\(n + 1)")
                all.append(Deviation(string: i, cell: n + 1, value: v, deviation: d, alarm: alarm))
                items.append("[\(DecimalText.format(d, digits: quantity.digits + 1)),\(DecimalText.format(Double(v) * scale, digits: quantity.digits)),\(alarm ? 1 : 0)]")
            }
            rows.append("[" + items.joined(separator: ",") + "]")
        }
        let labels = indexes.map { Plot.quoted(topology.strings[$0].id) }.joined(separator: ",")
        let data = "{\"unit\":\(Plot.quoted(quantity.displayUnit)),\"digits\":\(quantity.digits),\"strings\":[\(labels)],\"rows\":[\(rows.joined(separator: ","))]}"
        let worst = all.sorted { ($0.alarm ? 1 : 0, abs($0.deviation)) > ($1.alarm ? 1 : 0, abs($1.deviation)) }.prefix(12)
        var list = ""
        for w in worst {
            let id = HTML.escape(topology.strings[w.string].id)
            list += "<tr data-cell=\"\(id)#\(w.cell)\"\(w.alarm ? " class=\"alarm\"" : "")><td><a href=\"/strings/\(id)/cells/\(w.cell)\">\(id) cell \(w.cell)</a></td>"
                + "<td>\(DecimalText.format(Double(w.value) * scale, digits: quantity.digits))</td>"
                + "<td>\(w.deviation >= 0 ? "+" : "")\(DecimalText.format(w.deviation, digits: quantity.digits))</td><td>\(w.alarm ? "alarm" : "")</td></tr>"
        }
        let choices = Self.quantities.map { q in "<option value=\"\(q.1)\"\(q.1 == key ? " selected" : "")>Cell \(q.0.title)</option>" }.joined()
        let body = """
            \(level.header(topology, active: .realTime))
            <h1>Heatmap — every cell</h1>
            <form class="period" method="get" action="\(level.base)/heatmap"><label for="q">Colour by deviation of</label>
            <select id="q" name="q">\(choices)</select><button>Show</button></form>
            <p class="hint">Each row is a string, each square a cell: blue below its string's mean, red above, white at it; outlined: an active alarm. Click a cell to open it.</p>
            <div class="heatmap" id="heatmap"><canvas></canvas><div class="scale"></div><div class="readout" aria-live="polite"></div>
            <script type="application/json">\(data.replacingOccurrences(of: "</", with: "<\\/"))</script></div>
            <h2>Largest deviations</h2>
            <table id="deviations"><thead><tr><th>Cell</th><th>\(HTML.escape(quantity.displayUnit))</th><th>from string mean</th><th>Alarm</th></tr></thead><tbody>\(list)</tbody></table>
            <script src="/static/heatmap.js" defer></script>
            """
        return page.render(title: "Heatmap", session: context.session, body: body)
    }
}

extension CellColumns {
    subscript(_ q: CellQuantity) -> [Int32] {
        switch q {
        case .voltage: voltage
        case .resistance: resistance
        case .temperature: temperature
        case .soc: soc
        case .soh: soh
        }
    }
}
