public import BatteryModel
import Foundation
import Prometheus

/// The Prometheus exposition of `/metrics` (docs/metrics.md), written by swift-prometheus: the
/// plant (each string's values, its cells' extremes and means, active alarms by type) and the
/// gateway's health. Base units by Prometheus' conventions (volts, amperes, ohms, celsius,
/// ratios 0–1, seconds, bytes). A value that was not measured is absent, never 0.
///
/// A registry per scrape: every series is the state at this moment, so a string or alarm type that
/// has no value now simply has no series.
public enum PlantMetrics {
    /// What the gateway reports about itself.
    public struct Health: Sendable {
        public var mqttConnected: Bool?
        public var outboxMessages = 0, outboxBytes = 0
        public var outboxDropped: Int64 = 0
        /// Acknowledged and refused by the broker since the start.
        public var acknowledged: Int64 = 0, rejected: Int64 = 0
        public var databaseBytes: Int64?
        public var residentBytes: Int64?
        public var startTimeSeconds: Double
        public var activeAlarms: [AlarmType: Int] = [:]
        /// Age of the oldest message in the outbox, s (0 when it is empty).
        public var outboxOldestAgeSeconds: Double = 0
        /// E-mail and SMS delivery attempts since the start: channel → result → count; and what waits.
        public var deliveries: [String: [String: Int64]] = [:]
        public var notificationsQueued: Int?
        public var snmp: SNMP?

        /// The SNMP agent since its start (absent without an agent).
        public struct SNMP: Sendable {
            public var packets: UInt64 = 0
            public var requests: [String: UInt64] = [:]
            public var refused: [String: UInt64] = [:]
            public var traps: UInt64 = 0
            public var informsAcknowledged: UInt64 = 0, informsUnacknowledged: UInt64 = 0
            public var informsPending = 0
            public init() {}
        }

        public init(startTimeSeconds: Double) {
            self.startTimeSeconds = startTimeSeconds
        }
    }

