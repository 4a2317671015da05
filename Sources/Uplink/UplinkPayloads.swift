public import Analytics
public import BatteryModel
import Foundation
public import Alarms
import Storage

/// The JSON payloads of the topic tree (docs/mqtt.md). Values are in display units
/// (V, A, mΩ, %, °C, %RH); a value that was not measured is null. Every payload carries the
/// gateway id and its sequence number.
public struct UplinkPayloads: Sendable {
    public let gatewayId: String
    public let version: String
    public let topology: Topology

    public init(gatewayId: String, version: String, topology: Topology) {
        self.gatewayId = gatewayId
        self.version = version
        self.topology = topology
    }

    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(value))) ?? []
    }

    // MARK: Measurement

    struct MeasurementBody: Encodable {
        let seq: Int64, gateway: String, string: String, ups: String, time: String, quality: String
        let values: [String: Double?]
        let flags: [String]
        let cells: Cells
    }

    struct Cells: Encodable {
        let count: Int
        let voltage, resistance, temperature, soc, soh: [Double?]
        /// Flag name → cell numbers (1-based) that have it.
        let flags: [String: [Int]]
    }

    /// One string's sample with all its cells.
    public func measurement(seq: Int64, stringIndex i: Int, sample: StringSample, quality: Quality) -> [UInt8] {
        let info = topology.strings[i]
        let v = sample.values
        var values: [String: Double?] = [:]
        for (q, raw) in [(StringQuantity.voltage, v.voltage), (.current, v.current), (.soc, v.soc), (.temperature, v.temperature),
                         (.humidity, v.humidity)] {
            values[q.rawValue] = Measurement.display(raw, scale: q.displayScale)
        }
        let c = sample.cells
        func column(_ q: CellQuantity, _ raw: [Int32]) -> [Double?] { raw.map { Measurement.display($0, scale: q.displayScale) } }
        var flags: [String: [Int]] = [:]
        for (cell, status) in c.status.enumerated() { for name in status.flagNames { flags[name, default: []].append(cell + 1) } }
        let body = MeasurementBody(
            seq: seq, gateway: gatewayId, string: info.id, ups: topology.upses[info.upsIndex].id,
            time: Timestamp(sample.time).iso, quality: quality.rawValue,
            values: values, flags: v.status.flagNames,
            cells: Cells(count: c.count, voltage: column(.voltage, c.voltage), resistance: column(.resistance, c.resistance),
                         temperature: column(.temperature, c.temperature), soc: column(.soc, c.soc), soh: column(.soh, c.soh),
                         flags: flags))
        return Self.encode(body)
    }

    // MARK: Alarms and discharges

    struct AlarmBody: Encodable {
        let seq: Int64, gateway: String, event: String
        let alarm: Alarm
    }

    struct Alarm: Encodable {
        let id: Int64, type: String, title: String, ups: String, string: String, cell: Int?
        let value: Double?, limit: Double?, unit: String
        let raisedAt: String, clearedAt: String?
    }

    public func alarm(seq: Int64, _ r: AlarmRecord, cleared: Bool) -> [UInt8] {
        let u = r.type.limitUnit
        let numeric = r.type.kind != .flag
        let body = AlarmBody(seq: seq, gateway: gatewayId, event: cleared ? "cleared" : "raised", alarm: Alarm(
            id: r.id, type: r.type.rawValue, title: r.type.title, ups: r.upsId, string: r.stringId, cell: r.cell,
            value: numeric ? r.value.flatMap { Measurement.display($0, scale: u.scale) } : nil,
            limit: numeric ? Measurement.display(r.limit, scale: u.scale) : nil,
            unit: u.display.replacingOccurrences(of: " per cell", with: ""),
            raisedAt: r.raisedAt.iso, clearedAt: r.clearedAt?.iso))
        return Self.encode(body)
    }

    struct DischargeBody: Encodable {
        let seq: Int64, gateway: String, event: String
        let discharge: Discharge
    }

    struct Discharge: Encodable {
        let id: Int64, ups: String, string: String, start: String, end: String?, durationSeconds: Double?
        let ampHours: Double, minVoltage: Double?, minCellVoltage: Double?, minCell: Int?
    }

    public func discharge(seq: Int64, _ d: DischargeRecord, ended: Bool) -> [UInt8] {
        let body = DischargeBody(seq: seq, gateway: gatewayId, event: ended ? "ended" : "started", discharge: Discharge(
            id: d.id, ups: d.upsId, string: d.stringId, start: d.startAt.iso, end: d.endAt?.iso,
            durationSeconds: d.endAt.map { ($0 - d.startAt).seconds }, ampHours: Double(d.chargeMilliAmpHours) / 1000,
            minVoltage: d.minVoltage.flatMap { Measurement.display($0, scale: 0.001) },
            minCellVoltage: d.minCellVoltage.flatMap { Measurement.display($0, scale: 0.001) }, minCell: d.minCell))
        return Self.encode(body)
    }

    struct RemoteWriteBody: Encodable {
        let seq: Int64, gateway: String, string: String, time: String, user: String, write: String
    }

    /// A controller written through remote access: who, what, when.
    public func remoteWrite(seq: Int64, _ w: RemoteWrite) -> [UInt8] {
        Self.encode(RemoteWriteBody(seq: seq, gateway: gatewayId, string: w.stringId, time: w.at.iso, user: w.user, write: w.detail))
    }

    // MARK: Remaining life (docs/analytics.md)

    struct LifeBody: Encodable {
        let seq: Int64, gateway: String, string: String, computedAt: String
        let cells: [CellLife]
    }

    /// A string's remaining-life estimates, as `/api/v1/strings/{id}/life` has them.
    public func life(seq: Int64, string: String, computedAt: Timestamp, cells: [CellLife]) -> [UInt8] {
        Self.encode(LifeBody(seq: seq, gateway: gatewayId, string: string, computedAt: computedAt.iso, cells: cells))
    }

    // MARK: Site summary and alarm state (Home Assistant's state topics)

    /// The data centre's summary with the gateway id, sequence number and time at the top level.
    struct SiteBody: Encodable {
        let seq: Int64, gateway: String, time: String
        let site: LiveSummary.Group

        enum Keys: String, CodingKey { case seq, gateway, time }

        func encode(to encoder: any Encoder) throws {
            try site.encode(to: encoder)
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(seq, forKey: .seq)
            try c.encode(gateway, forKey: .gateway)
            try c.encode(time, forKey: .time)
        }
    }

    /// The data centre: strings communicating and discharging, its extreme cells and where they are.
    public func site(seq: Int64, _ group: LiveSummary.Group, now: Timestamp) -> [UInt8] {
        Self.encode(SiteBody(seq: seq, gateway: gatewayId, time: now.iso, site: group))
    }

    struct AlarmStateBody: Encodable {
        let seq: Int64, gateway: String, time: String, count: Int
        /// String id → its active alarms, for people ("Cell voltage low, cell 5"); strings without any are absent.
        let strings: [String: [String]]
    }

    /// Every active alarm by string (retained, replaced at each change).
    public func alarmState(seq: Int64, _ active: [AlarmRecord], now: Timestamp) -> [UInt8] {
        var strings: [String: [String]] = [:]
        for r in active.sorted(by: { ($0.stringId, $0.cell ?? 0, $0.type.rawValue) < ($1.stringId, $1.cell ?? 0, $1.type.rawValue) }) {
            strings[r.stringId, default: []].append(r.type.title + (r.cell.map { ", cell \($0)" } ?? ""))
        }
        return Self.encode(AlarmStateBody(seq: seq, gateway: gatewayId, time: now.iso, count: active.count, strings: strings))
    }

    // MARK: Metadata and status

    struct MetaBody: Encodable {
        let seq: Int64, gateway: String, site: String, software: String
        let ups: [UPS]
        let strings: [StringInfo]
        let units: [String: String]
        let publishIntervalSeconds: Double
    }

    struct UPS: Encodable { let id: String, name: String, strings: [String] }
    struct StringInfo: Encodable { let id: String, name: String, ups: String, cells: Int }

    /// Topology, software version and units (retained).
    public func meta(seq: Int64, publishInterval: Duration) -> [UInt8] {
        var units: [String: String] = [:]
        for q in StringQuantity.allCases { units["values.\(q.rawValue)"] = q.displayUnit }
        for q in CellQuantity.allCases { units["cells.\(q.rawValue)"] = q.displayUnit }
        let body = MetaBody(
            seq: seq, gateway: gatewayId, site: topology.siteName, software: "bmgw \(version)",
            ups: topology.upses.enumerated().map { i, u in
                UPS(id: u.id, name: u.name, strings: topology.stringIndexes(ofUPS: i).map { topology.strings[$0].id })
            },
            strings: topology.strings.map { StringInfo(id: $0.id, name: $0.name, ups: topology.upses[$0.upsIndex].id, cells: $0.cellCount) },
            units: units, publishIntervalSeconds: Double(publishInterval.components.seconds) + Double(publishInterval.components.attoseconds) / 1e18)
        return Self.encode(body)
    }

    struct StatusBody: Encodable {
        let seq: Int64, gateway: String, time: String, uptimeSeconds: Int64
        let strings: [String: String]
        let outbox: Outbox
        struct Outbox: Encodable { let messages: Int, bytes: Int, dropped: Int64 }
    }

    /// Link quality per string and the outbox (retained).
    public func status(seq: Int64, now: Timestamp, uptime: Duration, qualities: [Quality], outbox: (messages: Int, bytes: Int, dropped: Int64)) -> [UInt8] {
        var strings: [String: String] = [:]
        for (i, q) in qualities.enumerated() where i < topology.strings.count { strings[topology.strings[i].id] = q.rawValue }
        return Self.encode(StatusBody(seq: seq, gateway: gatewayId, time: now.iso, uptimeSeconds: uptime.components.seconds,
                                      strings: strings, outbox: .init(messages: outbox.messages, bytes: outbox.bytes, dropped: outbox.dropped)))
    }
}
