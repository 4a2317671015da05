/// Which metrics of each device changed since they were last reported (Sparkplug's report by
/// exception): a DDATA carries only those.
public struct ReportByException: Sendable {
    private var last: [Int: [UInt64: SparkplugMetric.Value]] = [:]

    public init() {}

    /// The metrics of device `i` whose value differs from the last reported one; remembers them.
    public mutating func changes(device i: Int, _ metrics: [SparkplugMetric]) -> [SparkplugMetric] {
        var known = last[i] ?? [:]
        let changed = metrics.filter { known[$0.alias] != $0.value }
        for m in changed { known[m.alias] = m.value }
        last[i] = known
        return changed
    }

    /// After a birth: everything the births said is what was last reported.
    public mutating func reported(device i: Int, _ metrics: [SparkplugMetric]) {
        last[i] = Dictionary(metrics.map { ($0.alias, $0.value) }, uniquingKeysWith: { $1 })
    }
}
