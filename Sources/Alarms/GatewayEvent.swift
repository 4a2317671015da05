public import Storage
import Synchronization

/// What outputs (notifications, SNMP traps, MQTT) are told about, in order.
public enum GatewayEvent: Sendable, Equatable {
    case alarmRaised(AlarmRecord)
    case alarmCleared(AlarmRecord)
    case dischargeStarted(DischargeRecord)
    case dischargeEnded(DischargeRecord)
}

/// Fan-out of ``GatewayEvent``s to any number of subscribers.
public final class EventBroadcaster: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<GatewayEvent>.Continuation]>([:])
    private let next = Atomic<Int>(0)

    public init() {}

    /// Every event from now on; the newest `buffer` are kept if the consumer falls behind.
    public func events(buffer: Int = 10000) -> AsyncStream<GatewayEvent> {
        subscribe(buffer: buffer).events
    }

    /// Like ``events(buffer:)``, with a handle that ends this one stream after what is buffered.
    public func subscribe(buffer: Int = 10000) -> Subscription {
        let id = next.add(1, ordering: .relaxed).newValue
        let (stream, c) = AsyncStream<GatewayEvent>.makeStream(bufferingPolicy: .bufferingNewest(buffer))
        c.onTermination = { [weak self] _ in _ = self?.subscribers.withLock { $0.removeValue(forKey: id) } }
        subscribers.withLock { $0[id] = c }
        return Subscription(events: stream, continuation: c)
    }

    public struct Subscription: Sendable {
        public let events: AsyncStream<GatewayEvent>
        fileprivate let continuation: AsyncStream<GatewayEvent>.Continuation

        public func finish() {
            continuation.finish()
        }
    }

    func send(_ event: GatewayEvent) {
        for c in subscribers.withLock({ Array($0.values) }) { c.yield(event) }
    }

    public func finish() {
        for c in subscribers.withLock({ s in defer { s.removeAll() }; return Array(s.values) }) { c.finish() }
    }
}
