import BatteryModel
import Foundation
import Storage

/// An interactive time plot: the data as JSON inside the page, drawn by plots.js with dygraphs
/// (Debian's libjs-dygraphs, served by the gateway from its system path; no CDN). Each series is
/// its mean line with the min–max band of its downsampled buckets; several series overlay.
///
/// dygraphs, rather than Chart.js: it is made for long time series (a year of buckets), draws the
/// min–max band itself (custom bars), zooms by dragging and pans with shift-drag out of the box, and
/// its time axis needs no date adapter (Debian packages none for Chart.js).
///
/// Times are sent shifted into the site's zone and drawn as UTC, so the axis ticks fall on the
/// site's local hours and days whatever zone the browser is in.
struct Plot {
    struct Series {
        var label: String
        var points: [HistoryPoint]
        /// Canonical unit → display unit (0.001 or 0.1).
        var scale: Double
    }

    var id: String
    var title: String
    var unit: String
    /// Decimals of the display unit at the measured resolution.
    var digits: Int
    var series: [Series]
    /// Second y axis (right) for series whose label is listed, e.g. current beside voltage.
    var rightAxis: (unit: String, digits: Int, labels: Set<String>)? = nil
    /// The period asked for (ms): the time axis spans it even where the data covers less of it.
    var period: (from: Int64, to: Int64)? = nil

    /// The plot's container: a title, the chart, a short hint, and the data.
    func html(time: SiteTime) -> String {
        guard series.contains(where: { !$0.points.isEmpty }) else {
            return "<section class=\"plot-box\" id=\"\(HTML.escape(id))\"><h2>\(HTML.escape(title))</h2><p class=\"empty\">No data in this period.</p></section>"
        }
        let data = json(time: time).replacingOccurrences(of: "</", with: "<\\/")
        return """
            <section class="plot-box" id="\(HTML.escape(id))"><h2>\(HTML.escape(title))</h2>
            <div class="plot" data-plot="\(HTML.escape(id))"><div class="chart"></div><div class="legend"></div>
            <script type="application/json">\(data)</script></div>
            <p class="hint">Drag to zoom, shift-drag to pan, double-click to show all. Band: lowest and highest value in each point's period; line: mean.</p></section>
            """
    }

    /// `{"labels":[…],"unit":…,"digits":…,"rows":[[t,[lo,mean,hi],…],…]}`, rows merged by time (null where a series has no point).
    func json(time: SiteTime) -> String {
        var rows: [Int64: [String]] = [:]
        for (i, s) in series.enumerated() {
            let div = (1 / s.scale).rounded()
            for p in s.points {
                let lo = DecimalText.format(Double(p.min) / div, digits: digits), hi = DecimalText.format(Double(p.max) / div, digits: digits)
                let mean = DecimalText.format(p.mean / div, digits: digits + 1)
                rows[p.time, default: [String](repeating: "null", count: series.count)][i] = "[\(lo),\(mean),\(hi)]"
            }
        }
        var out = "{\"title\":\(Self.quoted(title)),\"unit\":\(Self.quoted(unit)),\"digits\":\(digits),\"labels\":["
        out += (["time"] + series.map(\.label)).map(Self.quoted).joined(separator: ",") + "]"
        if let r = rightAxis {
            out += ",\"right\":{\"unit\":\(Self.quoted(r.unit)),\"digits\":\(r.digits),\"labels\":[\(r.labels.sorted().map(Self.quoted).joined(separator: ","))]}"
        }
        if let p = period {
            out += ",\"window\":[\(time.wallClock(Timestamp(millis: p.from))),\(time.wallClock(Timestamp(millis: p.to)))]"
        }
        out += ",\"rows\":["
        var first = true
        for t in rows.keys.sorted() {
            guard let values = rows[t] else { continue }
            let local = time.wallClock(Timestamp(millis: t))
            out += (first ? "" : ",") + "[\(local)," + values.joined(separator: ",") + "]"
            first = false
        }
        return out + "]}"
    }

    static func quoted(_ s: String) -> String {
        (try? String(decoding: JSONEncoder().encode(s), as: UTF8.self)) ?? "\"\""
    }
}
