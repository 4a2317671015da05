import BatteryModel
import Foundation
import GatewayApp
import GatewayServices
import GatewayConfig
import Storage
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
import Alarms
#endif

/// Parts of the one SNMP agent test (one net-snmp agent per process): SETs of alarm limits,
/// v3 informs, reconfiguration while running.
extension SNMPTests {
    static let admin = ["-v3", "-u", "admin", "-l", "authPriv", "-a", "SHA-256", "-A", "admin-auth-1", "-x", "AES", "-X", "admin-priv-1",
                        "-t", "2", "-r", "0"]
    static let nms = ["-v3", "-u", "nms", "-l", "authPriv", "-a", "SHA-256", "-A", "auth-pass-1", "-x", "AES", "-X", "priv-pass-1",
                      "-t", "2", "-r", "0"]

    func storedLimit(_ dir: TempDir, string: String, type: AlarmType) throws -> AlarmLimit? {
        let store = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: dir.path), readOnly: true)
        return try LimitStore(db: store.db).all()[string]?[type]
    }

    func checkLimitWrites(gw: RunningGateway, dir: TempDir, mibs: [String], target: String) async throws {
        // s3, cellVoltageHigh (type 10): a limit below the float voltage sends every cell of s3 high.
        let (ok, out) = try await runOff("snmpset", Self.admin + mibs + [target, "btmsLimitValue.3.10", "i", "13000",
                                                                "btmsLimitHysteresis.3.10", "i", "10", "btmsLimitOnDelay.3.10", "u", "0"])
        #expect(ok == 0, "\(out)")
        #expect(await eventually { (try? storedLimit(dir, string: "s3", type: .cellVoltageHigh))??.limit == 13000 },
                "stored as a run-time override, like bmgw limits --set")
        #expect(try storedLimit(dir, string: "s3", type: .cellVoltageHigh)?.hysteresis == 10)
        #expect(await eventuallyOffPool {
            (try? run("snmpget", ["-v2c", "-c", "s3cret", "-Oqv"] + mibs + [target, "btmsLimitValue.3.10"]))?.1 == "13000\n"
        })
        #expect(await eventually(15) { (try? activeAlarms(dir))?.filter { $0.hasPrefix("s3 cellVoltageHigh ") }.count == 24 },
                "the alarm engine applies it")

        // Refused, and nothing changes: out of range, no normal range left, wrong type, read-only user, community.
        let (range, rangeOut) = try await runOff("snmpset", Self.admin + mibs + [target, "btmsLimitValue.3.10", "i", "40000"])
        #expect(range != 0 && rangeOut.contains("wrongValue"), "\(rangeOut)")
        let (order, orderOut) = try await runOff("snmpset", Self.admin + mibs + [target, "btmsLimitValue.3.11", "i", "13500"])
        #expect(order != 0 && orderOut.contains("inconsistentValue"), "\(orderOut)")
        // Numeric, so that snmpset does not refuse the type itself.
        let (type, typeOut) = try await runOff("snmpset", Self.admin + [target, ".1.3.6.1.4.1.32473.1.5.1.5.3.10", "i", "5"])
        #expect(type != 0 && typeOut.contains("wrongType"), "\(typeOut)")
        let (flag, flagOut) = try await runOff("snmpset", Self.admin + mibs + [target, "btmsLimitValue.3.9", "i", "1"])
        #expect(flag != 0 && flagOut.contains("notWritable"), "commLost has no limit: \(flagOut)")
        let (reader, readerOut) = try await runOff("snmpset", Self.nms + mibs + [target, "btmsLimitValue.3.10", "i", "14000"])
        #expect(reader != 0, "a read-only v3 user cannot set: \(readerOut)")
        let (community, _) = try await runOff("snmpset", ["-v2c", "-c", "s3cret", "-t", "1", "-r", "0"] + mibs + [target, "btmsLimitValue.3.10", "i", "14000"])
        #expect(community != 0, "communities are read-only")
        let (cell, cellOut) = try await runOff("snmpset", Self.admin + mibs + [target, "btmsCellVoltage.1.1", "i", "12000"])
        #expect(cell != 0 && cellOut.contains("notWritable"), "\(cellOut)")
        #expect(try storedLimit(dir, string: "s3", type: .cellVoltageHigh)?.limit == 13000)
        #expect(try storedLimit(dir, string: "s3", type: .cellVoltageLow) == nil)
    }

    /// A v3 inform receiver (snmptrapd with the user's keys); returns its log and pid file.
    func startInformReceiver(dir: TempDir, port: Int) async throws -> (log: String, pidFile: String) {
        let log = "\(dir.path)/informs.log"
        try FileManager.default.createDirectory(atPath: "\(dir.path)/informd", withIntermediateDirectories: true)
        _ = try dir.write("informd.conf", "createUser nms SHA-256 auth-pass-1 AES priv-pass-1\nauthUser log nms\n")
        let pidFile = "\(dir.path)/informd.pid"
        let (code, out) = try await runOff("/usr/sbin/snmptrapd", ["-Lf", log, "-On", "-C", "-c", "\(dir.path)/informd.conf",
                                                          "--persistentDir=\(dir.path)/informd", "-p", pidFile, "udp:127.0.0.1:\(port)"])
        #expect(code == 0, "\(out)")
        return (log, pidFile)
    }

    /// The receiver came up after the first informs: every one arrives, raise before clear.
    func checkInforms(log: String) async throws {
        func text() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        #expect(await eventually(40) { text().components(separatedBy: ".1.3.6.1.4.1.32473.0.1").count - 1 >= 25 },
                "1 + 24 raise informs: \(text().suffix(2000))")
        let all = text()
        let raise = all.range(of: ".1.3.6.1.4.1.32473.0.1"), clear = all.range(of: ".1.3.6.1.4.1.32473.0.2")
        #expect(raise != nil && clear != nil && raise!.lowerBound < clear!.lowerBound, "in order")
        #expect(all.contains("INTEGER: 11000") && all.contains("Gauge32: 17"), "the s2 cell 17 alarm's varbinds")
    }

    /// New community, source networks and users while running; no restart.
    func checkReload(gw: RunningGateway, dir: TempDir, mibs: [String], target: String, snmpPort: Int, trapPort: Int,
                     informPort: Int) async throws {
        func reload(community: String, sources: String, withAdmin: Bool) throws -> [String] {
            var section = snmpSection(port: snmpPort, community: community, sources: sources, trapPort: trapPort, informPort: informPort)
            if !withAdmin { section = section.split(separator: "\n").filter { !$0.contains("name: admin") }.joined(separator: "\n") + "\n" }
            let file = try dir.write("g2.yaml", configText(data: dir.path, endpoints: [.tcp(port: 1, unit: 1), .tcp(port: 1, unit: 2),
                                                                                        .tcp(port: 1, unit: 3)],
                                                           cells: 24, extra: immediateAlarms + Self.batterySection + section.replacingOccurrences(of: "limitWrites: true", with: "limitWrites: false")))
            return try gw.gateway.reload(GatewayConfig.load(file: file))
        }
        @Sendable func getBlocking(_ args: [String]) -> Int32 {
            (try? run("snmpget", args + ["-t", "1", "-r", "0"] + mibs + [target, "btmsGatewayId.0"]).0) ?? -1
        }
        func get(_ args: [String]) async throws -> Int32 { try await offPool { getBlocking(args) } }
        // limitWrites changed in the file: reported as needing a restart, the rest applied.
        #expect(try reload(community: "n3w", sources: "[127.0.0.1]", withAdmin: false) == ["snmp.listen, snmp.mode, snmp.agentxSocket, snmp.limitWrites, snmp.batteryMib, snmp.batteryNotifications"])
        #expect(await eventuallyOffPool { getBlocking(["-v2c", "-c", "n3w"]) == 0 }, "the new community answers")
        #expect(try await get(["-v2c", "-c", "s3cret"]) != 0, "the old one no longer")
        #expect(try await get(Self.admin) != 0, "a removed user is gone")
        #expect(try await get(Self.nms) == 0, "a kept user still works")
        _ = try reload(community: "n3w", sources: "[10.0.0.0/8, \"fd00::/8\"]", withAdmin: false)
        #expect(await eventuallyOffPool { getBlocking(["-v2c", "-c", "n3w"]) != 0 }, "not from 127.0.0.1 any more")
        #expect(try await get(Self.nms) == 0)
    }

}
