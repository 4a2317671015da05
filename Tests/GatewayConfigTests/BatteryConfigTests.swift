import BatteryModel
import Foundation
import GatewayConfig
import Testing

/// `battery:` at the top (the plant's) and under a string (its own keys over the plant's).
@Suite struct BatteryConfigTests {
    @Test func aStringsOwnKeysGoOverThePlants() throws {
        let yaml = validConfig.replacingOccurrences(of: "dataDirectory: data\n", with: """
            dataDirectory: data
            battery: { technology: vrlaAGM, capacityAh: 200, cellVoltage: 12, endCellVoltage: 10.5 }

            """).replacingOccurrences(of: "  - id: s2\n", with: "  - id: s2\n    battery: { capacityAh: 150.5, technology: lithiumIronPhosphate }\n")
        let strings = try load(yaml).topology.strings
        #expect(strings[0].battery == BatterySpec(technology: .vrlaAGM, capacity: 200_000, cellVoltage: 12000, endCellVoltage: 10500))
        #expect(strings[1].battery == BatterySpec(technology: .lithiumIronPhosphate, capacity: 150_500, cellVoltage: 12000, endCellVoltage: 10500))
        #expect(strings[1].battery.technology?.ianaNumber == 18, "LiFePO4 is lithium-ion in IANA's registry")
    }

    @Test func withoutABatteryBlockNothingIsKnown() throws {
        #expect(try load(validConfig).topology.strings.allSatisfy { $0.battery == BatterySpec() })
    }

    @Test func badValuesNameTheKey() throws {
        let p = try problems(validConfig.replacingOccurrences(of: "dataDirectory: data\n", with: """
            dataDirectory: data
            battery: { technology: leadAcidd, capacityAh: -5, cellVoltage: 2, endCellVoltage: 2.1, age: 3 }

            """))
        #expect(p.contains { $0.contains("battery.technology: 'leadAcidd' is not one of leadAcid, vrlaGel, vrlaAGM") }, "\(p)")
        #expect(p.contains { $0.contains("battery.capacityAh:") }, "\(p)")
        #expect(p.contains { $0.contains("battery.age: unknown key 'age'") }, "\(p)")
        #expect(p.contains { $0.contains("battery.endCellVoltage: must be below cellVoltage (2.0 V)") }, "\(p)")
        let own = try problems(validConfig.replacingOccurrences(of: "  - id: s2\n", with: "  - id: s2\n    battery: { cellVoltage: 2, endCellVoltage: 2 }\n"))
        #expect(own.count == 1 && own[0].contains("strings[1].battery.endCellVoltage: must be below cellVoltage"), "\(own)")
    }
}
