/// A consistent copy of the whole live model at one instant.
///
/// Copying is cheap: the arrays inside are shared until someone writes.
public struct ModelSnapshot: Sendable {
    public var topology: Topology
    public var strings: [StringState]
    /// mA; below this a string counts as discharging.
    public var dischargeCurrent: Int32

    public init(topology: Topology, strings: [StringState], dischargeCurrent: Int32 = -2000) {
        self.topology = topology
        self.strings = strings
        self.dischargeCurrent = dischargeCurrent
    }

    public func aggregate(ups upsIndex: Int) -> GroupAggregate {
        GroupAggregate(strings: topology.stringIndexes(ofUPS: upsIndex), of: self, dischargeBelow: dischargeCurrent)
    }

    public var dataCentre: GroupAggregate {
        GroupAggregate(strings: Array(topology.strings.indices), of: self, dischargeBelow: dischargeCurrent)
    }
}
