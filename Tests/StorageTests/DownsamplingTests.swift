import BatteryModel
import Foundation
@testable import Storage
import TestSupport
import Testing

@Suite struct DownsamplingTests {
    @Test func bucketsHoldMinTimeWeightedMeanMax() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let store = try GatewayDatabase(path: path, sampleWeightCap: .seconds(60))
        let key = try store.register(twoStrings)[0]
        // Bucket 1 (0–60 s): 100 at t=0 for 30 s, then 200 at t=30 for 30 s → mean 150.
        // Bucket 2 (60–120 s): 10 samples 1 s apart from t=60 (values 0…9, 1 s each), then 1000 at t=70 for 50 s.
        var rows: [(Int64, StringSample)] = [(key, makeSample(0, ms: 0, base: 100)), (key, makeSample(0, ms: 30000, base: 200))]
        for i in 0..<10 { rows.append((key, makeSample(0, ms: 60000 + Int64(i) * 1000, base: Int32(i)))) }
        rows.append((key, makeSample(0, ms: 70000, base: 1000)))
        try store.insert(rows.map { ($0.0, $0.1) })

        let series = try store.series(stringKey: key, .cell(.voltage, index: 0), from: 0, to: 120_000, points: 2)
        #expect(series.count == 2)
        #expect(series[0] == HistoryPoint(time: 0, min: 100, mean: 150, max: 200, count: 2))
        #expect(series[1].min == 0)
        #expect(series[1].max == 1000)
        #expect(series[1].count == 11)
        #expect(abs(series[1].mean - Double(45 + 1000 * 50) / 60) < 1e-9, "time-weighted: the 1 s samples weigh 1/60 each")
    }

    @Test func gapsDoNotInflateOneSample() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let store = try GatewayDatabase(path: path, sampleWeightCap: .seconds(60))
        let key = try store.register(twoStrings)[0]
        // The gateway was off for an hour after the first sample.
        try store.insert([(key, makeSample(0, ms: 0, base: 500)), (key, makeSample(0, ms: 3_600_000, base: 100)),
                          (key, makeSample(0, ms: 3_660_000, base: 100))])
        let one = try store.series(stringKey: key, .cell(.voltage, index: 0), from: 0, to: 3_720_000, points: 1)
        #expect(one.count == 1)
        #expect(abs(one[0].mean - Double(500 * 60 + 100 * 120) / 180) < 1e-9)
    }

    @Test func emptyBucketsAreLeftOut() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let store = try GatewayDatabase(path: path)
        let key = try store.register(twoStrings)[0]
        try store.insert([(key, makeSample(0, ms: 5000, base: 1)), (key, makeSample(0, ms: 95000, base: 2))])
        let series = try store.series(stringKey: key, .string(.voltage), from: 0, to: 100_000, points: 10)
        #expect(series.map(\.time) == [0, 90000])
    }

    @Test func rollupsGiveTheSameAnswerAsRawSamples() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let store = try GatewayDatabase(path: path, sampleWeightCap: .seconds(120))
        let keys = try store.register(twoStrings)
        // 48 hours of one-minute samples with a daily wave, plus a 20-minute 1 s "discharge" on day 2.
        var rows: [(key: Int64, sample: StringSample)] = []
        let hour: Int64 = 3_600_000
        for m in 0..<(48 * 60) {
            let t = Int64(m) * 60000
            let v = Int32(13600 + Int((sin(Double(m) / 1440 * 2 * .pi) * 50).rounded()))
            rows.append((keys[0], makeSample(0, ms: t, base: v, current: 150)))
            rows.append((keys[1], makeSample(1, ms: t, base: v + 7)))
        }
        for s in 0..<1200 {
            rows.append((keys[0], makeSample(0, ms: 30 * hour + 60000 * 5 + Int64(s) * 1000 + 500, base: 12000 - Int32(s), current: -40000)))
        }
        try store.insert(rows)
        let rawSeries = try store.series(stringKey: keys[0], .cell(.voltage, index: 1), from: 0, to: 48 * hour, points: 24)
        let rawCurrent = try store.series(stringKey: keys[0], .string(.current), from: 0, to: 48 * hour, points: 24)

        while try store.rollUpNext(stringKey: keys[0], before: 48 * hour) {}
        #expect(try store.db.scalar("SELECT COUNT(*) FROM rollups") == 48)
        #expect(try store.rollUpNext(stringKey: keys[0], before: 48 * hour) == false)
        // Prove the query now reads rollups: remove the raw rows of string 0 before the last rolled hour.
        let (lo, _) = SampleKey.range(string: keys[0], from: 0, to: 0)
        let s = try store.db.statement("DELETE FROM samples WHERE key >= ? AND key < ?")
        try s.bind(1, lo)
        try s.bind(2, SampleKey.make(string: keys[0], millis: 48 * hour))
        try s.step()

        let rolled = try store.series(stringKey: keys[0], .cell(.voltage, index: 1), from: 0, to: 48 * hour, points: 24)
        let rolledCurrent = try store.series(stringKey: keys[0], .string(.current), from: 0, to: 48 * hour, points: 24)
        #expect(rolled.map(\.min) == rawSeries.map(\.min))
        #expect(rolled.map(\.max) == rawSeries.map(\.max))
        #expect(rolledCurrent.map(\.min) == rawCurrent.map(\.min))
        for (a, b) in zip(rolled, rawSeries) {
            // Hourly means are stored rounded to 1 mV: two hours per bucket differ by at most 0.5 mV.
            #expect(abs(a.mean - b.mean) <= 0.5, "bucket \(a.time): \(a.mean) vs \(b.mean)")
        }
        #expect(rolled.count == 24)
    }
}
