public import BatteryModel
public import Storage
public import Uplink

/// What the status socket answers and `bmgw status --json` prints: the live summary of the whole
/// plant (the web API's shapes, docs/live-summary.md) with the gateway's identity and its outputs.
public struct StatusDocument: Codable, Sendable {
    public var gatewayId: String
    public var site: String
    public var version: String
    /// "live" from the running gateway, "database" from stored samples.
    public var source: String
    /// When this document was made (UTC ISO 8601).
    public var generatedAt: String
    public var dataCentre: LiveSummary.Group
    public var ups: [LiveSummary.Group]
    /// Every string with its cells.
    public var strings: [LiveSummary.StringDetail]
    /// The MQTT uplink, when configured and the gateway is running.
    public var mqtt: UplinkStatus?
    /// SNMPv3 inform receivers: informs not yet acknowledged, and dropped (queue full).
    public var snmpInforms: [String: InformQueueState]?
    /// Whether the history is being written (false: e.g. the disk is full; polling goes on).
    public var history: HistoryHealth.State?

    public struct InformQueueState: Codable, Sendable {
        public var pending: Int
        public var dropped: Int
    }

    public init(snapshot: ModelSnapshot, gatewayId: String, version: String, mqtt: UplinkStatus? = nil,
                snmpInforms: [String: (pending: Int, dropped: Int)]? = nil, history: HistoryHealth.State? = nil) {
        self.history = history
        self.gatewayId = gatewayId
        site = snapshot.topology.siteName
        self.version = version
        source = "live"
        generatedAt = Timestamp.now.iso
        dataCentre = LiveSummary.site(snapshot, id: gatewayId)
        ups = LiveSummary.upses(snapshot)
        strings = snapshot.topology.strings.indices.map { LiveSummary.detail(snapshot, $0) }
        self.mqtt = mqtt
        self.snmpInforms = snmpInforms?.mapValues { InformQueueState(pending: $0.pending, dropped: $0.dropped) }
    }
}
