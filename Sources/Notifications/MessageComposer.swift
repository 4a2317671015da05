public import Alarms
public import BatteryModel
import Foundation
import Storage

/// Turns a batch of alarm events into an e-mail and an SMS text.
public struct MessageComposer: Sendable {
    public let gatewayId: String
    public let site: String
    /// Times are written in the site's zone, said once per e-mail.
    public let time: SiteTime

    public init(gatewayId: String, site: String, time: SiteTime = .utc) {
        self.gatewayId = gatewayId
        self.site = site
        self.time = time
    }

    /// One alarm change: raised or cleared, with its record.
    public struct Change: Sendable, Equatable, Codable {
        public var raised: Bool
        public var record: AlarmRecord

        public init(raised: Bool, record: AlarmRecord) {
            self.raised = raised
            self.record = record
        }

        var time: Timestamp { raised ? record.raisedAt : (record.clearedAt ?? record.raisedAt) }
    }

    public func email(_ changes: [Change]) -> (subject: String, body: String) {
        let sorted = changes.sorted { $0.time < $1.time }
        let subject: String
        if sorted.count == 1, let c = sorted.first {
            subject = "[BTMS \(gatewayId)] \(c.raised ? "RAISED" : "CLEARED") \(c.record.type.title): \(place(c.record))"
        } else {
            subject = "[BTMS \(gatewayId)] \(summary(sorted))"
        }
        var lines = ["\(site) — gateway \(gatewayId)", summary(sorted), "Times in \(time.label(at: sorted.first?.time ?? .now)).", ""]
        for c in sorted {
            lines.append("\(time.text(c.time))  \(c.raised ? "RAISED " : "CLEARED")  \(c.record.type.title)  \(place(c.record))\(figures(c))")
        }
        lines.append("")
        // Short lines: mail servers refuse lines over 998 characters.
        let ids = sorted.map { String($0.record.id) }
        for start in stride(from: 0, to: ids.count, by: 12) {
            lines.append((start == 0 ? "Alarm ids: " : "           ") + ids[start..<min(ids.count, start + 12)].joined(separator: ", "))
        }
        return (subject, lines.joined(separator: "\n"))
    }

    /// At most 160 characters: one SMS.
    public func sms(_ changes: [Change]) -> String {
        let sorted = changes.sorted { $0.time < $1.time }
        var text = "BTMS \(gatewayId): " + (sorted.count == 1 ? "" : summary(sorted, short: true) + ": ")
        text += sorted.map { c in
            let cell = c.record.cell.map { "#\($0)" } ?? ""
            return "\(c.raised ? "" : "cleared ")\(c.record.type.title) \(c.record.stringId)\(cell)\(c.raised ? figures(c, short: true) : "")"
        }.joined(separator: "; ")
        return text.count > 160 ? String(text.prefix(159)) + "…" : text
    }

    /// "3 events from … to … CET" (or one event's time) in the site's zone; `short` for an SMS: clock times only.
    func summary(_ sorted: [Change], short: Bool = false) -> String {
        guard let first = sorted.first, let last = sorted.last else { return "no events" }
        let raised = sorted.count { $0.raised }
        let zone = time.abbreviation(last.time)
        if sorted.count == 1 { return "1 event at \(time.text(first.time)) \(zone)" }
        let span = short ? "\(time.clock(first.time).split(separator: " ")[0])–\(time.clock(last.time))"
                         : "from \(time.text(first.time)) to \(time.text(last.time)) \(zone)"
        return "\(sorted.count) events \(span) (\(raised) raised, \(sorted.count - raised) cleared)"
    }

    func place(_ r: AlarmRecord) -> String {
        "UPS \(r.upsId) / string \(r.stringId)" + (r.cell.map { " cell \($0)" } ?? "")
    }

    func figures(_ c: Change, short: Bool = false) -> String {
        let type = c.record.type
        guard c.raised, !type.limitUnit.display.isEmpty, let v = c.record.value else { return "" }
        return short ? " \(type.display(v).replacingOccurrences(of: " ", with: ""))" : "  value \(type.display(v)), limit \(type.display(c.record.limit))"
    }
}
