import BatteryModel
import Foundation
import Sparkplug
import Uplink

/// Bytes on the wire per full sweep (32 strings × 120 cells): our JSON measurements against
/// Sparkplug B's births, a first DDATA with every metric, and a DDATA by exception 10 s later;
/// and the time to encode each, all in the same run.
enum BenchSparkplug {
    static func payloadSizes() {
        let topology = BenchStorage.topology
        var feed = BenchStorage.PlantFeed()
        let t0 = Timestamp.now.millis
        let first = feed.snapshot(at: t0, dt: 1)
        _ = feed.snapshot(at: t0 + 5000, dt: 5)
        let later = feed.snapshot(at: t0 + 10_000, dt: 5)
        let json = UplinkPayloads(gatewayId: "bench-gw", version: "bench", topology: topology)
        let spb = SparkplugPayloads(topology: topology, version: "bench")
        let now = Timestamp(millis: t0)

        func metrics(_ sweep: [StringSample]) -> [[SparkplugMetric]] {
            sweep.map { SparkplugMetric.string($0.stringIndex, sample: $0, quality: .ok, cellCount: BenchStorage.cells) }
        }
        var jsonBytes = 0, birthBytes = 0, fullBytes = 0, rbeBytes = 0, rbeMetrics = 0
        var jsonTimes: [Duration] = [], spbTimes: [Duration] = []
        for round in 0..<5 {
            var rbe = ReportByException()
            let j0 = ContinuousClock.now
            let j = first.map { json.measurement(seq: 1, stringIndex: $0.stringIndex, sample: $0, quality: .ok).count }.reduce(0, +)
            jsonTimes.append(ContinuousClock.now - j0)
            let s0 = ContinuousClock.now
            var full = 0
            for (i, m) in metrics(first).enumerated() {
                full += spb.deviceData(rbe.changes(device: i, m), now: now, sampleTime: Timestamp(first[i].time)).count
            }
            spbTimes.append(ContinuousClock.now - s0)
            var births = 0
            for (i, m) in metrics(first).enumerated() { births += spb.deviceBirth(m, seq: UInt64(i + 1), now: now, sampleTime: now).count }
            var changed = 0, changedMetrics = 0
            for (i, m) in metrics(later).enumerated() {
                let c = rbe.changes(device: i, m)
                changedMetrics += c.count
                changed += spb.deviceData(c, now: now, sampleTime: Timestamp(later[i].time)).count
            }
            if round == 0 { (jsonBytes, birthBytes, fullBytes, rbeBytes, rbeMetrics) = (j, births, full, changed, changedMetrics) }
        }
        let j = Bench.stats(jsonTimes), s = Bench.stats(spbTimes)
        let all = BenchStorage.strings * (BenchStorage.cells * 5 + 6)
        Bench.say("""

            MQTT payload bytes per full sweep (\(BenchStorage.strings) strings × \(BenchStorage.cells) cells, one message per string):
              JSON measurements (reference)       \(kib(jsonBytes)) KiB    encode \(Bench.fmt(j.median)) ms median
              Sparkplug DBIRTH (names, units)     \(kib(birthBytes)) KiB    \(ratio(birthBytes, jsonBytes)) × JSON
              Sparkplug DDATA, every metric       \(kib(fullBytes)) KiB    \(ratio(fullBytes, jsonBytes)) × JSON    encode \(Bench.fmt(s.median)) ms median (\(ratio(s.median, j.median)) × JSON)
              Sparkplug DDATA by exception, 10 s later: \(rbeMetrics) of \(all) metrics changed, \(kib(rbeBytes)) KiB, \(ratio(rbeBytes, jsonBytes)) × JSON
            """)
    }

    static func kib(_ bytes: Int) -> String { Bench.fmt(Double(bytes) / 1024, 1) }
    static func ratio(_ a: Int, _ b: Int) -> String { Bench.fmt(Double(a) / Double(max(b, 1))) }
    static func ratio(_ a: Double, _ b: Double) -> String { Bench.fmt(a / max(b, 1e-9)) }
}
