import BatteryModel
import Foundation

/// A server-rendered SVG line chart over elapsed time (a report's plots: they print as drawn,
/// with no script to wait for): labelled axes with ticks and grid, reference lines (an end
/// voltage), an optional right axis, and a legend.
enum LineChart {
    struct Series {
        var label: String
        var color: String
        var points: [(x: Double, y: Double)]
        var rightAxis = false
        var dashed = false
    }

    struct Reference {
        var label: String
        var y: Double
    }

    static func svg(id: String, title: String, series: [Series], references: [Reference] = [], unit: String,
                    rightUnit: String = "") -> String {
        let left = series.filter { !$0.rightAxis }, right = series.filter(\.rightAxis)
        let xs = series.flatMap { $0.points.map(\.x) }
        guard let x0 = xs.min(), let x1 = xs.max(), !left.flatMap(\.points).isEmpty else {
            return "<section class=\"chart-box\" id=\"\(id)\"><h3>\(HTML.escape(title))</h3><p>No samples.</p></section>"
        }
        let (w, h, l, r, t, b) = (900.0, 250.0, 64.0, right.isEmpty ? 16.0 : 64.0, 12.0, 34.0)
        let yAxis = BarChart.axis(values: left.flatMap { $0.points.map(\.y) } + references.map(\.y))
        let rAxis = right.isEmpty ? nil : BarChart.axis(values: right.flatMap { $0.points.map(\.y) })
        let span = max(x1 - x0, 1)
        func px(_ x: Double) -> Double { l + (w - l - r) * (x - x0) / span }
        func py(_ y: Double, _ a: BarChart.Axis) -> Double { h - b - (h - t - b) * (y - a.low) / (a.high - a.low) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var out = "<section class=\"chart-box\" id=\"\(id)\"><h3>\(HTML.escape(title))</h3>"
            + "<svg viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"\(HTML.escape(title))\" class=\"line-chart\">"
        for y in yAxis.ticks {
            out += "<line x1=\"\(f(l))\" x2=\"\(f(w - r))\" y1=\"\(f(py(y, yAxis)))\" y2=\"\(f(py(y, yAxis)))\" stroke=\"#e3e3e3\"/>"
                + "<text x=\"\(f(l - 6))\" y=\"\(f(py(y, yAxis) + 4))\" text-anchor=\"end\" font-size=\"11\">\(DecimalText.format(y, digits: yAxis.tickDigits))</text>"
        }
        if let rAxis {
            for v in rAxis.ticks {
                out += "<text x=\"\(f(w - r + 6))\" y=\"\(f(py(v, rAxis) + 4))\" font-size=\"11\">\(DecimalText.format(v, digits: rAxis.tickDigits))</text>"
            }
            out += "<text x=\"\(f(w - 4))\" y=\"\(f(t + 2))\" text-anchor=\"end\" font-size=\"11\">\(HTML.escape(rightUnit))</text>"
        }
        out += "<text x=\"4\" y=\"\(f(t + 2))\" font-size=\"11\">\(HTML.escape(unit))</text>"
        // Time ticks on whole minutes or hours, about six of them.
        let step = [60.0, 300, 600, 900, 1800, 3600, 7200, 10800].first { span / $0 <= 8 } ?? 21600
        var x = (x0 / step).rounded(.up) * step
        while x <= x1 {
            out += "<line x1=\"\(f(px(x)))\" x2=\"\(f(px(x)))\" y1=\"\(f(t))\" y2=\"\(f(h - b))\" stroke=\"#eee\"/>"
                + "<text x=\"\(f(px(x)))\" y=\"\(f(h - b + 15))\" text-anchor=\"middle\" font-size=\"11\">\(ElapsedText.clock(.seconds(x)).dropLast(3))</text>"
            x += step
        }
        out += "<text x=\"\(f(w - r))\" y=\"\(f(h - 4))\" text-anchor=\"end\" font-size=\"11\">h:mm from the start</text>"
        out += "<rect x=\"\(f(l))\" y=\"\(f(t))\" width=\"\(f(w - l - r))\" height=\"\(f(h - t - b))\" fill=\"none\" stroke=\"#999\"/>"
        for ref in references {
            out += "<line x1=\"\(f(l))\" x2=\"\(f(w - r))\" y1=\"\(f(py(ref.y, yAxis)))\" y2=\"\(f(py(ref.y, yAxis)))\" stroke=\"#b00020\" stroke-dasharray=\"6 4\"/>"
                + "<text x=\"\(f(w - r - 4))\" y=\"\(f(py(ref.y, yAxis) - 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#b00020\">\(HTML.escape(ref.label))</text>"
        }
        for s in series where !s.points.isEmpty {
            let axis = s.rightAxis ? (rAxis ?? yAxis) : yAxis
            let path = s.points.map { "\(f(px($0.x))),\(f(py($0.y, axis)))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.6\"\(s.dashed ? " stroke-dasharray=\"4 3\"" : "") points=\"\(path)\"/>"
        }
        out += "</svg><p class=\"legend\">" + series.map {
            "<span><svg width=\"20\" height=\"8\" aria-hidden=\"true\"><line x1=\"0\" y1=\"4\" x2=\"20\" y2=\"4\" stroke=\"\($0.color)\" "
                + "stroke-width=\"3\"\($0.dashed ? " stroke-dasharray=\"4 3\"" : "")/></svg> \(HTML.escape($0.label))\($0.rightAxis ? " (right axis)" : "")</span>"
        }.joined() + "</p></section>"
        return out
    }
}
