/// What the uplink is doing, for `bmgw status` and the log.
public struct UplinkStatus: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        case starting, connecting, connected, disconnected
    }

    public var state = State.starting
    public var broker: String
    /// The last problem (connection, TLS, refusal), kept until the next successful connection.
    public var lastError: String?
    /// ms since 1970.
    public var lastErrorAt: Int64?
    public var connectedSince: Int64?
    public var outboxMessages = 0
    public var outboxBytes = 0
    /// When the oldest message in the outbox was stored (ms since 1970); nil when it is empty.
    public var outboxOldestAt: Int64?
    /// Measurements dropped because the outbox was full, since it was created.
    public var dropped: Int64 = 0
    public var inflight = 0
    /// Acknowledged by the broker since start.
    public var acknowledged: Int64 = 0
    /// Refused by the broker in its PUBACK (MQTT 5), since start; removed from the outbox.
    public var rejected: Int64 = 0
    public var lastAckAt: Int64?

    public init(broker: String) {
        self.broker = broker
    }
}
