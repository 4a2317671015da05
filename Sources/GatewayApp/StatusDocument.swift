import BatteryModel
import Foundation
import Uplink

/// The live state as JSON, served on the status socket and read by `bmgw status`.
struct StatusDocument: Codable, Sendable {
    struct CellRef: Codable, Sendable {
        var string: String
        var cell: Int
        var value: Int32
    }

    struct Group: Codable, Sendable {
        var id: String
        var name: String
        var strings: Int
        var stringsCommOK: Int
        var stringsCommLost: Int
        var stringsDischarging: Int
        var cells: Int
        var cellVoltageMin: CellRef?
        var cellVoltageMax: CellRef?
        var cellVoltageMean: Double?
        var cellResistanceMax: CellRef?
        var cellTemperatureMax: CellRef?
    }

    struct StringEntry: Codable, Sendable {
        var id: String
        var name: String
        var ups: String
        var quality: Quality
        /// ms since 1970 of the sample shown.
        var time: Int64?
        var lastError: String?
        var warning: String?
        var sweepMillis: Double?
        var voltage: Int32?
        var current: Int32?
        var soc: Int32?
        var temperature: Int32?
        var humidity: Int32?
        var status: [String]
        var cellCount: Int
        var cells: Cells?
    }

    struct Cells: Codable, Sendable {
        var voltage: [Int32?]
        var resistance: [Int32?]
        var temperature: [Int32?]
        var soc: [Int32?]
        var soh: [Int32?]
        var status: [[String]]
    }

    var gatewayId: String
    var site: String
    var version: String
    /// "live" from the running gateway, "database" from stored samples.
    var source: String
    var generatedAt: Int64
    var dataCentre: Group
    var ups: [Group]
    var strings: [StringEntry]
    /// The MQTT uplink, when configured and the gateway is running.
    var mqtt: UplinkStatus?
    /// SNMPv3 inform receivers: informs not yet acknowledged, and dropped (queue full).
    var snmpInforms: [String: InformQueueState]?

    struct InformQueueState: Codable, Sendable {
        var pending: Int
        var dropped: Int
    }
}

extension StatusDocument {
    init(snapshot: ModelSnapshot, gatewayId: String, version: String, mqtt: UplinkStatus? = nil,
         snmpInforms: [String: (pending: Int, dropped: Int)]? = nil) {
        self.mqtt = mqtt
        self.snmpInforms = snmpInforms?.mapValues { InformQueueState(pending: $0.pending, dropped: $0.dropped) }
        let topology = snapshot.topology
        func ref(_ r: GroupAggregate.CellRef?) -> CellRef? {
            r.map { CellRef(string: topology.strings[$0.string].id, cell: $0.cell + 1, value: $0.value) }
        }
        func group(_ id: String, _ name: String, _ a: GroupAggregate) -> Group {
            Group(id: id, name: name, strings: a.stringCount, stringsCommOK: a.stringsCommOK, stringsCommLost: a.stringsCommLost,
                  stringsDischarging: a.stringsDischarging, cells: a.cellCount,
                  cellVoltageMin: ref(a.cells[.voltage]?.min), cellVoltageMax: ref(a.cells[.voltage]?.max),
                  cellVoltageMean: a.cells[.voltage]?.mean, cellResistanceMax: ref(a.cells[.resistance]?.max),
                  cellTemperatureMax: ref(a.cells[.temperature]?.max))
        }
        self.gatewayId = gatewayId
        site = topology.siteName
        self.version = version
        source = "live"
        generatedAt = Timestamp.now.millis
        dataCentre = group(gatewayId, topology.siteName, snapshot.dataCentre)
        ups = topology.upses.enumerated().map { i, u in group(u.id, u.name, snapshot.aggregate(ups: i)) }
        strings = topology.strings.enumerated().map { i, info in
            let state = snapshot.strings[i]
            var entry = StringEntry(id: info.id, name: info.name, ups: topology.upses[info.upsIndex].id, quality: state.quality,
                                    lastError: state.link.lastError, warning: state.link.warning,
                                    sweepMillis: state.link.lastSweepDuration.map { Double($0.components.attoseconds) / 1e15 + Double($0.components.seconds) * 1000 },
                                    status: [], cellCount: info.cellCount)
            if let s = state.sample { entry.fill(s.values, s.cells, time: Timestamp(s.time).millis) }
            return entry
        }
    }
}

extension StatusDocument.StringEntry {
    mutating func fill(_ v: StringValues, _ c: CellColumns, time: Int64) {
        self.time = time
        voltage = Measurement.value(v.voltage)
        current = Measurement.value(v.current)
        soc = Measurement.value(v.soc)
        temperature = Measurement.value(v.temperature)
        humidity = Measurement.value(v.humidity)
        status = v.status.flagNames
        cells = StatusDocument.Cells(
            voltage: c.voltage.map(Measurement.value), resistance: c.resistance.map(Measurement.value),
            temperature: c.temperature.map(Measurement.value), soc: c.soc.map(Measurement.value),
            soh: c.soh.map(Measurement.value), status: c.status.map(\.flagNames))
    }
}
