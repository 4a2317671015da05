import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The gateway as an AgentX subagent of net-snmp's snmpd (a separate `bmgw run` process:
/// one net-snmp agent per process).
@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(2))) struct SNMPSubagentTests {
    @Test func servesItsTreeThroughSnmpdAndReconnectsAfterARestart() async throws {
        let base = try #require(smiBaseDirectory, "run scripts/install-deps.sh --test")
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (snmpPort, agentxPort, trapPort, simPort) = (try freePort(), try freePort(), try freePort(), try freePort())
        // The master: its own port, AgentX on TCP, traps to a receiver of the test.
        _ = try dir.write("snmpd.conf", """
            agentaddress udp:127.0.0.1:\(snmpPort)
            master agentx
            agentXSocket tcp:127.0.0.1:\(agentxPort)
            rocommunity public 127.0.0.1
            trap2sink 127.0.0.1:\(trapPort) public

            """)
        try FileManager.default.createDirectory(atPath: "\(dir.path)/snmpd", withIntermediateDirectories: true)
        func startSnmpd() async throws {
            let (code, out) = try await runOff("/usr/sbin/snmpd", ["-C", "-c", "\(dir.path)/snmpd.conf", "--persistentDir=\(dir.path)/snmpd",
                                                          "-Lf", "\(dir.path)/snmpd.log", "-p", "\(dir.path)/snmpd.pid"])
            #expect(code == 0, "\(out)")
        }
        try await startSnmpd()
        defer { killPidFile("\(dir.path)/snmpd.pid") }
        _ = try dir.write("snmptrapd.conf", "disableAuthorization yes\n")
        let trapLog = "\(dir.path)/traps.log"
        let (trapd, trapdOut) = try await runOff("/usr/sbin/snmptrapd", ["-Lf", trapLog, "-On", "-C", "-c", "\(dir.path)/snmptrapd.conf",
                                                                "-p", "\(dir.path)/trapd.pid", "udp:127.0.0.1:\(trapPort)"])
        #expect(trapd == 0, "\(trapdOut)")
        defer { killPidFile("\(dir.path)/trapd.pid") }

        let config = try dir.write("g.yaml", configText(
            data: dir.path, endpoints: [.tcp(port: simPort, unit: 1), .tcp(port: simPort, unit: 2)], cells: 12, logLevel: "info",
            extra: immediateAlarms + """
                simulator: { listen: 127.0.0.1:\(simPort) }
                snmp: { mode: agentx, agentxSocket: "tcp:127.0.0.1:\(agentxPort)" }

                """))
        let gateway = try startGatewayProcess(config: config, log: "\(dir.path)/gateway.log")
        var exited = false
        defer { if !exited { kill(gateway, SIGKILL); _ = waitExit(gateway) } }

        let mibs = ["-M", "+\(base):\(repoRoot.appendingPathComponent("mibs").path)", "-m", "BTMS-GATEWAY-MIB"]
        @Sendable func get(_ objects: [String]) -> String? {
            guard let (code, out) = try? run("snmpget", ["-v2c", "-c", "public", "-Oqv", "-t", "1", "-r", "0"] + mibs
                                                          + ["127.0.0.1:\(snmpPort)"] + objects), code == 0 else { return nil }
            return out
        }
        @Sendable func gatewayLog() -> String { (try? String(contentsOfFile: "\(dir.path)/gateway.log", encoding: .utf8)) ?? "" }
        #expect(await eventuallyOffPool(20) { get(["btmsCellCount.0"]) == "24\n" }, "\(gatewayLog())")
        // snmpd's own tree is still there, beside ours.
        let both = try await offPool { get(["SNMPv2-MIB::sysUpTime.0", "btmsGatewayId.0", "btmsStringId.2"]) }
        #expect(both?.split(separator: "\n").dropFirst() == ["test-gw", "s2"])
        // Every cell of both strings, once both have been read (the counts are there before the first sweep).
        @Sendable func walk() -> [Substring] {
            guard let (code, out) = try? run("snmpbulkwalk", ["-v2c", "-c", "public", "-On", "-Oqe", "127.0.0.1:\(snmpPort)",
                                                              ".1.3.6.1.4.1.32473.1.4.1.2"]), code == 0 else { return [] }
            return out.split(separator: "\n")
        }
        #expect(await eventuallyOffPool(10) { walk().count == 2 * 12 }, "cell voltages of both strings")

        // A notification goes through the master to its trap sink.
        try pin(simPort, unit: 1, [(1004, [10900])])  // cell 5 of s1
        func traps() -> String { (try? String(contentsOfFile: trapLog, encoding: .utf8)) ?? "" }
        #expect(await eventually(10) { traps().contains(".1.3.6.1.4.1.32473.0.1") && traps().contains("INTEGER: 10900") }, "\(traps())")

        // snmpd restarted (a package upgrade, say): the subagent registers again by itself.
        killPidFile("\(dir.path)/snmpd.pid")
        #expect(await eventuallyOffPool(5) { get(["btmsGatewayId.0"]) == nil })
        try await Task.sleep(for: .milliseconds(500))
        try await startSnmpd()
        #expect(await eventuallyOffPool(30) { get(["btmsGatewayId.0"]) == "test-gw\n" }, "\(gatewayLog().suffix(2000))")

        kill(gateway, SIGTERM)
        #expect(waitExit(gateway) == 0, "a clean stop")
        exited = true
    }

}
