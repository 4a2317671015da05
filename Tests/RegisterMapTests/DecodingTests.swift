import BatteryModel
import Foundation
import RegisterMap
import Testing

@Suite struct FieldCodingTests {
    @Test func sixteenBitTypes() {
        #expect(RegisterField(address: 0, type: .u16).canonical(raw: RegisterField(address: 0, type: .u16).raw(0xFFFE)) == 65534)
        let s16 = RegisterField(address: 0, type: .s16)
        #expect(s16.canonical(raw: s16.raw(0xFF38)) == -200)
        #expect(s16.canonical(raw: s16.raw(0x7FFF)) == Measurement.missing, "0x7FFF is n/a for signed")
        let u16 = RegisterField(address: 0, type: .u16)
        #expect(u16.canonical(raw: u16.raw(0xFFFF)) == Measurement.missing, "0xFFFF is n/a for unsigned")
    }

    @Test func thirtyTwoBitWordOrders() {
        let hi = RegisterField(address: 0, type: .u32)
        #expect(hi.canonical(raw: hi.raw(0x0001, 0x86A0)) == 100_000)
        let lo = RegisterField(address: 0, type: .u32, wordOrder: .lowFirst)
        #expect(lo.canonical(raw: lo.raw(0x86A0, 0x0001)) == 100_000)
        let s32 = RegisterField(address: 0, type: .s32)
        #expect(s32.canonical(raw: s32.raw(0xFFFF, 0x63C0)) == -40000)
        #expect(s32.canonical(raw: s32.raw(0x7FFF, 0xFFFF)) == Measurement.missing)
    }

    @Test func scaleAndCustomNotAvailable() {
        let tenMillivolt = RegisterField(address: 0, type: .u16, scale: 10, notAvailable: [0, 0xFFFF])
        #expect(tenMillivolt.canonical(raw: 1361) == 13610)
        #expect(tenMillivolt.canonical(raw: 0) == Measurement.missing)
        let tenth = RegisterField(address: 0, type: .s16, scale: 0.1)
        #expect(tenth.canonical(raw: -255) == -26, "rounded to nearest")
    }

    @Test func encodeRoundTrips() {
        for field in [RegisterField(address: 0, type: .u32), RegisterField(address: 0, type: .s32, wordOrder: .lowFirst),
                      RegisterField(address: 0, type: .s16), RegisterField(address: 0, type: .u16, scale: 10)] {
            for v: Int32 in [0, 1230, Measurement.missing] where !(field.type == .u16 && v < 0) {
                let words = field.encode(v)
                let raw = words.count == 1 ? field.raw(words[0]) : field.raw(words[0], words[1])
                #expect(field.canonical(raw: raw) == v, "\(field.type) \(v)")
            }
        }
        let s32 = RegisterField(address: 0, type: .s32)
        #expect(s32.encode(-40000) == [0xFFFF, 0x63C0])
    }

    @Test func statusBitsMapToCanonicalFlags() {
        // A controller whose Hall fault is bit 5 and cell-bus fault bit 0.
        let f = RegisterField(address: 3, type: .u16, bits: [(StringStatus.hallSensorFault.rawValue, 5), (StringStatus.cellBusFault.rawValue, 0)])
        #expect(StringStatus(rawValue: f.flags(raw: 0b10_0001)) == [.hallSensorFault, .cellBusFault])
        #expect(StringStatus(rawValue: f.flags(raw: 0b00_0010)) == [])
        #expect(f.encode(flags: StringStatus.hallSensorFault.rawValue) == [0b10_0000])
    }
}

@Suite struct ReadPlanTests {
    static var bmcMap: RegisterMap {
        get throws { try RegisterMap.load(file: repoFile("config/registermaps/bmc-v1.yaml")) }
    }

