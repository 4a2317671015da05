import Foundation
@testable import GatewayServices
import TestSupport
import Testing

/// The agent's own counters in the Prometheus exposition, after the requests SNMPTests made; part of
/// SNMPTests (one agent per process).
extension SNMPTests {
    func checkSNMPMetrics(gw: RunningGateway, dir: TempDir) async throws {
        let text = String(decoding: await gw.gateway.metricsExposition(cells: false, startedAt: Date()), as: UTF8.self)
        let m = MetricsTests.samples(text)
        // snmpget, snmpwalk, snmptable, snmpbulkwalk and the limit SETs above.
        #expect((m["bmgw_snmp_packets_total"] ?? 0) >= 20, "\(m.filter { $0.key.hasPrefix("bmgw_snmp") })")
        #expect((m["bmgw_snmp_requests_total{pdu=\"get\"}"] ?? 0) >= 8 && (m["bmgw_snmp_requests_total{pdu=\"getnext\"}"] ?? 0) >= 1
                && (m["bmgw_snmp_requests_total{pdu=\"set\"}"] ?? 0) >= 1)
        // The wrong community; the wrong privacy key (AES decrypts it to garbage) and the three garbage datagrams.
        #expect((m["bmgw_snmp_refused_total{reason=\"badCommunity\"}"] ?? 0) >= 1, "\(m.filter { $0.key.hasPrefix("bmgw_snmp_refused") })")
        #expect((m["bmgw_snmp_refused_total{reason=\"parseError\"}"] ?? 0) >= 4)
        // Raised and cleared, ours and BATTERY-MIB's: traps out; the inform receiver acknowledged some.
        #expect((m["bmgw_snmp_notifications_total{kind=\"trap\",result=\"sent\"}"] ?? 0) >= 4)
        #expect((m["bmgw_snmp_notifications_total{kind=\"inform\",result=\"acknowledged\"}"] ?? 0) >= 1)
        #expect(m["bmgw_notification_deliveries_total{channel=\"email\",result=\"sent\"}"] == 0, "nobody to tell in this test")
        #expect(m["bmgw_notification_queue_messages"] == 0)
        let file = try dir.write("snmp-scrape.txt", text)
        let (code, problems) = try await runOff("sh", ["-c", "promtool check metrics < \(file) 2>&1"], errors: .always)
        #expect(code == 0 && problems.isEmpty, "promtool: \(problems)")
    }
}
