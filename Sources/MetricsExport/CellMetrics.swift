public import BatteryModel
import Prometheus
import Synchronization

/// Every cell's series (`cells: true`), kept for the gateway's life: swift-prometheus' registry
/// inserts a labelled series in time proportional to the series already there, so making 19 200
/// of them costs seconds; made once, a scrape only sets their values (measured in
/// docs/performance.md). A value that is not measured has its series removed until it returns.
public final class CellMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    /// [string][quantity][cell] → its gauge while the value is measured.
    private let gauges: Mutex<[[[Gauge?]]]>

    public init(topology: Topology) {
        gauges = Mutex(topology.strings.map { s in PlantMetrics.cellSeries.map { _ in Array(repeating: nil, count: s.cellCount) } })
    }

    /// Sets every cell's series from `snap`, then writes them out.
    func emit(_ snap: ModelSnapshot, into buffer: inout [UInt8]) {
        gauges.withLock { gauges in
            for (i, info) in snap.topology.strings.enumerated() where i < gauges.count {
                let labels = [("string", info.id), ("ups", snap.topology.upses[info.upsIndex].id)]
                let cells = snap.strings[i].sample?.cells
                for (k, (q, unit, scale)) in PlantMetrics.cellSeries.enumerated() {
                    let column = cells.map { PlantMetrics.column($0, q) } ?? []
                    for c in gauges[i][k].indices {
                        let value = c < column.count ? Measurement.display(column[c], scale: scale) : nil
                        if let value {
                            if gauges[i][k][c] == nil {
                                gauges[i][k][c] = registry.makeGauge(
                                    descriptor: MetricNameDescriptor(metricName: "bmgw_cell_\(q.rawValue)", unitName: unit,
                                                                     helpText: "Each cell's \(PlantMetrics.words(q))."),
                                    labels: labels + [("cell", String(c + 1))])
                            }
                            gauges[i][k][c]?.set(value)
                        } else if let gone = gauges[i][k][c] {
                            registry.unregisterGauge(gone)
                            gauges[i][k][c] = nil
                        }
                    }
                }
            }
            registry.emit(into: &buffer)
        }
    }
}
