import BatteryModel
import Foundation
import Uplink
import StatusServer
import Storage

/// Plain-text rendering of a ``StatusDocument`` for the terminal.
enum StatusText {
    static func overview(_ d: StatusDocument) -> String {
        let now = Timestamp.now.millis
        var out: [String] = []
        let live = d.source == "live"
        let identity = [d.gatewayId, d.site].filter { !$0.isEmpty }
        let name = identity.isEmpty ? "BTMS gateway (name and site unknown without --config)" : "BTMS gateway " + identity.joined(separator: " — ")
        out.append("\(name) — \(live ? "live" : "gateway not running: last stored samples") — \(d.generatedAt)")
        for g in [d.dataCentre] + d.ups {
            let title = g.name.isEmpty ? "Site" : g.name
            var line = live ? "\(title): \(g.strings) strings (\(g.stringsOK) answering, \(g.stringsCommLost) lost, \(g.stringsDischarging) discharging), \(g.cells) cells"
                            : "\(title): \(g.strings) strings, \(g.cells) cells"
            if let lo = g.cellVoltageMin, let hi = g.cellVoltageMax, let mean = g.cellVoltageMean {
                line += "; cell V \(show(lo, 3))…\(show(hi, 3)) avg \(show(mean, 3)); lowest \(g.cellVoltageMinAt ?? "")"
            }
            out.append(line)
        }
        var table = TextTable(header: ["string", "ups", "link", "age", "voltage V", "current A", "SoC %", "temp °C", "RH %",
                                       "cells", "min V", "max V", "avg V", "lowest", "note"])
        table.rightAligned = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
        for detail in d.strings {
            let s = detail.summary
            let volts = detail.cells.compactMap(\.voltage)
            let lowest = volts.min().flatMap { v in detail.cells.first { $0.voltage == v } }.map { "#\($0.cell)" } ?? ""
            let avg = volts.isEmpty ? nil : volts.reduce(0, +) / Double(volts.count)
            let age = s.time.flatMap(Timestamp.init(iso:)).map { formatNumber(Double(now - $0.millis) / 1000, digits: 1) + "s" } ?? "never"
            let note = [s.status.joined(separator: ","), s.warning ?? "", s.quality == Quality.ok.rawValue ? "" : (s.lastError ?? ""),
                        s.remoteWrite.map { "written remotely \($0)" } ?? ""]
                .filter { !$0.isEmpty }.joined(separator: "; ")
            table.rows.append([s.id, s.ups, s.quality, age,
                               show(s.voltage, StringQuantity.voltage.digits), show(s.current, StringQuantity.current.digits),
                               show(s.soc, 1), show(s.temperature, 1), show(s.humidity, 1), "\(s.cells)",
                               show(volts.min(), 3), show(volts.max(), 3), show(avg, 3), lowest, note])
        }
        out.append(table.render())
        if let h = d.history {
            if !h.writing {
                out.append("HISTORY NOT WRITTEN since \(h.failingSince ?? "?"): \(h.lastError ?? "") — polling goes on, \(h.samplesLost) samples lost")
            } else if h.samplesLost > 0 {
                out.append("history: written; \(h.samplesLost) samples were lost since the start (see the log)")
            }
        }
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

    static func cells(_ d: LiveSummary.StringDetail) -> String {
        let s = d.summary
        let head = "String \(s.id) (\(s.name)), UPS \(s.ups), link \(s.quality), sample \(s.time ?? "none")"
        guard !d.cells.isEmpty else { return head + "\nno sample yet" }
        var table = TextTable(header: ["cell", "voltage V", "resistance mΩ", "temp °C", "SoC %", "SoH %", "status"])
        table.rightAligned = [0, 1, 2, 3, 4, 5]
        for c in d.cells {
            table.rows.append(["\(c.cell)", show(c.voltage, 3), show(c.resistance, 3), show(c.temperature, 1),
                               show(c.soc, 1), show(c.soh, 1), c.flags.joined(separator: ",")])
        }
        return head + "\n" + table.render()
    }

    /// A value in display units, rounded as every view rounds (``DecimalText``), or "n/a".
    static func show(_ v: Double?, _ digits: Int) -> String {
        DecimalText.format(v, digits: digits, missing: "n/a")
    }
}
