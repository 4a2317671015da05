public import BatteryModel
import Storage

/// What outputs (notifications, SNMP traps, MQTT) are told about, in order.
public enum GatewayEvent: Sendable, Equatable {
    case alarmRaised(AlarmRecord)
    case alarmCleared(AlarmRecord)
    case dischargeStarted(DischargeRecord)
    case dischargeEnded(DischargeRecord)
    /// A controller was written through remote access (docs/remote-access.md).
    case remoteWrite(RemoteWrite)
}

/// A write to a string's controller by a remote-access client.
public struct RemoteWrite: Sendable, Equatable {
    public var stringId: String
    public var at: Timestamp
    /// The audit log's name of the client (`remote:<certificate CN>`).
    public var user: String
    /// What was written ("unit 2 (s2) register 100 = 20").
    public var detail: String

    public init(stringId: String, at: Timestamp, user: String, detail: String) {
        self.stringId = stringId
        self.at = at
        self.user = user
        self.detail = detail
    }
}

/// Fan-out of ``GatewayEvent``s: the alarm service sends, outputs subscribe.
public typealias EventBroadcaster = Broadcaster<GatewayEvent>

extension Broadcaster where Event == GatewayEvent {
    /// Alarm events never drop: a subscriber that falls `buffer` behind makes the alarm service
    /// wait (its own model subscription then drops the oldest measurements, counted, instead).
    public func subscribe<Tick: Hashable & Sendable>(buffer: Int = 1000, ticks: Tick.Type = Never.self) -> Subscription<GatewayEvent, Tick> {
        subscribe(.lossless(buffer), ticks: ticks)
    }

    /// Events only, as an async sequence.
    public func events(buffer: Int = 1000) -> Subscription<GatewayEvent, Never> {
        subscribe(buffer: buffer)
    }
}
