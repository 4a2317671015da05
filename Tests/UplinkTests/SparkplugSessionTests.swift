import BatteryModel
import Foundation
import Sparkplug
import SparkplugProto
import SwiftProtobuf
import Testing

/// The edge node's session rules, decoded back with swift-protobuf (the wire format is checked
/// against protoc's Python decoder in GatewayTests/SparkplugTests).
@Suite struct SparkplugSessionTests {
    typealias Payload = Org_Eclipse_Tahu_Protobuf_Payload

    func session() -> SparkplugSession {
        let topology = Topology(siteName: "Hall", upses: [.init(id: "u1", name: "UPS 1")],
                                strings: [.init(id: "s1", name: "S1", upsIndex: 0, cellCount: 2), .init(id: "s2", name: "S2", upsIndex: 0, cellCount: 2)])
        return SparkplugSession(topics: SparkplugTopics(group: "g", node: "gw"), payloads: SparkplugPayloads(topology: topology, version: "1"))
    }

    func snapshot(_ s: SparkplugSession) -> ModelSnapshot {
        LiveModel(topology: s.payloads.topology).snapshot()
    }

    @Test func bdSeqGoesUpOnlyAfterAnAcceptedConnection() throws {
        var s = session()
        let will = s.newConnection()
        #expect(will.topic == "spBv1.0/g/NDEATH/gw")
        #expect(try Payload(serializedBytes: will.payload).metrics.first?.longValue == 0)
        _ = s.newConnection()  // the broker was away: no births, the same bdSeq
        #expect(s.bdSeq == 0)
        let births = s.births(snapshot(s))
        #expect(births.map(\.topic) == ["spBv1.0/g/NBIRTH/gw", "spBv1.0/g/DBIRTH/gw/s1", "spBv1.0/g/DBIRTH/gw/s2"])
        let nbirth = try Payload(serializedBytes: births[0].payload)
        #expect(nbirth.seq == 0 && nbirth.metrics.first { $0.name == "bdSeq" }?.longValue == 0)
        #expect(try births.map { try Payload(serializedBytes: $0.payload).seq } == [0, 1, 2])
        _ = s.newConnection()
        #expect(s.bdSeq == 1)
    }

    @Test func seqWrapsAt256AndOldMessagesAreHistorical() throws {
        var s = session()
        _ = s.newConnection()
        _ = s.births(snapshot(s))
        let metric = SparkplugMetric(alias: 10001, name: "Voltage", type: .double, unit: "V", value: .double(54.1))
        let data = s.payloads.deviceData([metric], now: Timestamp(millis: 1000), sampleTime: nil)
        #expect(try Payload(serializedBytes: data).hasSeq == false, "stored without seq")
        var seqs: [UInt64] = []
        for _ in 0..<260 { seqs.append(try Payload(serializedBytes: s.stamp(data, historical: false)).seq) }
        #expect(seqs.first == 3 && seqs.contains(255) && seqs[253] == 0 && seqs[254] == 1, "after the births' 0…2: \(seqs.prefix(5)), \(seqs[250...255])")
        let old = try Payload(serializedBytes: s.stamp(data, historical: true))
        #expect(old.metrics.allSatisfy { $0.isHistorical } && old.metrics.first?.alias == 10001 && !old.metrics[0].hasName)
    }

    @Test func onlyARebirthCommandIsARebirth() throws {
        let s = session()
        var p = Payload()
        var m = Payload.Metric()
        m.name = SparkplugSession.rebirthMetric
        m.booleanValue = true
        p.metrics = [m]
        let bytes = Array(try p.serializedData())
        #expect(s.isRebirth(topic: "spBv1.0/g/NCMD/gw", payload: bytes))
        #expect(!s.isRebirth(topic: "spBv1.0/g/NCMD/other", payload: bytes))
        #expect(!s.isRebirth(topic: "spBv1.0/g/NCMD/gw", payload: [0xFF, 0x01]), "garbage is not a command")
        p.metrics[0].booleanValue = false
        #expect(!s.isRebirth(topic: "spBv1.0/g/NCMD/gw", payload: Array(try p.serializedData())))
    }

    @Test func reportByExceptionSendsWhatChanged() {
        var rbe = ReportByException()
        let a = SparkplugMetric(alias: 1, name: "a", type: .double, unit: "", value: .double(1))
        var b = SparkplugMetric(alias: 2, name: "b", type: .double, unit: "", value: .null)
        #expect(rbe.changes(device: 0, [a, b]).count == 2)
        #expect(rbe.changes(device: 0, [a, b]).isEmpty)
        b.value = .double(2)
        #expect(rbe.changes(device: 0, [a, b]) == [b])
        #expect(rbe.changes(device: 1, [a]) == [a], "per device")
    }
}
