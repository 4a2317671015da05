import BatteryModel
import Foundation
import Storage
import Testing
@testable import WebUI

/// Bar-graph axes and the plots' data, without a server.
struct ChartTests {
    @Test func barAxisTellsCloseValuesApart() {
        // 1.235 A and 1.238 A: a range around them, on distinct round ticks that bracket both.
        let a = BarChart.axis(values: [1.235, 1.238])
        #expect(a.low < 1.235 && a.high > 1.238 && a.ticks.count >= 4)
        let labels = a.ticks.map { DecimalText.format($0, digits: a.tickDigits) }
        #expect(Set(labels).count == labels.count, "\(labels)")
        // Equal values and values far from zero's half: from zero.
        #expect(BarChart.axis(values: [100, 100]).low == 0 && BarChart.axis(values: [20, 95]).low == 0)
        // Discharge currents: negative bars from zero down.
        let d = BarChart.axis(values: [-150, -60])
        #expect(d.high == 0 && d.low <= -150)
    }

    @Test func barGraphDrawsNearLimitsAndNamesFarOnes() {
        let svg = BarChart.svg(id: "bars", labels: ["s1", "s2"], values: [1.235, 1.238], states: [.normal, .alarm],
                               limits: [.init(title: "high limit", value: 25), .init(title: "low limit", value: 1.2)], unit: "A", digits: 3)
        #expect(svg.contains("class=\"bar alarm\" data-value=\"1.238\"") && svg.contains("class=\"bar normal\" data-value=\"1.235\""))
        #expect(svg.components(separatedBy: "class=\"limit\"").count == 2, "the near limit is drawn")
        #expect(svg.contains("off the axis: high limit 25.000 A"), "the far one is named")
    }

    @Test func plotDataMergesSeriesInSiteTime() {
        let t0: Int64 = 1_800_000_000_000
        let a = Plot.Series(label: "cell 1", points: [HistoryPoint(time: t0, min: 13_500, mean: 13_550.5, max: 13_600, count: 3)], scale: 0.001)
        let b = Plot.Series(label: "cell 2", points: [HistoryPoint(time: t0 + 60_000, min: 13_400, mean: 13_400, max: 13_400, count: 1)], scale: 0.001)
        let plot = Plot(id: "p", title: "Cell voltage", unit: "V", digits: 3, series: [a, b], period: (t0, t0 + 120_000))
        let json = plot.json(time: SiteTime(identifier: "Asia/Kolkata"))
        let shift: Int64 = 19_800_000  // UTC+05:30
        #expect(json.contains("\"labels\":[\"time\",\"cell 1\",\"cell 2\"]"))
        #expect(json.contains("[\(t0 + shift),[13.500,13.5505,13.600],null]") && json.contains("[\(t0 + 60_000 + shift),null,[13.400,13.4000,13.400]]"), "\(json)")
        #expect(json.contains("\"window\":[\(t0 + shift),\(t0 + 120_000 + shift)]"))
        // A title cannot close the page's script element.
        let hostile = Plot(id: "p", title: "</script><b>", unit: "V", digits: 3, series: [a]).html(time: .utc)
        #expect(!hostile.contains("</script><b>"))
    }
}
