import BatteryModel
@testable import Simulator
import Testing

@Suite struct PhysicsTests {
    @Test func floatChargeIsSteady() {
        var plant = SimulatedString(cellCount: 24, seed: 7)
        for _ in 0..<600 { plant.step(dt: 1) }
        let (values, cells) = plant.reading()
        #expect(plant.mode == .float)
        #expect(values.soc == 1000)
        #expect(values.current > 0 && values.current < 1000, "a float current of a few hundred mA")
        #expect(cells.voltage.allSatisfy { (13540...13700).contains($0) }, "float voltage 13.62 V ± spread")
        #expect(Set(cells.voltage).count > 5, "cells differ")
    }

    @Test func dischargeSagsAndRecharges() {
        var plant = SimulatedString(cellCount: 24, seed: 7)
        plant.step(dt: 1)
        let floatVoltage = plant.reading().0.voltage
        plant.dischargeCommand = 40
        for _ in 0..<60 { plant.step(dt: 60) }  // one hour at 40 A on 100 Ah
        let (during, cells) = plant.reading()
        #expect(plant.mode == .discharge)
        #expect(during.current < -39000 && during.current > -41000)
        #expect(during.voltage < floatVoltage - 24 * 800, "each block sags below 12.8 V")
        #expect((450...700).contains(during.soc), "about 40 Ah of 100 Ah out")
        #expect(Set(cells.soc).count > 3, "cells discharge unevenly")
        let hotter = cells.temperature.max() ?? 0

        plant.dischargeCommand = 0
        plant.step(dt: 1)
        #expect(plant.mode == .recharge)
        #expect(plant.reading().0.current > 5000, "recharges at about 0.1 C")
        for _ in 0..<(24 * 60) { plant.step(dt: 60) }
        #expect(plant.mode == .float)
        #expect(plant.reading().0.soc >= 999)
        #expect((plant.reading().1.temperature.max() ?? 0) < hotter, "cools after the discharge")
    }

    @Test func deepDischargeStopsAtCutOff() {
        var plant = SimulatedString(cellCount: 12, seed: 3)
        plant.dischargeCommand = 100
        for _ in 0..<(4 * 60) { plant.step(dt: 60) }
        #expect(plant.mode != .discharge, "the controller's low-voltage cut-off ended it")
        #expect(plant.dischargeCommand == 0)
    }

    @Test func someStringsHaveAWeakCell() {
        // Cell 18 (index 17) is weak in about one string of four: lowest SoH, highest resistance.
        var weak = 0
        for seed in UInt64(1)...40 {
            var plant = SimulatedString(cellCount: 40, seed: seed)
            let (_, cells) = plant.reading()
            let others = cells.soh.enumerated().filter { $0.offset != 17 }.map(\.element)
            if cells.soh[17] < (others.min() ?? 0) - 50 {
                weak += 1
                #expect(cells.resistance[17] == cells.resistance.max())
            }
        }
        #expect((4...18).contains(weak), "\(weak) of 40 strings have a weak cell")
    }

    @Test func sameSeedSamePlant() {
        var a = SimulatedString(cellCount: 8, seed: 42), b = SimulatedString(cellCount: 8, seed: 42)
        #expect(a.reading().1.resistance == b.reading().1.resistance)
        var c = SimulatedString(cellCount: 8, seed: 43)
        #expect(a.reading().1.resistance != c.reading().1.resistance)
    }
}
