/// A consistent copy of the whole live model at one instant.
///
/// Copying is cheap: the arrays inside are shared until someone writes.
public struct ModelSnapshot: Sendable {
    public var topology: Topology
    public var strings: [StringState]

    public init(topology: Topology, strings: [StringState]) {
        self.topology = topology
        self.strings = strings
    }

    public func aggregate(ups upsIndex: Int) -> GroupAggregate {
        GroupAggregate(strings: topology.stringIndexes(ofUPS: upsIndex), of: self)
    }

    public var dataCentre: GroupAggregate {
        GroupAggregate(strings: Array(topology.strings.indices), of: self)
    }
}
