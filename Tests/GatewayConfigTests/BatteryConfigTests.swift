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

    @Test func capacityTestDataAndReplacementThresholds() throws {
        let yaml = validConfig.replacingOccurrences(of: "dataDirectory: data\n", with: """
            dataDirectory: data
            battery:
              capacityAh: 100
              ratedHours: 8
              peukertExponent: 1.2
              temperatureCorrection: [{ celsius: 20, factor: 0.95 }, { celsius: 25, factor: 1 }, { celsius: 30, factor: 1.04 }]
              replacement: { capacityPercent: 85, resistanceRisePercent: 30 }

            """).replacingOccurrences(of: "  - id: s2\n", with: "  - id: s2\n    battery: { ratedHours: 5, replacement: { sohPercent: 70 } }\n")
        let strings = try load(yaml).topology.strings
        let plant = strings[0].battery, own = strings[1].battery
        #expect(plant.ratedHours == 8 && plant.peukertExponent == 1.2 && plant.temperatureCorrection?.count == 3)
        #expect(plant.replacement == ReplacementThresholds(capacityPercent: 85, resistanceRisePercent: 30))
        #expect(own.ratedHours == 5 && own.temperatureCorrection == plant.temperatureCorrection)
        #expect(own.replacement == ReplacementThresholds(capacityPercent: 85, resistanceRisePercent: 30, sohPercent: 70))
        let rating = BatteryRating(own)
        #expect(rating.temperatureFactor(celsius: 27.5) == 1.02 && rating.defaulted == ["cellVoltage", "endCellVoltage"])

        let p = try problems(validConfig.replacingOccurrences(of: "dataDirectory: data\n", with: """
            dataDirectory: data
            battery:
              peukertExponent: 3
              temperatureCorrection: [{ celsius: 20, factor: 0.95 }, { celsius: 20, factor: 1 }, { celsius: 30 }]
              replacement: { capacityPercent: 180, life: 3 }

            """))
        #expect(p.contains { $0.contains("battery.peukertExponent:") }, "\(p)")
        #expect(p.contains { $0.contains("battery.temperatureCorrection[1].celsius: 20.0 °C is listed twice") }, "\(p)")
        #expect(p.contains { $0.contains("battery.temperatureCorrection[2].factor: is required") }, "\(p)")
        #expect(p.contains { $0.contains("battery.replacement.capacityPercent:") }, "\(p)")
        #expect(p.contains { $0.contains("battery.replacement.life: unknown key 'life'") }, "\(p)")
    }
}
