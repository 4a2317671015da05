import Alarms
import BatteryModel
import Foundation

/// Alarm evaluation time for a full-size snapshot.
enum BenchAlarms {
    static func evaluation() {
        let strings = BenchStorage.strings, cells = BenchStorage.cells
        var limits = AlarmLimit.defaults
        for k in limits.keys { limits[k]?.onDelay = .zero }
        var engine = AlarmEngine(cellCounts: Array(repeating: cells, count: strings), limits: Array(repeating: limits, count: strings))
        var feed = BenchStorage.PlantFeed()
        for s in 0..<strings { engine.setBaseline(Array(repeating: 4500, count: cells), string: s) }
        let t0 = Timestamp.now.millis
        let snapshots = (0..<50).map { feed.snapshot(at: t0 + Int64($0) * 1000, dt: 1) }
        var times: [Duration] = []
        var reference: [Duration] = []
        var transitions = 0
        var sink = 0
        for round in 0..<4 {
            for snap in snapshots {
                // Samples of a later round carry later times, so delays and state behave as in a running gateway.
                let shifted = snap.map { s in
                    StringSample(stringIndex: s.stringIndex, time: s.time.addingTimeInterval(Double(round) * 50), values: s.values, cells: s.cells)
                }
                let start = ContinuousClock.now
                for s in shifted { transitions += engine.evaluate(s).count }
                times.append(ContinuousClock.now - start)
                // Reference: the least any monitor does, one comparison per cell value against a limit.
                let r0 = ContinuousClock.now
                for s in shifted {
                    for q in CellQuantity.allCases { for v in s.cells[q] where v > 14400 { sink += 1 } }
                }
                reference.append(ContinuousClock.now - r0)
            }
        }
        let a = Bench.stats(times), r = Bench.stats(reference)
        Bench.say("""

            Alarm evaluation of one full snapshot (\(strings) strings × \(cells) cells, all 17 types, \(engine.activeCount) active at the end, \(transitions) transitions):
              median \(Bench.fmt(a.median, 3)) ms, max \(Bench.fmt(a.max, 3)) ms   (goal ≤ 2 ms)
              reference, one bare comparison per cell value: median \(Bench.fmt(r.median, 3)) ms (ratio \(Bench.fmt(a.median / max(r.median, 0.0001), 1)); \(sink) values over 14.4 V)
            """)
    }
}
