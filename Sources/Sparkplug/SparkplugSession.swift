public import BatteryModel
import SparkplugProto
import SwiftProtobuf

/// The edge node's side of one MQTT session after another (Sparkplug B 3.0): bdSeq goes up with
/// each new connection and rides in its will (NDEATH) and its NBIRTH; seq runs 0…255 over every
/// message of a session, from 0 at the NBIRTH; messages stored before the session began are sent
/// as historical. Used by the uplink thread only.
public struct SparkplugSession: Sendable {
    public static let rebirthMetric = "Node Control/Rebirth"
    public let topics: SparkplugTopics
    public let payloads: SparkplugPayloads
    public private(set) var bdSeq: UInt64
    private var seq: UInt64 = 0
    /// The connection of the current bdSeq was accepted (its births went out): the next one takes a new bdSeq.
    private var established = false

    public init(topics: SparkplugTopics, payloads: SparkplugPayloads, bdSeq: UInt64 = 0) {
        self.topics = topics
        self.payloads = payloads
        self.bdSeq = bdSeq % 256
    }

    /// A new connection is being made: its bdSeq, and the will (NDEATH) that carries it. Attempts
    /// that never reached the broker (it was away) do not use one up.
    public mutating func newConnection(now: Timestamp = .now) -> (topic: String, payload: [UInt8]) {
        if established { bdSeq = (bdSeq + 1) % 256 }
        established = false
        return (topics.nodeDeath, payloads.nodeDeath(bdSeq: bdSeq, now: now))
    }

    /// NDEATH for a clean disconnect (the broker sends the will only when a connection breaks).
    public func death(now: Timestamp = .now) -> (topic: String, payload: [UInt8]) {
        (topics.nodeDeath, payloads.nodeDeath(bdSeq: bdSeq, now: now))
    }

    /// NBIRTH, then a DBIRTH per string with every metric as the model has it now; seq from 0.
    public mutating func births(_ snapshot: ModelSnapshot, now: Timestamp = .now) -> [(topic: String, payload: [UInt8])] {
        established = true
        seq = 0
        var out = [(topics.nodeBirth, payloads.nodeBirth(bdSeq: bdSeq, seq: 0, now: now))]
        for (i, s) in snapshot.topology.strings.enumerated() {
            let state = snapshot.strings[i]
            let metrics = SparkplugMetric.string(i, sample: state.sample, quality: state.quality, cellCount: s.cellCount)
            out.append((topics.deviceBirth(s.id), payloads.deviceBirth(metrics, seq: nextSeq(), now: now,
                                                                          sampleTime: state.sample.map { Timestamp($0.time) })))
        }
        return out
    }

    /// A stored message as it goes out now: the session's next seq; every metric historical when it
    /// was stored before this session's birth. A payload that does not decode goes out unchanged.
    public mutating func stamp(_ payload: [UInt8], historical: Bool) -> [UInt8] {
        guard var p = try? Payload(serializedBytes: payload) else { return payload }
        p.seq = nextSeq()
        if historical { for i in p.metrics.indices { p.metrics[i].isHistorical = true } }
        return (try? Array(p.serializedData())) ?? payload
    }

    /// An NCMD asking for a rebirth (`Node Control/Rebirth` true).
    public func isRebirth(topic: String, payload: [UInt8]) -> Bool {
        guard topic == topics.nodeCommand, let p = try? Payload(serializedBytes: payload) else { return false }
        return p.metrics.contains { $0.name == Self.rebirthMetric && $0.booleanValue }
    }

    private mutating func nextSeq() -> UInt64 {
        seq = (seq + 1) % 256
        return seq
    }
}
