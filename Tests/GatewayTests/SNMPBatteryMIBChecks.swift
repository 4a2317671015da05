import Alarms
import BatteryModel
import Foundation
import GatewayServices
import ModbusCore
import Simulator
import TestSupport
import Testing

/// The standard battery MIBs (RFC 7577 BATTERY-MIB, RFC 6933 ENTITY-MIB) read by net-snmp's tools
/// with the modules from mibs/, against the live model; part of SNMPTests (one agent per process).
extension SNMPTests {
    /// The plant's battery data sheet in the test configuration: 12 V blocks, 100 Ah, VRLA AGM.
    static let batterySection = "battery: { technology: vrlaAGM, capacityAh: 100, cellVoltage: 12, endCellVoltage: 10.5 }\n"

    /// snmptable rows (index first), each value without its type ("Gauge32: 14" → "14").
    func table(_ name: String, base: String, target: String) async throws -> [[String]] {
        let mibs = ["-M", "+\(base):\(repoRoot.appendingPathComponent("mibs").path)", "-m", "BATTERY-MIB:ENTITY-MIB:BTMS-GATEWAY-MIB"]
        let (code, text) = try await runOff("snmptable", ["-v2c", "-c", "s3cret", "-Cf", "|", "-CH", "-Ci", "-Oqv"] + mibs + [target, name])
        #expect(code == 0, "\(text)")
        return text.split(separator: "\n").map { line in
            line.split(separator: "|", omittingEmptySubsequences: false).map { field in
                let f = String(field)
                return f.firstRange(of: ": ").map { String(f[$0.upperBound...]) } ?? (f.hasSuffix(":") ? "" : f)
            }
        }
    }

    /// Cell 17 of s2 is pinned at 11 000 mV (below the 11 500 mV limit): a batteryLowNotification for
    /// it has gone out. Here cell 5 of s3 goes to 10 000 mV, below the 10.5 V end voltage: critical.
    func checkBatteryMIB(gw: RunningGateway, base: String, target: String, simulator port: Int, traps: () -> String) async throws {
        // ENTITY-MIB: the gateway, its two UPSes, three strings; s1 and s3 in UPS 1, s2 in UPS 2.
        let entities = try await table("ENTITY-MIB::entPhysicalTable", base: base, target: target)
        #expect(entities.map { $0[0] } == ["1", "101", "102", "1001", "1002", "1003"], "\(entities)")
        let tree = entities.map { row in row.count > 6 ? [row[0], row[3], row[4], row[5], row[6]] : row }
        #expect(tree == [["1", "0", "chassis(3)", "-1", "test-gw"], ["101", "1", "container(5)", "1", "u1"], ["102", "1", "container(5)", "2", "u2"],
                         ["1001", "101", "battery(14)", "1", "s1"], ["1002", "102", "battery(14)", "1", "s2"], ["1003", "101", "battery(14)", "2", "s3"]],
                "index, contained in, class, position, name: \(tree)")
        #expect(entities.last?[1] == "Battery string s3: 24 cells, vrlaAGM, 100 Ah", "\(entities.last ?? [])")
        #expect(entities.map { $0.count > 2 ? $0[2] : "" } == ["BTMS-GATEWAY-MIB::btmsGatewayAppliance"] + .init(repeating: "BTMS-GATEWAY-MIB::btmsUPSContainer", count: 2)
                + .init(repeating: "BTMS-GATEWAY-MIB::btmsBatteryString", count: 3), "vendor types: \(entities)")

        // BATTERY-MIB: one row per string, at the string's entPhysicalIndex, as the model has it.
        let batteries = try await table("BATTERY-MIB::batteryTable", base: base, target: target)
        let snapshot = gw.model.snapshot()
        #expect(batteries.count == 3, "\(batteries)")
        for (i, row) in batteries.enumerated() where row.count == 26 {
            let sample = try #require(snapshot.strings[i].sample)
            #expect(row[0] == "\(1001 + i)" && row[1] == "s\(i + 1)" && row[3] == "rechargeable(4)" && row[4] == "14", "\(row)")
            #expect(row[5] == "288000 millivolt" && row[6] == "24" && row[7] == "100000 milliampere hours", "design: \(row)")
            // Slow-moving: the weakest cell's health times 100 Ah; the state of charge times that.
            let soh = Int(sample.cells.soh.min() ?? 0)
            #expect(row[10] == "\(100_000 * soh / 1000) milliampere hours", "actual capacity: \(row[10]) vs SoH \(soh)")
            #expect(row[13] == "maintainingCharge(3)", "float charge: \(row[13])")
            let voltage = Int(row[16].split(separator: " ").first ?? "") ?? 0
            #expect(abs(voltage - Int(sample.values.voltage)) < 200, "voltage \(row[16]) vs \(sample.values.voltage)")
            #expect(row[18] == "\(sample.values.temperature) deci-degrees Celsius", "temperature: \(row[18])")
            // Thresholds from the alarm limits in force: string voltage low (per cell) × 24, SoC low × 100 Ah,
            // temperature high; no low-temperature alarm ('7fffffff'H).
            let limits = gw.gateway.limits.effective(forString: "s\(i + 1)")
            let low = try #require(limits[.stringVoltageLow]), soc = try #require(limits[.stringSocLow])
            let hot = try #require(limits[.stringTemperatureHigh])
            #expect(row[20] == (low.enabled ? "\(24 * Int(low.limit)) millivolt" : "0 millivolt"), "\(row[20]) vs \(low)")
            #expect(row[19] == (soc.enabled ? "\(100 * Int(soc.limit)) milliampere hours" : "0 milliampere hours"), "\(row[19]) vs \(soc)")
            #expect(row[23] == (hot.enabled ? "\(hot.limit) deci-degrees Celsius" : "2147483647 deci-degrees Celsius"), "\(row[23])")
            #expect(row[24] == "2147483647 deci-degrees Celsius", "\(row[24])")
        }
        #expect(batteries.allSatisfy { $0.count == 26 }, "every column of every row: \(batteries)")

        // The notifications name the cell, in the row's batteryCellIdentifier too.
        #expect(await eventually(5) { traps().contains(".1.3.6.1.2.1.233.0.2") }, "batteryLowNotification: \(traps())")
        #expect(traps().contains(".1.3.6.1.2.1.233.1.1.1.25.1002 = STRING: \"cell 17\""), "\(traps())")
        #expect(batteries.count == 3 && batteries[1].last == "cell 17", "\(batteries.map(\.last))")
        try pin(port, unit: 3, [(1004, [10000])])  // cell 5 of s3
        #expect(await eventually(10) { traps().contains(".1.3.6.1.2.1.233.0.3") }, "batteryCriticalNotification: \(traps())")
        #expect(traps().contains(".1.3.6.1.2.1.233.1.1.1.25.1003 = STRING: \"cell 5\""), "\(traps())")
        #expect(traps().contains(".1.3.6.1.2.1.233.1.1.1.16.1003 = Gauge32: "), "its voltage: \(traps())")
        try modbusClient(port: port, unit: 3).writeRegister(ControlRegisters.releaseAll, 1)
    }
}
