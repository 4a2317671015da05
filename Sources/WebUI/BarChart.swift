import BatteryModel
import Foundation

/// A server-rendered SVG bar chart of one parameter across strings or cells: a labelled value axis
/// with ticks and grid (from zero when the values are far from it, else an explicit labelled range
/// so that small differences between cells show), the alarm limits as lines, each bar coloured by its
/// alarm state, every bar's value as a tooltip; readable at 120 cells (the category labels thin out).
enum BarChart {
    enum State: String {
        case normal, alarm
    }

    struct Limit {
        var title: String
        var value: Double
    }

    static func svg(id: String, labels: [String], values: [Double?], states: [State] = [], limits: [Limit] = [], unit: String,
                    digits: Int) -> String {
        let present = values.compactMap { $0 }
        guard let lo0 = present.min(), let hi0 = present.max() else { return "<p id=\"\(id)\">No values yet.</p>" }
        // A limit far from every bar (150 A beside 1.2 A) would flatten them: named below instead of drawn.
        let reach = max(hi0 - lo0, max(abs(lo0), abs(hi0)) * 0.25)
        let drawn = limits.filter { $0.value >= lo0 - reach && $0.value <= hi0 + reach }
        let offAxis = limits.filter { l in !drawn.contains { $0.value == l.value && $0.title == l.title } }
        let (w, h, left, right, top, bottom) = (900.0, 280.0, 78.0, 70.0, 16.0, 30.0)
        let axis = Self.axis(values: present + drawn.map(\.value))
        let n = Double(values.count)
        let slot = (w - left - right) / n
        func y(_ v: Double) -> Double { h - bottom - (h - top - bottom) * (v - axis.low) / (axis.high - axis.low) }
        func f(_ v: Double) -> String { DecimalText.format(v, digits: 1) }
        func text(_ v: Double) -> String { DecimalText.format(v, digits: digits) }
        // The ticks: grid lines and labels; their decimals are enough to tell neighbouring ticks apart.
        var grid = ""
        for t in axis.ticks {
            grid += "<line x1=\"\(left)\" x2=\"\(w - right)\" y1=\"\(f(y(t)))\" y2=\"\(f(y(t)))\" stroke=\"#e2e2e2\"/>"
                + "<text class=\"tick\" x=\"\(left - 6)\" y=\"\(f(y(t) + 4))\" font-size=\"11\" text-anchor=\"end\">"
                + "\(DecimalText.format(t, digits: axis.tickDigits)) \(HTML.escape(unit))</text>"
        }
        let base = min(max(0, axis.low), axis.high)
        var bars = ""
        let step = max(1, Int((n / 30).rounded(.up)))
        for (i, value) in values.enumerated() {
            let x = left + Double(i) * slot
            if let v = value {
                let state = i < states.count ? states[i] : .normal
                let (y0, y1) = (y(max(v, base)), y(min(v, base)))
                bars += "<rect class=\"bar \(state.rawValue)\" data-value=\"\(text(v))\" x=\"\(f(x + slot * 0.12))\" y=\"\(f(y0))\" "
                    + "width=\"\(f(max(slot * 0.76, 0.5)))\" height=\"\(f(max(y1 - y0, 0.5)))\" fill=\"\(state == .alarm ? "#c62828" : "#457b9d")\">"
                    + "<title>\(HTML.escape(labels[i])): \(text(v)) \(HTML.escape(unit))\(state == .alarm ? " — alarm" : "")</title></rect>"
            }
            if i % step == 0 {
                bars += "<text x=\"\(f(x + slot / 2))\" y=\"\(f(h - 10))\" font-size=\"10\" text-anchor=\"middle\">\(HTML.escape(labels[i]))</text>"
            }
        }
        var lines = ""
        for l in drawn {
            lines += "<line class=\"limit\" x1=\"\(left)\" x2=\"\(w - right)\" y1=\"\(f(y(l.value)))\" y2=\"\(f(y(l.value)))\" stroke=\"#c62828\" "
                + "stroke-dasharray=\"6 4\" stroke-width=\"1.5\"><title>\(HTML.escape(l.title)): \(text(l.value)) \(HTML.escape(unit))</title></line>"
                + "<text class=\"limit-label\" x=\"\(w - right + 4)\" y=\"\(f(y(l.value) + 4))\" font-size=\"10\" fill=\"#c62828\">\(HTML.escape(l.title))</text>"
        }
        var notes: [String] = []
        if axis.low != 0 && axis.high != 0 { notes.append("axis from \(DecimalText.format(axis.low, digits: axis.tickDigits)) \(HTML.escape(unit)), not from zero") }
        if !offAxis.isEmpty {
            notes.append("off the axis: " + offAxis.map { "\(HTML.escape($0.title)) \(text($0.value)) \(HTML.escape(unit))" }.joined(separator: ", "))
        }
        let note = notes.isEmpty ? "" : "<text x=\"\(left)\" y=\"\(f(h + 8))\" font-size=\"10\" fill=\"#666\" class=\"range-note\">"
            + notes.joined(separator: "; ") + "</text>"
        return """
            <svg id="\(id)" class="bar-chart" viewBox="0 0 \(Int(w)) \(Int(h + 14))" width="\(Int(w))" height="\(Int(h + 14))" role="img" aria-label="bar graph in \(HTML.escape(unit))">
            <rect x="\(left)" y="\(top)" width="\(w - left - right)" height="\(h - top - bottom)" fill="#fff" stroke="#ccc"/>\(grid)\(bars)\(lines)
            <line x1="\(left)" x2="\(w - right)" y1="\(f(y(base)))" y2="\(f(y(base)))" stroke="#555"/>\(note)
            </svg>
            """
    }

    struct Axis {
        var low: Double, high: Double, ticks: [Double], tickDigits: Int
    }

    /// Zero-based when zero is near the values (within half their height) or the values are all
    /// equal, so bar heights compare; otherwise a range around the values (and limits), on round
    /// ticks: 4 to 8 of them.
    static func axis(values: [Double]) -> Axis {
        var lo = values.min() ?? 0, hi = values.max() ?? 0
        let magnitude = max(abs(lo), abs(hi))
        let equal = hi - lo <= magnitude * 1e-4
        if lo >= 0 && (lo <= hi * 0.5 || equal) { lo = 0 } else if hi <= 0 && (hi >= lo * 0.5 || equal) { hi = 0 }
        if hi - lo < max(magnitude * 1e-4, 1e-9) {
            let pad = max(magnitude * 0.01, 0.001)
            (lo, hi) = (lo == 0 ? 0 : lo - pad, hi + pad)
        }
        let step = niceStep((hi - lo) / 5)
        // Away from zero, the lowest bar keeps half a step of height and the highest stays below the frame.
        let low = lo == 0 ? 0 : ((lo - (lo > 0 ? step / 2 : 0)) / step).rounded(.down) * step
        let high = hi == 0 ? 0 : ((hi + step / 4) / step).rounded(.up) * step
        var ticks: [Double] = []
        var t = low
        while t <= high + step / 2 {
            ticks.append(abs(t) < step / 1e6 ? 0 : t)
            t += step
        }
        let digits = max(0, Int((-log10(step)).rounded(.up)))
        return Axis(low: low, high: max(high, low + step), ticks: ticks, tickDigits: digits)
    }

    /// 1, 2 or 5 × 10^n nearest above `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / power
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power
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
