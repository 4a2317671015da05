import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The agent keeps its own configuration whatever net-snmp variables the gateway's environment has
/// (an NMS host's shell sets them for the client tools). A `bmgw run` process: the variables are
/// read by net-snmp at start, and one agent runs per process.
@Suite(.tags(.endToEnd), .timeLimit(.minutes(2))) struct SNMPEnvironmentTests {
    @Test func agentAnswersWithNetSnmpVariablesSet() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (snmpPort, simPort) = (try freePort(), try freePort())
        // A client tools' configuration elsewhere: with it, net-snmp would read only this folder.
        let tools = "\(dir.path)/nms-tools"
        try FileManager.default.createDirectory(atPath: tools, withIntermediateDirectories: true)
        _ = try dir.write("nms-tools/snmp.conf", "defCommunity other\n")
        let environment = ["SNMPCONFPATH": tools, "SNMP_PERSISTENT_DIR": "\(dir.path)/nms-state", "SNMP_PERSISTENT_FILE": "\(tools)/p.conf",
                           "MIBS": "ALL", "MIBDIRS": "\(dir.path)/no-mibs"]
        let config = try dir.write("g.yaml", configText(
            data: "\(dir.path)/data", endpoints: [.tcp(port: simPort, unit: 1)], cells: 8, logLevel: "info",
            extra: """
                simulator: { listen: 127.0.0.1:\(simPort) }
                snmp: { listen: "udp:127.0.0.1:\(snmpPort)", community: s3cret }

                """))
        let log = "\(dir.path)/gateway.log"
        let gateway = try startGatewayProcess(config: config, log: log, environment: environment)
        defer { kill(gateway, SIGKILL); _ = waitExit(gateway) }
        @Sendable func gatewayLog() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        // The gateway id over the numeric OID (no MIB needed by the client).
        let answered = await eventuallyOffPool(20) {
            (try? run("snmpget", ["-v2c", "-c", "s3cret", "-Oqv", "-t", "1", "-r", "0", "127.0.0.1:\(snmpPort)", ".1.3.6.1.4.1.32473.1.1.1.0"]))?.1
                == "\"test-gw\"\n"
        }
        #expect(answered, "\(gatewayLog())")
        #expect(gatewayLog().contains("SNMP agent started"))
        #expect(!gatewayLog().contains("no access control"), "\(gatewayLog())")
        // Nothing of ours was written where the variables pointed.
        #expect(!FileManager.default.fileExists(atPath: "\(tools)/p.conf"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir.path)/nms-state"))
    }
}
