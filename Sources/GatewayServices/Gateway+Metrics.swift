import Acquisition
import Alarms
import BatteryModel
import Foundation
import GatewayConfig
import MetricsExport
import Notifications
import SNMPAgent
import Storage
import Uplink

extension Gateway {
    /// The Prometheus exposition of this gateway at this moment (web `/metrics`, docs/metrics.md).
    func metricsExposition(cells: Bool, startedAt: Date) async -> [UInt8] {
        var health = PlantMetrics.Health(startTimeSeconds: startedAt.timeIntervalSince1970)
        if let status = uplinkStatus {
            health.mqttConnected = status.state == .connected
            (health.outboxMessages, health.outboxBytes, health.outboxDropped) = (status.outboxMessages, status.outboxBytes, status.dropped)
            (health.acknowledged, health.rejected) = (status.acknowledged, status.rejected)
            health.outboxOldestAgeSeconds = status.outboxOldestAt.map { max(0, Double(Timestamp.now.millis - $0) / 1000) } ?? 0
        }
        if let agent = snmpAgent {
            let st = agent.statistics
            var snmp = PlantMetrics.Health.SNMP()
            (snmp.packets, snmp.requests, snmp.refused, snmp.traps) = (st.packets, st.requests, st.refused, st.trapsSent)
            (snmp.informsAcknowledged, snmp.informsUnacknowledged) = (st.informsAcknowledged, st.informsUnacknowledged)
            snmp.informsPending = agent.informState.values.reduce(0) { $0 + $1.pending }
            health.snmp = snmp
        }
        health.deliveries = deliveries.current
        health.notificationsQueued = try? await store.run { try NotificationStore(db: $0.db).pendingCount() }
        let active = (try? await store.run { try AlarmLog(db: $0.db).active().map(\.record.type) }) ?? []
        for type in active { health.activeAlarms[type, default: 0] += 1 }
        let database = Self.databasePath(dataDirectory: config.dataDirectory)
        health.databaseBytes = [database, database + "-wal"].compactMap { Self.fileSize($0) }.reduce(0, +)
        health.residentBytes = Self.residentBytes()
        return PlantMetrics.exposition(model.snapshot(), health: health, polls: polls, cells: cells ? cellMetrics : nil,
                                       gatewayId: config.gatewayId)
    }

    static func fileSize(_ path: String) -> Int64? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value
    }

    /// Resident set size from /proc/self/statm (its second field, in pages).
    static func residentBytes() -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int64(fields[1]) else { return nil }
        return pages * Int64(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// The acquisition's polls into the metrics.
struct PollMetricsObserver: PollObserver {
    let metrics: PollMetrics

    func polled(stringIndex: Int, duration: Duration) { metrics.polled(stringIndex: stringIndex, duration: duration) }
    func pollFailed(stringIndex: Int, kind: String) { metrics.pollFailed(stringIndex: stringIndex, kind: kind) }
}
