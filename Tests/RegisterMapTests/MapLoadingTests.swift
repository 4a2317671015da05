import BatteryModel
import ConfigSupport
import Foundation
import RegisterMap
import Testing

@Suite struct MapLoadingTests {
    func problems(_ yaml: String) -> [String] {
        let reader = ConfigReader(file: "maps/test.yaml")
        if let root = reader.root(parsing: yaml) { _ = RegisterMap.load(from: root) }
        return reader.problems.map(\.description)
    }

    let valid = """
        name: T
        identity:
          modelId: { address: 0, type: u16, expect: 0x4243 }
        string:
          voltage: { address: 10, type: u32 }
        cells:
          voltage: { address: 1000 }
        """

    @Test func validMapHasNoProblems() {
        #expect(problems(valid) == [])
    }

    @Test func unknownKeySuggestsTheRightOne() {
        let p = problems(valid.replacingOccurrences(of: "type: u32", with: "typ: u32"))
        #expect(p == ["maps/test.yaml:5:27: string.voltage.typ: unknown key 'typ' (did you mean 'type'?)"])
    }

    @Test func badTypeNamesTheChoices() {
        let p = problems(valid.replacingOccurrences(of: "type: u32", with: "type: float"))
        #expect(p == ["maps/test.yaml:5:33: string.voltage.type: 'float' is not one of u16, s16, u32, s32"])
    }

    @Test func overlappingFieldsAreCaught() {
        let p = problems(valid.replacingOccurrences(of: "address: 10,", with: "address: 0,"))
        #expect(p.count == 1)
        #expect(p[0].contains("string.voltage overlaps identity.modelId at input register 0"))
    }

    @Test func cellColumnsMustNotRunIntoEachOther() {
        let p = problems(valid + "\n  resistance: { address: 1100 }\n")
        #expect(p.first?.contains("cells.resistance of cell 1 overlaps cells.voltage of cell 101") == true)
    }

    @Test func cellVoltagesAreRequired() {
        let p = problems(valid.replacingOccurrences(of: "voltage: { address: 1000 }", with: "soc: { address: 1000 }"))
        #expect(p == ["maps/test.yaml:7:3: cells.voltage: is required: a battery monitor needs cell voltages"])
    }

    @Test func addressesStayInRange() {
        let p = problems(valid.replacingOccurrences(of: "address: 1000", with: "address: 65500"))
        #expect(p == ["maps/test.yaml:1:1: cells.voltage of cell 120 would be at register 65619, beyond 65535"])
    }

    @Test func statusBitsMustFitTheRegister() {
        let p = problems(valid + "\n  status: { address: 6000, bits: { balancing: 16 } }\n")
        #expect(p == ["maps/test.yaml:8:47: cells.status.bits.balancing: 16 is not in 0…15"])
    }

    @Test func wordOrderOnlyForThirtyTwoBit() {
        let p = problems(valid.replacingOccurrences(of: "{ address: 1000 }", with: "{ address: 1000, wordOrder: lowFirst }"))
        #expect(p.count == 1)
        #expect(p[0].hasSuffix("cells.voltage.wordOrder: only applies to 32-bit types (u32, s32)"))
    }

    @Test func shippedMapLoads() throws {
        let map = try RegisterMap.load(file: repoFile("config/registermaps/bmc-v1.yaml"))
        #expect(map.expectedModelId == 0x4243)
        #expect(map.string.count == 5)
        #expect(map.cells.count == 5)
        #expect(map.stringStatus?.bits.count == 4)
        #expect(map.cellStatus?.bits.count == 2)
    }
}

@Suite struct NotAvailableListTests {
    @Test func naTakesOneValueOrAList() throws {
        for (text, expected) in [("na: 0", Set<Int64>([0])), ("na: [0, 0xFFFF]", [0, 0xFFFF])] {
            let reader = ConfigReader(file: "m.yaml")
            let root = try #require(reader.root(parsing: "name: n\ncells:\n  voltage: { address: 1000, \(text) }\n"))
            let map = RegisterMap.load(from: root)
            #expect(reader.problems.isEmpty, "\(reader.problems)")
            #expect(map?.cells[.voltage]?.notAvailable == expected)
        }
    }
}
