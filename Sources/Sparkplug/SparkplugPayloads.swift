public import BatteryModel
import Foundation
import SparkplugProto
import SwiftProtobuf

typealias Payload = Org_Eclipse_Tahu_Protobuf_Payload

/// Sparkplug B payloads of the gateway (the edge node) and its strings (devices), encoded by
/// swift-protobuf from the specification's `.proto`. Births carry every metric with name, alias,
/// type and unit; data messages carry aliases only, and only what changed.
public struct SparkplugPayloads: Sendable {
    public let topology: Topology
    public let version: String

    public init(topology: Topology, version: String) {
        self.topology = topology
        self.version = version
    }

    /// The node's own metrics: bdSeq (as the specification asks in NBIRTH), the rebirth control,
    /// and what the gateway is.
    func nodeMetrics(bdSeq: UInt64) -> [SparkplugMetric] {
        [SparkplugMetric(alias: 1, name: "bdSeq", type: .int64, unit: "", value: .int(Int64(bdSeq))),
         SparkplugMetric(alias: 2, name: SparkplugSession.rebirthMetric, type: .boolean, unit: "", value: .bool(false)),
         SparkplugMetric(alias: 3, name: "Properties/Software Version", type: .string, unit: "", value: .string(version)),
         SparkplugMetric(alias: 4, name: "Properties/Site", type: .string, unit: "", value: .string(topology.siteName)),
         SparkplugMetric(alias: 5, name: "Properties/Strings", type: .int32, unit: "", value: .int(Int64(topology.strings.count)))]
    }

    public func nodeBirth(bdSeq: UInt64, seq: UInt64, now: Timestamp) -> [UInt8] {
        encode(payload(nodeMetrics(bdSeq: bdSeq), birth: true, time: now, seq: seq))
    }

    /// NDEATH: the will, and what a clean disconnect publishes first. No seq (the specification's rule).
    public func nodeDeath(bdSeq: UInt64, now: Timestamp) -> [UInt8] {
        var p = Payload()
        p.timestamp = UInt64(max(0, now.millis))
        var m = Payload.Metric()
        m.name = "bdSeq"
        m.datatype = SparkplugMetric.DataType.int64.rawValue
        m.longValue = bdSeq
        p.metrics = [m]
        return encode(p)
    }

    public func deviceBirth(_ metrics: [SparkplugMetric], seq: UInt64, now: Timestamp, sampleTime: Timestamp?) -> [UInt8] {
        encode(payload(metrics, birth: true, time: now, metricTime: sampleTime, seq: seq))
    }

    /// DDATA with the changed metrics (aliases only); its seq is set when it is sent.
    public func deviceData(_ metrics: [SparkplugMetric], now: Timestamp, sampleTime: Timestamp?) -> [UInt8] {
        encode(payload(metrics, birth: false, time: now, metricTime: sampleTime, seq: nil))
    }

    func payload(_ metrics: [SparkplugMetric], birth: Bool, time: Timestamp, metricTime: Timestamp? = nil, seq: UInt64?) -> Payload {
        var p = Payload()
        p.timestamp = UInt64(max(0, time.millis))
        if let seq { p.seq = seq }
        let at = UInt64(max(0, (metricTime ?? time).millis))
        p.metrics = metrics.map { metric in
            var m = Payload.Metric()
            m.alias = metric.alias
            m.timestamp = at
            if birth {
                // Name and type only in births (the specification: data messages SHOULD NOT repeat the type).
                m.name = metric.name
                m.datatype = metric.type.rawValue
                if !metric.unit.isEmpty {
                    var unit = Payload.PropertyValue()
                    unit.type = SparkplugMetric.DataType.string.rawValue
                    unit.stringValue = metric.unit
                    m.properties.keys = ["engUnit"]
                    m.properties.values = [unit]
                }
            }
            switch metric.value {
            case let .double(d): m.doubleValue = d
            case let .int(i): if metric.type == .int32 { m.intValue = UInt32(bitPattern: Int32(clamping: i)) } else { m.longValue = UInt64(bitPattern: i) }
            case let .bool(b): m.booleanValue = b
            case let .string(s): m.stringValue = s
            case .null: m.isNull = true
            }
            return m
        }
        return p
    }

    func encode(_ p: Payload) -> [UInt8] {
        (try? Array(p.serializedData())) ?? []
    }
}
