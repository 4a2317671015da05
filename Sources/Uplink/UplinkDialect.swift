import BatteryModel
import GatewayConfig
import Sparkplug
import Storage

/// A message the connection itself publishes (not from the outbox).
struct UplinkMessage: Sendable {
    var topic: String
    var payload: [UInt8]
    var retain: Bool
}

/// What one connection says beyond the stored messages: the JSON tree's retained online/offline
/// status, or a Sparkplug B edge node's death certificate, births and sequence numbers. Lives on
/// the uplink thread.
protocol UplinkDialect: Sendable {
    /// The will of a new connection.
    mutating func will() -> UplinkMessage
    /// Published first once the broker accepted the connection (and again when a command asks).
    mutating func births() -> [UplinkMessage]
    /// Published before a clean disconnect (the broker sends the will only for a broken one).
    func leaving() -> UplinkMessage
    var subscriptions: [String] { get }
    /// A message on a subscribed topic: what to publish in answer.
    mutating func received(topic: String, payload: [UInt8]) -> [UplinkMessage]
    /// A stored message's payload as it goes out on this connection; `historical`: stored before it began.
    mutating func outgoing(_ payload: [UInt8], historical: Bool) -> [UInt8]
}

/// The JSON topic tree's: `<prefix>/status` retained, "online" and "offline" (the will).
struct JSONDialect: UplinkDialect {
    let topics: UplinkTopics

    func will() -> UplinkMessage { UplinkMessage(topic: topics.status, payload: Array("offline".utf8), retain: true) }
    func births() -> [UplinkMessage] { [UplinkMessage(topic: topics.status, payload: Array("online".utf8), retain: true)] }
    func leaving() -> UplinkMessage { will() }
    var subscriptions: [String] { [] }
    func received(topic: String, payload: [UInt8]) -> [UplinkMessage] { [] }
    func outgoing(_ payload: [UInt8], historical: Bool) -> [UInt8] { payload }
}

/// Sparkplug B's: NDEATH as the will, NBIRTH and DBIRTHs from the live model, stamped DDATA, rebirth on NCMD.
struct SparkplugDialect: UplinkDialect {
    var session: SparkplugSession
    let model: LiveModel

    mutating func will() -> UplinkMessage {
        let (topic, payload) = session.newConnection()
        return UplinkMessage(topic: topic, payload: payload, retain: false)
    }

    mutating func births() -> [UplinkMessage] {
        session.births(model.snapshot()).map { UplinkMessage(topic: $0.topic, payload: $0.payload, retain: false) }
    }

    func leaving() -> UplinkMessage {
        let (topic, payload) = session.death()
        return UplinkMessage(topic: topic, payload: payload, retain: false)
    }

    var subscriptions: [String] { [session.topics.nodeCommand] }

    mutating func received(topic: String, payload: [UInt8]) -> [UplinkMessage] {
        session.isRebirth(topic: topic, payload: payload) ? births() : []
    }

    mutating func outgoing(_ payload: [UInt8], historical: Bool) -> [UInt8] {
        session.stamp(payload, historical: historical)
    }
}