    @Test func bmcV1FullStringIsEightReads() throws {
        let plan = ReadPlan(map: try Self.bmcMap, cellCount: 120)
        #expect(plan.blocks.map(\.description) == [
            "input[0..<4]", "input[10..<17]", "input[1000..<1120]", "input[2000..<2120]",
            "input[3000..<3120]", "input[4000..<4120]", "input[5000..<5120]", "input[6000..<6120]",
        ])
    }

    @Test func gapsMergeWhenAllowed() throws {
        var map = try Self.bmcMap
        map.maxGap = 6
        let plan = ReadPlan(map: map, cellCount: 16)
        #expect(plan.blocks.first == ReadBlock(table: .input, start: 0, count: 17))
        #expect(plan.blocks.count == 7)
    }

    @Test func blocksNeverExceedTheLimitNorSplitAValue() {
        // 200 cells of 32-bit values at stride 2: 400 registers, split into ≤ 125 with even boundaries.
        var map = RegisterMap(name: "wide", maxCells: 200)
        map.cells[.voltage] = RegisterField(address: 100, type: .u32, stride: 2)
        let plan = ReadPlan(map: map, cellCount: 200)
        #expect(plan.blocks.allSatisfy { $0.count <= 125 && $0.count % 2 == 0 })
        #expect(plan.blocks.reduce(0) { $0 + $1.count } == 400)
    }

    @Test func decodesTheDocumentedExample() throws {
        // BMC-MODBUS.md: first cell 13.611 V, 18.036 mΩ, 25.0 °C, SoC 100 %, SoH 76 %, 16 cells.
        let plan = ReadPlan(map: try Self.bmcMap, cellCount: 16)
        var data = plan.blocks.map { [UInt16](repeating: 0, count: $0.count) }
        func set(_ address: Int, _ value: UInt16) {
            let b = plan.blocks.firstIndex { $0.start <= address && address < $0.end }!
            data[b][address - plan.blocks[b].start] = value
        }
        set(0, 0x4243); set(2, 16); set(3, 0b0001)
        set(10, 0x0003); set(11, 0x3E80)            // 212,608 mV
        set(12, 0xFFFF); set(13, 0x63C0)            // −40,000 mA
        set(14, 987); set(15, UInt16(bitPattern: -52)); set(16, 0xFFFF)
        set(1000, 13611); set(2000, 18036); set(3000, 250); set(4000, 1000); set(5000, 760); set(6000, 0b10)
        set(1001, 0xFFFF)
        let d = try plan.decode(data, stringIndex: 3, time: Date(timeIntervalSince1970: 1))
        #expect(d.modelId == 0x4243)
        #expect(d.reportedCellCount == 16)
        #expect(d.sample.stringIndex == 3)
        #expect(d.sample.values.voltage == 212_608)
        #expect(d.sample.values.current == -40000)
        #expect(d.sample.values.soc == 987)
        #expect(d.sample.values.temperature == -52)
        #expect(d.sample.values.humidity == Measurement.missing)
        #expect(d.sample.values.status == .hallSensorFault)
        #expect(d.sample.cells.voltage[0] == 13611)
        #expect(d.sample.cells.resistance[0] == 18036)
        #expect(d.sample.cells.temperature[0] == 250)
        #expect(d.sample.cells.soc[0] == 1000)
        #expect(d.sample.cells.soh[0] == 760)
        #expect(d.sample.cells.status[0] == .balancing)
        #expect(d.sample.cells.voltage[1] == Measurement.missing)
    }

    @Test func wrongAmountOfDataIsAnError() throws {
        let plan = ReadPlan(map: try Self.bmcMap, cellCount: 4)
        #expect(throws: DecodeError.self) { try plan.decode([], stringIndex: 0, time: Date()) }
        var data = plan.blocks.map { [UInt16](repeating: 0, count: $0.count) }
        data[2].removeLast()
        #expect(throws: DecodeError.self) { try plan.decode(data, stringIndex: 0, time: Date()) }
    }
}

func repoFile(_ path: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(path).path
}
