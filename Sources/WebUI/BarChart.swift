import BatteryModel
import Foundation

/// A server-rendered SVG bar chart of one parameter across strings or cells: readable at 120 cells
/// (every bar has its value as a tooltip; the axis labels thin out), the lowest and highest bars marked.
enum BarChart {
    static func svg(id: String, labels: [String], values: [Double?], unit: String, digits: Int) -> String {
        let present = values.compactMap { $0 }
        guard let lo0 = present.min(), let hi0 = present.max() else { return "<p id=\"\(id)\">No values yet.</p>" }
        let (w, h, left, pad) = (900.0, 260.0, 60.0, 24.0)
        // The bars start a little below the lowest value, so small differences between cells show.
        let span = max(hi0 - lo0, max(abs(hi0) * 0.001, 1e-6))
        let lo = lo0 - span * 0.15, hi = hi0 + span * 0.05
        let n = Double(values.count)
        let slot = (w - left - pad) / n
        func y(_ v: Double) -> Double { h - pad - (h - 2 * pad) * (v - lo) / (hi - lo) }
        func f(_ v: Double) -> String { DecimalText.format(v, digits: 1) }
        func text(_ v: Double) -> String { DecimalText.format(v, digits: digits) }
        var bars = ""
        let step = max(1, Int((n / 30).rounded(.up)))
        for (i, value) in values.enumerated() {
            let x = left + Double(i) * slot
            if let v = value {
                let colour = v == lo0 ? "#b00020" : v == hi0 ? "#a06000" : "#457b9d"
                bars += "<rect x=\"\(f(x + slot * 0.1))\" y=\"\(f(y(v)))\" width=\"\(f(max(slot * 0.8, 0.5)))\" height=\"\(f(h - pad - y(v)))\" fill=\"\(colour)\">"
                    + "<title>\(HTML.escape(labels[i])): \(text(v)) \(HTML.escape(unit))</title></rect>"
            }
            if i % step == 0 {
                bars += "<text x=\"\(f(x + slot / 2))\" y=\"\(f(h - 8))\" font-size=\"10\" text-anchor=\"middle\">\(HTML.escape(labels[i]))</text>"
            }
        }
        return """
            <svg id="\(id)" viewBox="0 0 \(Int(w)) \(Int(h))" width="\(Int(w))" height="\(Int(h))" role="img" aria-label="bar graph">
            <rect x="\(left)" y="\(pad)" width="\(w - left - pad)" height="\(h - 2 * pad)" fill="#fff" stroke="#ccc"/>\(bars)
            <text x="2" y="\(f(y(hi0) + 4))" font-size="11">\(text(hi0)) \(HTML.escape(unit))</text>
            <text x="2" y="\(f(y(lo0) + 4))" font-size="11">\(text(lo0)) \(HTML.escape(unit))</text>
            </svg>
            """
    }

    /// A form that picks the chart's parameter (a GET, so the page can be bookmarked).
    static func picker(action: String, choices: [(String, String)], selected: String, keep: [String: String]) -> String {
        var html = "<form class=\"period\" method=\"get\" action=\"\(HTML.escape(action))\"><label for=\"bar\">Bar graph of</label> <select id=\"bar\" name=\"bar\">"
        for (value, title) in choices { html += "<option value=\"\(value)\"\(value == selected ? " selected" : "")>\(HTML.escape(title))</option>" }
        html += "</select>"
        for (k, v) in keep.sorted(by: { $0.key < $1.key }) { html += "<input type=\"hidden\" name=\"\(HTML.escape(k))\" value=\"\(HTML.escape(v))\">" }
        return html + " <button>Show</button></form>"
    }
}
