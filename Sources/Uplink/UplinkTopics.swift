/// The topic tree under the configured prefix (docs/mqtt.md).
public struct UplinkTopics: Sendable {
    public let prefix: String

    public init(prefix: String) {
        self.prefix = prefix
    }

    /// "online" / "offline" (the will), retained.
    public var status: String { "\(prefix)/status" }
    /// Topology, version, units; retained.
    public var meta: String { "\(prefix)/meta" }
    /// Link quality per string and the outbox; retained.
    public var gateway: String { "\(prefix)/gateway" }
    public var alarms: String { "\(prefix)/alarms" }
    public var discharges: String { "\(prefix)/discharges" }
    /// Writes to a controller through remote access (not retained; QoS 1 like alarms).
    public var remoteWrites: String { "\(prefix)/remote-writes" }

    /// The data centre's summary and extreme cells (LiveSummary.Group), retained; with Home Assistant discovery.
    public var site: String { "\(prefix)/site" }
    /// The active alarms per string, retained, replaced at each change; with Home Assistant discovery.
    public var alarmState: String { "\(prefix)/alarm-state" }

    public func measurement(string id: String) -> String { "\(prefix)/strings/\(id)/measurement" }
    /// Retained: the string's remaining-life estimates, after each new estimate (every 6 h).
    public func life(string id: String) -> String { "\(prefix)/strings/\(id)/life" }
}
