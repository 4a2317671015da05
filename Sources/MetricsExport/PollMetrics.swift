public import BatteryModel
import Prometheus

/// What accumulates between scrapes: each controller's poll durations (a histogram) and its failed
/// polls by kind, observed on the link threads as they happen (the registry is thread-safe).
public final class PollMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let durations: [DurationHistogram]
    private let labels: [[(String, String)]]

    /// Bus and TCP polls of a 120-cell controller take from a few milliseconds to seconds.
    static let buckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                      .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10)]

    public init(topology: Topology) {
        labels = topology.strings.map { [("string", $0.id), ("ups", topology.upses[$0.upsIndex].id)] }
        let name = MetricNameDescriptor(metricName: "bmgw_poll_duration", unitName: "seconds",
                                        helpText: "Successful polls of a string's controller by duration (all its register blocks).")
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        durations = labels.map { registry.makeDurationHistogram(descriptor: name, labels: $0, buckets: Self.buckets) }
    }

    public func polled(stringIndex: Int, duration: Duration) {
        guard durations.indices.contains(stringIndex) else { return }
        durations[stringIndex].record(duration)
    }

    public func pollFailed(stringIndex: Int, kind: String) {
        guard labels.indices.contains(stringIndex) else { return }
        // The registry hands back the same counter for the same labels.
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "bmgw_poll_failures", unitName: "total",
                                                              helpText: "Failed polls of a string's controller by kind."),
                             labels: labels[stringIndex] + [("kind", kind)]).increment()
    }

    /// The accumulated series, in the text format.
    func emit(into buffer: inout [UInt8]) {
        registry.emit(into: &buffer)
    }
}
