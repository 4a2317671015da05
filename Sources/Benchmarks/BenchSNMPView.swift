import BatteryModel
import Foundation
import GatewayConfig
import GatewayServices
import SNMPAgent

/// The SNMP agent's view, rebuilt once a second from the live model: time per rebuild with the
/// previous build's layout reused (what the agent does) against a build from nothing (sorting every key).
enum BenchSNMPView {
    static func rebuild() {
        let model = LiveModel(topology: BenchStorage.topology)
        var feed = BenchStorage.PlantFeed()
        let builder = MIBBuilder(gatewayId: "bench", version: Gateway.version, alarms: AlarmSettings(), batteryMib: true)
        let t0 = Timestamp.now.millis
        var layout = MIBView.Layout()
        var reused: [Duration] = [], fresh: [Duration] = []
        var entries = 0
        for n in 0..<40 {
            for s in feed.snapshot(at: t0 + Int64(n) * 1000, dt: 1) { model.apply(s) }
            let snapshot = model.snapshot()
            let uptime = Duration.seconds(n)
            let a = ContinuousClock.now
            let view = builder.view(snapshot: snapshot, activeAlarms: [], alarmsRaised: 0, uptime: uptime, layout: &layout)
            reused.append(ContinuousClock.now - a)
            let b = ContinuousClock.now
            let reference = builder.view(snapshot: snapshot, activeAlarms: [], alarmsRaised: 0, uptime: uptime)
            fresh.append(ContinuousClock.now - b)
            entries = view.count
            precondition(view.count == reference.count, "the two builds differ")
        }
        // The first reused build has no layout yet: left out.
        let r = Bench.stats(Array(reused.dropFirst())), f = Bench.stats(fresh)
        Bench.say("""

            SNMP view rebuild (\(BenchStorage.strings) strings × \(BenchStorage.cells) cells, BATTERY-MIB on, \(entries) objects), once a second in the agent:
              layout of the previous build reused: median \(Bench.fmt(r.median, 2)) ms, max \(Bench.fmt(r.max, 2)) ms
              built from nothing (every key sorted): median \(Bench.fmt(f.median, 2)) ms, max \(Bench.fmt(f.max, 2)) ms (ratio \(Bench.fmt(r.median / max(f.median, 0.0001), 2)))
            """)
    }
}
