import BatteryModel
import Foundation
import GatewayConfig
import Simulator
import Storage

/// A past for the built-in simulator's plant (`simulator.history`): on the first start (no sample
/// logged yet), an hourly sample of each simulated string over the period before now, made by the
/// simulator's own physics as it ages (at most about 2000 a string: a year is one every 4 hours),
/// then rolled up as the recorder would. The remaining-life
/// estimates and history plots then have a year to work on in a demonstration or a test.
enum SimulatedHistory {
    /// - Returns: samples written (0 when the database already had some).
    static func fill(_ db: GatewayDatabase, config: GatewayConfig, span: Duration, end: Timestamp) throws -> Int {
        guard let sim = config.simulator else { return 0 }
        let keys = try db.register(config.topology)
        for key in keys where try db.latest(stringKey: key) != nil { return 0 }
        let hours = Int(span.seconds / 3600)
        let start = end - .seconds(hours * 3600)
        // At most about 2000 samples a string (a year: one every 4 h), so a 32-string plant starts in seconds.
        let step = max(1, hours / 2000)
        var written = 0
        for (i, c) in config.controllers.enumerated() {
            guard case let .tcp(host, port) = c.transport, host == sim.host, port == sim.port else { continue }
            var plant = PlantPhysics(unit: c.unit, cellCount: config.topology.strings[i].cellCount, seed: sim.seed, ageing: sim.ageing)
            var rows: [(key: Int64, sample: StringSample)] = []
            for h in stride(from: 0, to: hours, by: step) {
                plant.step(dt: Double(3600 * step))
                let (values, cells) = plant.reading()
                rows.append((keys[i], StringSample(stringIndex: i, time: (start + .seconds(h * 3600)).date, values: values, cells: cells)))
                if rows.count == 500 { try db.insert(rows); written += rows.count; rows.removeAll(keepingCapacity: true) }
            }
            try db.insert(rows)
            written += rows.count
            while try db.rollUpNext(stringKey: keys[i], before: end.millis) {}
        }
        return written
    }

    /// The ageing of the live plant: as old as the history made for it.
    static func liveAgeing(_ sim: SimulatorSettings) -> SimulatedAgeing? {
        guard var ageing = sim.ageing, let span = sim.history else { return sim.ageing }
        ageing.initialAge += span.seconds / (365.25 * 86400) * ageing.acceleration
        return ageing
    }
}