    /// The text exposition; with `cells`, every cell's voltage, resistance, temperature, SoC and SoH too.
    public static func exposition(_ snap: ModelSnapshot, health: Health, polls: PollMetrics? = nil, cells: CellMetrics? = nil,
                                  gatewayId: String) -> [UInt8] {
        let r = PrometheusCollectorRegistry()
        func name(_ n: String, _ help: String) -> MetricNameDescriptor { MetricNameDescriptor(metricName: n, unitName: "", helpText: help) }
        func gauge(_ n: String, _ help: String, _ labels: [(String, String)], _ value: Double?) {
            guard let value else { return }
            r.makeGauge(descriptor: name(n, help), labels: labels).set(value)
        }
        func counter(_ n: String, _ help: String, _ value: Int64, _ labels: [(String, String)] = []) {
            r.makeCounter(descriptor: name(n, help), labels: labels).increment(by: value)
        }

        gauge("bmgw_info", "The gateway (always 1).", [("gateway", gatewayId)], 1.0)
        for (i, info) in snap.topology.strings.enumerated() {
            let state = snap.strings[i]
            let labels = [("string", info.id), ("ups", snap.topology.upses[info.upsIndex].id)]
            gauge("bmgw_string_up", "1 while the string's controller answers, else 0.", labels, state.quality == .ok ? 1 : 0)
            gauge("bmgw_string_cells", "Configured number of cells.", labels, Double(info.cellCount))
            gauge("bmgw_string_sweep_seconds", "Duration of the last successful poll of the controller.", labels,
                  state.link.lastSweepDuration.map(seconds))
            gauge("bmgw_string_consecutive_poll_failures", "Failed polls since the last success.", labels, Double(state.link.consecutiveFailures))
            guard let sample = state.sample else { continue }
            gauge("bmgw_string_sample_timestamp_seconds", "Time of the string's latest sample.", labels, sample.time.timeIntervalSince1970)
            let v = sample.values
            gauge("bmgw_string_voltage_volts", "String voltage.", labels, Measurement.display(v.voltage, scale: 0.001))
            gauge("bmgw_string_current_amperes", "String current (negative: discharging).", labels, Measurement.display(v.current, scale: 0.001))
            gauge("bmgw_string_state_of_charge_ratio", "String state of charge (0–1).", labels, Measurement.display(v.soc, scale: 0.001))
            gauge("bmgw_string_temperature_celsius", "String (ambient) temperature.", labels, Measurement.display(v.temperature, scale: 0.1))
            gauge("bmgw_string_relative_humidity_ratio", "Relative humidity at the string (0–1).", labels, Measurement.display(v.humidity, scale: 0.001))
            for (q, unit, scale) in cellSeries {
                guard let s = sample.summary.statistics[q] else { continue }
                let base = "bmgw_string_cell_\(q.rawValue)"
                gauge("\(base)_min_\(unit)", "Lowest cell \(words(q)) of the string.", labels, Measurement.display(s.min, scale: scale))
                gauge("\(base)_max_\(unit)", "Highest cell \(words(q)) of the string.", labels, Measurement.display(s.max, scale: scale))
                gauge("\(base)_mean_\(unit)", "Mean cell \(words(q)) of the string.", labels, s.mean.map { $0 * scale })
            }
        }
        for type in AlarmType.allCases {
            gauge("bmgw_alarms_active", "Active alarms by type.", [("type", type.rawValue)], Double(health.activeAlarms[type] ?? 0))
        }

        gauge("bmgw_mqtt_connected", "1 while the MQTT uplink is connected, else 0 (absent: no uplink).", [],
              health.mqttConnected.map { $0 ? 1 : 0 })
        if health.mqttConnected != nil {
            gauge("bmgw_mqtt_outbox_messages", "Messages waiting in the MQTT outbox.", [], Double(health.outboxMessages))
            gauge("bmgw_mqtt_outbox_bytes", "Payload bytes waiting in the MQTT outbox.", [], Double(health.outboxBytes))
            counter("bmgw_mqtt_acknowledged_total", "Messages the broker acknowledged since the start.", health.acknowledged)
            counter("bmgw_mqtt_rejected_total", "Messages the broker refused since the start (MQTT 5).", health.rejected)
            counter("bmgw_mqtt_outbox_dropped_total", "Measurements dropped from a full outbox since it was created.", health.outboxDropped)
            gauge("bmgw_mqtt_outbox_oldest_message_age_seconds", "Age of the oldest message waiting in the MQTT outbox (0: empty).", [],
                  health.outboxOldestAgeSeconds)
        }
        if let snmp = health.snmp {
            counter("bmgw_snmp_packets_total", "SNMP messages the agent received since it started.", Int64(clamping: snmp.packets))
            for (pdu, n) in snmp.requests.sorted(by: { $0.key < $1.key }) {
                counter("bmgw_snmp_requests_total", "SNMP GET, GETNEXT and SET requests since the agent started.", Int64(clamping: n), [("pdu", pdu)])
            }
            for (reason, n) in snmp.refused.sorted(by: { $0.key < $1.key }) {
                counter("bmgw_snmp_refused_total", "SNMP messages refused since the agent started, by reason.", Int64(clamping: n), [("reason", reason)])
            }
            let sent = "SNMP notifications since the agent started: traps sent, informs acknowledged or not (and tried again)."
            counter("bmgw_snmp_notifications_total", sent, Int64(clamping: snmp.traps), [("kind", "trap"), ("result", "sent")])
            counter("bmgw_snmp_notifications_total", sent, Int64(clamping: snmp.informsAcknowledged), [("kind", "inform"), ("result", "acknowledged")])
            counter("bmgw_snmp_notifications_total", sent, Int64(clamping: snmp.informsUnacknowledged), [("kind", "inform"), ("result", "unacknowledged")])
            gauge("bmgw_snmp_informs_pending", "SNMP informs waiting for their receivers' acknowledgement.", [], Double(snmp.informsPending))
        }
        for channel in ["email", "sms"] {
            for result in ["sent", "failed", "gave-up"] {
                counter("bmgw_notification_deliveries_total", "E-mail and SMS delivery attempts since the start: sent, failed (tried again later), gave-up.",
                        health.deliveries[channel]?[result] ?? 0, [("channel", channel), ("result", result)])
            }
        }
        gauge("bmgw_notification_queue_messages", "E-mail and SMS messages waiting to be delivered.", [], health.notificationsQueued.map(Double.init))
        gauge("bmgw_database_size_bytes", "Size of the gateway's database file.", [], health.databaseBytes.map(Double.init))
        gauge("process_resident_memory_bytes", "Resident memory size in bytes.", [], health.residentBytes.map(Double.init))
        gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", [], health.startTimeSeconds)
        var out = r.emitToBuffer()
        polls?.emit(into: &out)
        cells?.emit(snap, into: &out)
        return out
    }

    /// Cell quantities in base units: the name's unit and the factor from the stored integer.
    static let cellSeries: [(CellQuantity, String, Double)] = [
        (.voltage, "volts", 0.001), (.resistance, "ohms", 0.000_001), (.temperature, "celsius", 0.1),
        (.soc, "ratio", 0.001), (.soh, "ratio", 0.001),
    ]

    static func column(_ cells: CellColumns, _ q: CellQuantity) -> [Int32] {
        switch q {
        case .voltage: cells.voltage
        case .resistance: cells.resistance
        case .temperature: cells.temperature
        case .soc: cells.soc
        case .soh: cells.soh
        }
    }

    static func words(_ q: CellQuantity) -> String {
        switch q {
        case .voltage: "voltage"
        case .resistance: "resistance"
        case .temperature: "temperature"
        case .soc: "state of charge (0–1)"
        case .soh: "state of health (0–1)"
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
