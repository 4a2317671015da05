import Analytics
import Alarms
import BatteryModel
import ConfigSupport
import Foundation
import Hummingbird
import Storage

/// History of a string or cell quantity over a period: the JSON API and the CSV download here, the
/// pages (plots at each level) in HistoryRoutes+Page.swift.
struct HistoryRoutes {
    let model: LiveModel
    let store: DatabaseQueue<GatewayDatabase>
    let page: PageRenderer
    let life: LifeEstimates

    struct Query {
        var stringId: String
        var quantity: HistoryQuantity
        var from: Int64, to: Int64, points: Int
        var fromText: String, toText: String

        var scale: Double {
            switch quantity {
            case let .string(q): q.displayScale
            case let .cell(q, _): q.displayScale
            }
        }

        var unit: String {
            switch quantity {
            case let .string(q): q.displayUnit
            case let .cell(q, _): q.displayUnit
            }
        }

        var name: String {
            switch quantity {
            case let .string(q): "string \(q.rawValue)"
            case let .cell(q, i): "cell \(i + 1) \(q.rawValue)"
            }
        }
    }

    /// The query parameters, each wrong one named.
    func query(_ request: Request, stringId: String, defaultPoints: Int) -> (Query?, [String: String]) {
        let q = request.uri.queryParameters
        var problems: [String: String] = [:]
        guard let index = model.topology.stringIndex(id: stringId) else { return (nil, ["string": "no string '\(stringId)'"]) }
        let cells = model.topology.strings[index].cellCount
        let quantityText = q["quantity"].map(String.init) ?? "voltage"
        var quantity: HistoryQuantity?
        if let cellText = q["cell"].map(String.init), !cellText.isEmpty {
            if let n = Int(cellText), (1...cells).contains(n) {
                if let c = CellQuantity(rawValue: quantityText) { quantity = .cell(c, index: n - 1) } else {
                    problems["quantity"] = "'\(quantityText)' is not one of \(CellQuantity.allCases.map(\.rawValue).joined(separator: ", "))"
                }
            } else {
                problems["cell"] = "'\(cellText)' is not a cell number from 1 to \(cells)"
            }
        } else if let s = StringQuantity(rawValue: quantityText) {
            quantity = .string(s)
        } else {
            problems["quantity"] = "'\(quantityText)' is not one of \(StringQuantity.allCases.map(\.rawValue).joined(separator: ", "))"
        }
        let fromText = q["from"].map(String.init) ?? "24h", toText = q["to"].map(String.init) ?? "now"
        let from = TimeText.parse(fromText), to = TimeText.parse(toText)
        if from == nil { problems["from"] = "'\(fromText)' is not a time (now, 24h, 7d, 2026-11-25, 2026-11-25T10:00:00Z)" }
        if to == nil { problems["to"] = "'\(toText)' is not a time" }
        if let from, let to, to <= from { problems["to"] = "must be after from" }
        var points = defaultPoints
        if let p = q["points"].map(String.init) {
            if let n = Int(p), (1...5000).contains(n) { points = n } else { problems["points"] = "'\(p)' is not a number from 1 to 5000" }
        }
        guard problems.isEmpty, let quantity, let from, let to else { return (nil, problems) }
        return (Query(stringId: stringId, quantity: quantity, from: from, to: to, points: points, fromText: fromText, toText: toText), [:])
    }

    func series(_ q: Query) async throws -> [HistoryPoint] {
        try await store.run { s in
            guard let key = try s.stringKey(id: q.stringId) else { return [] }
            return try s.series(stringKey: key, q.quantity, from: q.from, to: q.to, points: q.points)
        }
    }

    struct PointJSON: Encodable {
        let time: String, min: Double, mean: Double, max: Double, samples: Int
    }

    struct SeriesJSON: Encodable {
        let string: String, quantity: String, unit: String, from: String, to: String, points: [PointJSON]
    }

    func register(_ router: Router<WebContext>) {
        router.get("/api/v1/strings/:id/history") { request, context -> Response in
            let (q, problems) = query(request, stringId: context.parameters.get("id") ?? "", defaultPoints: 500)
            guard let q else {
                return WebResponse.json(["error": problems.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")],
                                        status: problems["string"] != nil ? .notFound : .badRequest)
            }
            let div = (1 / q.scale).rounded()
            let points = try await series(q).map {
                PointJSON(time: Timestamp(millis: $0.time).iso, min: Double($0.min) / div, mean: ($0.mean / div * 1000).rounded() / 1000,
                          max: Double($0.max) / div, samples: $0.count)
            }
            return WebResponse.json(SeriesJSON(string: q.stringId, quantity: q.name, unit: q.unit, from: Timestamp(millis: q.from).iso, to: Timestamp(millis: q.to).iso,
                                               points: points))
        }
        router.get("/strings/:id/history.csv") { request, context -> Response in
            let (q, problems) = query(request, stringId: context.parameters.get("id") ?? "", defaultPoints: 1000)
            guard let q else { return WebResponse.html("<p>\(HTML.escape(problems.values.joined(separator: "; ")))</p>", status: .badRequest) }
            let div = (1 / q.scale).rounded()
            var text = "time,min,mean,max,samples\n"
            let time = page.siteTime()
            for p in try await series(q) {
                text += "\(time.iso(Timestamp(millis: p.time))),\(Double(p.min) / div),\(String(format: "%.3f", p.mean / div)),\(Double(p.max) / div),\(p.count)\n"
            }
            var r = Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: .init(string: text)))
            r.headers[.contentDisposition] = "attachment; filename=\"\(q.stringId)-\(q.name.replacingOccurrences(of: " ", with: "-")).csv\""
            return r
        }
        registerPages(router)
    }

    /// The plotted buckets as a table, folded under the plot.
    static func table(_ points: [HistoryPoint], scale: Double, time: SiteTime) -> String {
        guard !points.isEmpty else { return "" }
        let digits = scale == 0.001 ? 3 : 1
        var rows = ""
        for p in points {
            rows += "<tr><td>\(time.text(Timestamp(millis: p.time)))</td><td>\(DecimalText.format(Double(p.min) * scale, digits: digits))</td>"
                + "<td>\(DecimalText.format(p.mean * scale, digits: digits))</td><td>\(DecimalText.format(Double(p.max) * scale, digits: digits))</td><td>\(p.count)</td></tr>"
        }
        return """
            <details id="history-table"><summary>Table of the \(points.count) points</summary>
            <table><thead><tr><th>From</th><th>Min</th><th>Mean</th><th>Max</th><th>Samples</th></tr></thead><tbody>\(rows)</tbody></table></details>
            """
    }
}
