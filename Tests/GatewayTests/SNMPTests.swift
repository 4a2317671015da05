import BatteryModel
import Foundation
import GatewayApp
import GatewayConfig
import GatewayServices
import ModbusCore
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// net-snmp's tools against the running gateway's agent (one agent per process: one suite).
@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(2))) struct SNMPTests {
    @Test func netSnmpToolsSeeTheLiveModel() async throws {
        let base = try #require(smiBaseDirectory, "run scripts/install-deps.sh --test")
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (sim, port) = try startSimulator(units: [1, 2, 3], cells: 24)
        let snmpPort = try freePort()
        // A real trap receiver, logging numerically to a file.
        let trapPort = try freePort()
        let trapLog = "\(dir.path)/traps.log"
        _ = try dir.write("snmptrapd.conf", "disableAuthorization yes\n")
        // Started as a daemon (it forks and the command returns); stopped by its pid file.
        // (A long-lived Foundation Process child made later waitUntilExit calls hang here.)
        let pidFile = "\(dir.path)/trapd.pid"
        let (trapdCode, trapdOut) = try await runOff("/usr/sbin/snmptrapd", ["-Lf", trapLog, "-On", "-C", "-c", "\(dir.path)/snmptrapd.conf",
                                                                    "-p", pidFile, "udp:127.0.0.1:\(trapPort)"])
        #expect(trapdCode == 0, "\(trapdOut)")
        defer {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(pid, SIGKILL)
            }
        }
        // A v3 inform receiver, started only later: informs wait and are retried until acknowledged.
        let informPort = try freePort()
        let gw = try RunningGateway(configFile: try dir.write("g.yaml", configText(
            data: dir.path, endpoints: [.tcp(port: port, unit: 1), .tcp(port: port, unit: 2), .tcp(port: port, unit: 3)], cells: 24,
            extra: immediateAlarms + Self.batterySection + snmpSection(port: snmpPort, community: "s3cret", trapPort: trapPort, informPort: informPort))))
        #expect(await eventually { gw.model.snapshot().strings.allSatisfy { $0.quality == .ok } })
        try pin(port, unit: 2, [(1016, [11000])])  // cell 17 of s2
        #expect(await eventually { gw.model.string(1).sample?.cells.voltage[16] == 11000 })
        let mibs = ["-M", "+\(base):\(repoRoot.appendingPathComponent("mibs").path)", "-m", "BTMS-GATEWAY-MIB"]
        let target = "127.0.0.1:\(snmpPort)"
        // The agent's view is rebuilt every second; in this busy test process (every suite at once on
        // two cores) a rebuild can come late, so wait for it rather than a fixed time.
        #expect(await eventuallyOffPool(15) {
            (try? run("snmpget", ["-v2c", "-c", "s3cret", "-Oqv"] + mibs + [target, "btmsCellVoltage.2.17"]))?.1 == "11000 mV\n"
        }, "the agent serves the pinned value")
        let (code, get) = try await runOff("snmpget", ["-v2c", "-c", "s3cret", "-Oqv"] + mibs + [target,
            "btmsGatewayId.0", "btmsStringCount.0", "btmsCellCount.0", "btmsCellVoltage.2.17", "btmsStringId.2", "btmsStringCommStatus.2",
            "btmsSoftwareVersion.0"])
        #expect(code == 0, "\(get)")
        // The software version is the one of `bmgw --version`, the web footer and the Debian package.
        #expect(get.split(separator: "\n") == ["test-gw", "3", "72", "11000 mV", "s2", "ok", "\(Gateway.version)"])

        // A bare walk (snmpwalk's default subtree, mib-2) finds the system group, which NMS discovery
        // reads first; sysObjectID names the product in our MIB.
        let (systemCode, system) = try await runOff("snmpwalk", ["-v2c", "-c", "s3cret", "-M", "+\(base)", "-m", "SNMPv2-MIB", target])
        let lines = system.split(separator: "\n").map(String.init)
        // The system group first (8 objects), then ENTITY-MIB and BATTERY-MIB (mib-2 47 and 233).
        #expect(systemCode == 0 && lines.count > 8 && lines.prefix(8).allSatisfy { $0.hasPrefix("SNMPv2-MIB::sys") || $0.hasPrefix("DISMAN-EVENT-MIB::sysUpTimeInstance") }
                && lines[8].hasPrefix("SNMPv2-SMI::mib-2.47.1.1.1.1.2.1 = "), "\(system)")
        #expect(lines.first == "SNMPv2-MIB::sysDescr.0 = STRING: BTMS Gateway 0.1.0: battery monitoring of UPS battery plants (3 strings, 72 cells), Linux",
                "\(system)")
        #expect(lines.contains { $0.hasPrefix("SNMPv2-MIB::sysUpTime.0 = Timeticks: (") || $0.hasPrefix("DISMAN-EVENT-MIB::sysUpTimeInstance = Timeticks: (") })
        #expect(lines.contains("SNMPv2-MIB::sysName.0 = STRING: test-gw") && lines.contains("SNMPv2-MIB::sysLocation.0 = STRING: Test site")
                && lines.contains("SNMPv2-MIB::sysServices.0 = INTEGER: 72"), "\(system)")
        let (_, product) = try await runOff("snmpget", ["-v2c", "-c", "s3cret", "-Oqv", "-M", "+\(base):\(repoRoot.appendingPathComponent("mibs").path)",
                                                        "-m", "BTMS-GATEWAY-MIB:SNMPv2-MIB", target, "SNMPv2-MIB::sysObjectID.0"])
        #expect(product == "BTMS-GATEWAY-MIB::btmsGatewayAppliance\n", "\(product)")
        // The snmpEngine group (SNMP-FRAMEWORK-MIB), numerically: id, boots, time, maximum message size.
        let (_, engine) = try await runOff("snmpget", ["-v2c", "-c", "s3cret", "-Oqv", target,
                                                       ".1.3.6.1.6.3.10.2.1.1.0", ".1.3.6.1.6.3.10.2.1.2.0", ".1.3.6.1.6.3.10.2.1.3.0", ".1.3.6.1.6.3.10.2.1.4.0"])
        // The id is hex over two lines ("80 00 1F 88 …": net-snmp's enterprise format); boots, time, size follow.
        let engineValues = engine.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let counters = Array(engineValues.suffix(3))
        #expect(engineValues.first?.hasPrefix("\"80 00 1F 88") == true && counters.count == 3 && (Int(counters[0]) ?? 0) >= 1
                && (Int(counters[1]) ?? -1) >= 0 && counters[2] == "1500", "\(engine)")

        // snmptable: one row per string, the columns as the model has them.
        let (tableCode, table) = try await runOff("snmptable", ["-v2c", "-c", "s3cret", "-Cf", "|", "-CH", "-Oqv"] + mibs + [target, "btmsStringTable"])
        #expect(tableCode == 0, "\(table)")
        let rows = table.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 3, "\(table)")
        let snap = gw.model.snapshot()
        for (i, row) in rows.enumerated() where row.count >= 16 {
            // Columns 2… (the index column is not-accessible): id, name, ups, voltage, …, cell count (12), min, max, mean, worst.
            #expect(row[0] == "s\(i + 1)" && row[2] == "1", "\(row)")
            #expect(row[10] == "24" && row[9] == "ok", "\(row)")
            let stats = try #require(snap.strings[i].sample?.summary.statistics[.voltage])
            if i == 1 { #expect(row[11] == "11000 mV" && row[14] == "17", "min cell of s2: \(row)") }
            #expect(abs((Int(row[11].split(separator: " ")[0]) ?? 0) - Int(stats.min)) < 10, "\(row) vs \(stats.min)")
        }

        // DISPLAY-HINTs: tenths and micro-ohms shown in their unit (without them: "231 0.1 degree Celsius").
        let (_, shown) = try await runOff("snmpget", ["-v2c", "-c", "s3cret", "-Oqv"] + mibs
                                                     + [target, "btmsCellTemperature.2.17", "btmsCellResistance.2.17", "btmsStringSoc.2"])
        let parts = shown.split(separator: "\n").map(String.init)
        #expect(parts.count == 3 && parts[0].wholeMatch(of: /-?\d+\.\d degree Celsius/) != nil
                && parts[1].wholeMatch(of: /\d+\.\d{3} milliohm/) != nil && parts[2].wholeMatch(of: /\d+\.\d percent/) != nil, "\(shown)")

        // The inform receiver comes up now: the s2 raise was sent to nobody and is being retried.
        let informd = try await startInformReceiver(dir: dir, port: informPort)
        defer { killPidFile(informd.pidFile) }

        // The whole cell table equals the model, value for value.
        let (walkCode, walk) = try await runOff("snmpbulkwalk", ["-v2c", "-c", "s3cret", "-Cr50", "-On", "-Oqe", target, ".1.3.6.1.4.1.32473.1.4"])
        #expect(walkCode == 0)
        var served: [String: Int] = [:]
        for line in walk.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2, let v = Int(parts[1]) { served[String(parts[0])] = v }
        }
        let snapshot = gw.model.snapshot()
        var compared = 0
        for (s, state) in snapshot.strings.enumerated() {
            let cells = try #require(state.sample?.cells)
            for (col, column) in [(2, cells.voltage), (3, cells.resistance), (6, cells.soh)] {
                for (i, v) in column.enumerated() {
                    let oid = ".1.3.6.1.4.1.32473.1.4.1.\(col).\(s + 1).\(i + 1)"
                    if col == 3 || col == 6 {  // slow-moving: equal to the snapshot taken after the walk
                        #expect(served[oid] == Int(v), "\(oid)")
                    } else if s == 1 && i == 16 {
                        #expect(served[oid] == 11000)
                    } else {
                        #expect(abs((served[oid] ?? 0) - Int(v)) < 10, "\(oid)")  // ±2 mV noise between walk and snapshot
                    }
                    compared += 1
                }
            }
        }
        #expect(compared == 3 * 24 * 3)
        // Every measured column of every cell. Of the life columns (8–12) a new plant has at most
        // btmsCellLifeStatus, notEnoughHistory(4), once the first estimate is made (RemainingLifeTests checks them).
        let walked = walk.split(separator: "\n")
        let life = walked.filter { $0.hasPrefix(".1.3.6.1.4.1.32473.1.4.1.8.") }
        #expect(walked.count - life.count == 3 * 24 * 6, "every cell, every column")
        #expect(life.allSatisfy { $0.hasSuffix(" 4") } && (life.isEmpty || life.count == 3 * 24), "\(life.prefix(3))")

        // The alarm for the injected cell is in the active alarm table.
        let (_, alarms) = try await runOff("snmpbulkwalk", ["-v2c", "-c", "s3cret", "-Oqv"] + mibs + [target, "btmsAlarmType"])
        #expect(alarms.contains("cellVoltageLow"), "\(alarms)")

        // The raise went out as a notification with where, what, value and limit.
        func traps() -> String { (try? String(contentsOfFile: trapLog, encoding: .utf8)) ?? "" }
        #expect(await eventually(5) { traps().contains(".1.3.6.1.4.1.32473.0.1") }, "\(traps())")
        let raisedTrap = traps()
        #expect(raisedTrap.contains(".1.3.6.1.4.1.32473.1.6.1.5.") && raisedTrap.contains("INTEGER: 11"), "type cellVoltageLow(11)")
        #expect(raisedTrap.contains("INTEGER: 11000") && raisedTrap.contains("INTEGER: 11500"), "value and limit")
        #expect(raisedTrap.contains("Gauge32: 17"), "cell 17")
        #expect(raisedTrap.contains(".1.3.6.1.4.1.32473.1.6.1.10.") && raisedTrap.contains("STRING: \"mV\""), "the unit, last: \(raisedTrap)")
        try await checkBatteryMIB(gw: gw, base: base, target: target, simulator: port, traps: traps)
        // Limits say their unit too (string voltage limits are per cell; flags have none).
        let (_, units) = try await runOff("snmpget", ["-v2c", "-c", "s3cret", "-Oqv"] + mibs
                                                     + [target, "btmsLimitUnit.2.cellVoltageLow", "btmsLimitUnit.2.stringVoltageHigh", "btmsLimitUnit.2.commLost"])
        #expect(units == "mV\nmV per cell\n\n", "\(units)")
        try modbusClient(port: port, unit: 2).writeRegister(ControlRegisters.releaseAll, 1)
        #expect(await eventually(5) { traps().contains(".1.3.6.1.4.1.32473.0.2") }, "cleared notification: \(traps())")

        // SNMPv3 authPriv (SHA-256, AES) works; a wrong key or no privacy is refused.
        let v3 = ["-v3", "-u", "nms", "-l", "authPriv", "-a", "SHA-256", "-A", "auth-pass-1", "-x", "AES", "-t", "1", "-r", "0", "-Oqv"]
        let (v3ok, v3id) = try await runOff("snmpget", v3 + ["-X", "priv-pass-1"] + mibs + [target, "btmsGatewayId.0"])
        #expect(v3ok == 0 && v3id.hasPrefix("test-gw"), "\(v3id)")
        let (v3bad, _) = try await runOff("snmpget", v3 + ["-X", "wrong-pass-9"] + mibs + [target, "btmsGatewayId.0"])
        #expect(v3bad != 0)
        let (noPriv, _) = try await runOff("snmpget", ["-v3", "-u", "nms", "-l", "authNoPriv", "-a", "SHA-256", "-A", "auth-pass-1", "-t", "1", "-r", "0"]
                                  + mibs + [target, "btmsGatewayId.0"])
        #expect(noPriv != 0, "authPriv is required")

        // Wrong community: no answer. Garbage datagrams: the agent keeps answering.
        let (wrong, _) = try await runOff("snmpget", ["-v2c", "-c", "wrong", "-t", "1", "-r", "0"] + mibs + [target, "btmsGatewayId.0"])
        #expect(wrong != 0)
        sendGarbage(port: snmpPort)
        let (after, id) = try await runOff("snmpget", ["-v2c", "-c", "s3cret", "-Oqv"] + mibs + [target, "btmsGatewayId.0"])
        #expect(after == 0 && id.hasPrefix("test-gw"))

        try await checkLimitWrites(gw: gw, dir: dir, mibs: mibs, target: target)
        try await checkInforms(log: informd.log)
        try await checkSNMPMetrics(gw: gw, dir: dir)
        #expect(await eventually {
            (try? runBMGW(["status", "--data", dir.path]))?.1.contains("SNMP informs to 127.0.0.1:\(informPort): 0 not yet acknowledged") == true
        }, "bmgw status shows the inform queue")
        try await checkReload(gw: gw, dir: dir, mibs: mibs, target: target, snmpPort: snmpPort, trapPort: trapPort, informPort: informPort)

        try await gw.stop()
        await sim.stop()
    }

    /// The agent's start takes seconds on a busy machine; an alarm raised meanwhile must still be
    /// notified (CI lost one so). Every output is subscribed once the services are made.
    @Test func everyOutputIsSubscribedBeforeAnyServiceRuns() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let yaml = configText(data: dir.path, endpoints: [.tcp(port: 1, unit: 1)],
                              extra: snmpSection(port: try freePort(), community: "c", trapPort: try freePort(), informPort: try freePort()))
        let gateway = try Gateway(config: GatewayConfig.load(file: try dir.write("g.yaml", yaml)), logger: quietLogger)
        defer { gateway.events.finish() }
        #expect(gateway.events.subscriberCount == 0)
        _ = gateway.serviceGroup(signals: [])
        #expect(gateway.events.subscriberCount == 2, "the notifier and the SNMP agent")
    }

    func snmpSection(port: Int, community: String, sources: String = "[127.0.0.0/8]", trapPort: Int, informPort: Int) -> String {
        """
        snmp:
          listen: "udp:127.0.0.1:\(port)"
          community: \(community)
          sources: \(sources)
          trapDestinations: ["127.0.0.1:\(trapPort)"]
          informs: [ { address: "127.0.0.1:\(informPort)", user: nms } ]
          limitWrites: true
          users:
            - { name: nms, authPassphrase: auth-pass-1, privPassphrase: priv-pass-1 }
            - { name: admin, authPassphrase: admin-auth-1, privPassphrase: admin-priv-1, access: write }

        """
    }

    /// Random bytes and a truncated BER sequence at the agent's port.
    func sendGarbage(port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let packets: [[UInt8]] = [(0..<200).map { _ in UInt8.random(in: 0...255) }, [0x30, 0x82, 0xFF, 0xFF, 0x02, 0x01], [0x30]]
        for p in packets {
            _ = p.withUnsafeBytes { b in
                withUnsafePointer(to: &addr) { a in
                    a.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
        }
    }
}
