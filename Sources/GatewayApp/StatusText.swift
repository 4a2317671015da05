import BatteryModel
import Foundation
import Uplink

/// Plain-text rendering of a ``StatusDocument`` for the terminal.
enum StatusText {
    static func overview(_ d: StatusDocument) -> String {
        let now = Timestamp.now.millis
        var out: [String] = []
        let live = d.source == "live"
        let identity = [d.gatewayId, d.site].filter { !$0.isEmpty }
        let name = identity.isEmpty ? "BTMS gateway (name and site unknown without --config)" : "BTMS gateway " + identity.joined(separator: " — ")
        out.append("\(name) — \(live ? "live" : "gateway not running: last stored samples") — \(Timestamp(millis: d.generatedAt).iso)")
        for g in [d.dataCentre] + d.ups {
            let title = g.name.isEmpty ? "Site" : g.name
            var line = live ? "\(title): \(g.strings) strings (\(g.stringsCommOK) answering, \(g.stringsCommLost) lost, \(g.stringsDischarging) discharging), \(g.cells) cells"
                            : "\(title): \(g.strings) strings, \(g.cells) cells"
            if let lo = g.cellVoltageMin, let hi = g.cellVoltageMax, let mean = g.cellVoltageMean {
                line += "; cell V \(format(lo.value, scale: 0.001, digits: 3))…\(format(hi.value, scale: 0.001, digits: 3)) avg \(formatNumber(mean / 1000, digits: 3)); lowest \(lo.string)#\(lo.cell)"
            }
            out.append(line)
        }
        var table = TextTable(header: ["string", "ups", "link", "age", "voltage V", "current A", "SoC %", "temp °C", "RH %",
                                       "cells", "min V", "max V", "avg V", "lowest", "note"])
        table.rightAligned = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
        for s in d.strings {
            let volts = s.cells?.voltage.compactMap { $0 } ?? []
            let lo = volts.min(), hi = volts.max()
            let lowest = lo.flatMap { v in s.cells?.voltage.firstIndex(of: v) }.map { "#\($0 + 1)" } ?? ""
            let avg = volts.isEmpty ? "n/a" : formatNumber(Double(volts.reduce(0) { $0 + Int64($1) }) / Double(volts.count) / 1000, digits: 3)
            let age = s.time.map { formatNumber(Double(now - $0) / 1000, digits: 1) + "s" } ?? "never"
            let note = [s.status.joined(separator: ","), s.warning ?? "", s.quality == .ok ? "" : (s.lastError ?? "")]
                .filter { !$0.isEmpty }.joined(separator: "; ")
            table.rows.append([s.id, s.ups, s.quality.rawValue, age,
                               format(s.voltage, scale: 0.001, digits: StringQuantity.voltage.digits),
                               format(s.current, scale: 0.001, digits: StringQuantity.current.digits),
                               format(s.soc, scale: 0.1, digits: 1), format(s.temperature, scale: 0.1, digits: 1),
                               format(s.humidity, scale: 0.1, digits: 1), "\(s.cellCount)",
                               format(lo, scale: 0.001, digits: 3), format(hi, scale: 0.001, digits: 3), avg, lowest, note])
        }
        out.append(table.render())
        if let m = d.mqtt { out.append(mqtt(m)) }
        for (address, q) in (d.snmpInforms ?? [:]).sorted(by: { $0.key < $1.key }) {
            out.append("SNMP informs to \(address): \(q.pending) not yet acknowledged\(q.dropped > 0 ? ", \(q.dropped) dropped (queue full)" : "")")
        }
        return out.joined(separator: "\n")
    }

    static func mqtt(_ m: UplinkStatus) -> String {
        var line = "MQTT \(m.broker): \(m.state.rawValue)"
        if let since = m.connectedSince { line += " since \(Timestamp(millis: since).iso)" }
        line += "; outbox \(m.outboxMessages) messages (\(formatNumber(Double(m.outboxBytes) / 1_048_576, digits: 1)) MiB), \(m.inflight) in flight"
        line += ", \(m.acknowledged) acknowledged"
        if m.dropped > 0 { line += ", \(m.dropped) measurements dropped (outbox full)" }
        if m.rejected > 0 { line += ", \(m.rejected) refused by the broker" }
        if let e = m.lastError { line += "\n  last problem\(m.lastErrorAt.map { " (\(Timestamp(millis: $0).iso))" } ?? ""): \(e)" }
        return line
    }

    static func cells(_ s: StatusDocument.StringEntry) -> String {
        var out = ["String \(s.id) (\(s.name)), UPS \(s.ups), link \(s.quality.rawValue), sample \(s.time.map { Timestamp(millis: $0).iso } ?? "none")"]
        guard let c = s.cells else { return out[0] + "\nno sample yet" }
        var table = TextTable(header: ["cell", "voltage V", "resistance mΩ", "temp °C", "SoC %", "SoH %", "status"])
        table.rightAligned = [0, 1, 2, 3, 4, 5]
        for i in c.voltage.indices {
            table.rows.append(["\(i + 1)", format(c.voltage[i], scale: 0.001, digits: 3), format(c.resistance[i], scale: 0.001, digits: 3),
                               format(c.temperature[i], scale: 0.1, digits: 1), format(c.soc[i], scale: 0.1, digits: 1),
                               format(c.soh[i], scale: 0.1, digits: 1), c.status[i].joined(separator: ",")])
        }
        out.append(table.render())
        return out.joined(separator: "\n")
    }


}
