import BatteryModel
import Foundation
@testable import Storage
import TestSupport
import Testing

let twoStrings = Topology(siteName: "T", upses: [.init(id: "u", name: "U")],
                          strings: [.init(id: "a", name: "A", upsIndex: 0, cellCount: 4),
                                    .init(id: "b", name: "B", upsIndex: 0, cellCount: 4)])

/// A sample whose cell voltages are `base`, `base+1`, … and string current `current`.
func makeSample(_ string: Int, ms: Int64, base: Int32, current: Int32 = 150) -> StringSample {
    var cells = CellColumns(count: 4)
    cells.voltage = (0..<4).map { base + Int32($0) }
    cells.resistance = [4000, 4100, 4200, 4300]
    cells.temperature = [250, 251, 252, 253]
    cells.soc = [1000, 1000, 999, 998]
    cells.soh = [900, 910, 920, Measurement.missing]
    cells.status = [[], .balancing, [], .sensorNotAnswering]
    var values = StringValues()
    values.voltage = cells.voltage.reduce(0, +)
    values.current = current
    values.soc = 999
    values.temperature = 231
    values.status = .hallSensorFault
    return StringSample(stringIndex: string, time: Date(timeIntervalSince1970: Double(ms) / 1000), values: values, cells: cells)
}

@Suite struct GatewayDatabaseTests {
    @Test func samplesRoundTrip() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let store = try GatewayDatabase(path: path)
        let keys = try store.register(twoStrings)
        let s = makeSample(1, ms: 1_700_000_000_123, base: 13600)
        try store.insert([(keys[1], s)])
        let back = try #require(try store.latest(stringKey: keys[1]))
        #expect(back.time == 1_700_000_000_123)
        #expect(back.values == s.values)
        #expect(back.cells == s.cells)
        #expect(try store.latest(stringKey: keys[0]) == nil)
    }

    @Test func keysAreStableAcrossRestartsAndReordering() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let first = try GatewayDatabase(path: path).register(twoStrings)
        var reordered = twoStrings
        reordered.strings.reverse()
        reordered.strings.append(.init(id: "c", name: "C", upsIndex: 0, cellCount: 4))
        let second = try GatewayDatabase(path: path).register(reordered)
        #expect(second[0] == first[1])
        #expect(second[1] == first[0])
        #expect(!first.contains(second[2]))
    }

    @Test func historySurvivesReopening() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        do {
            let store = try GatewayDatabase(path: path)
            let keys = try store.register(twoStrings)
            try store.insert((0..<10).map { (keys[0], makeSample(0, ms: 1_000_000 + Int64($0) * 1000, base: 13000 + Int32($0))) })
        }
        let store = try GatewayDatabase(path: path)
        let key = try #require(try store.stringKey(id: "a"))
        let raw = try store.rawSeries(stringKey: key, .cell(.voltage, index: 2), from: 0, to: 2_000_000)
        #expect(raw.map(\.1) == (0..<10).map { 13002 + Int32($0) })
        let readOnly = try GatewayDatabase(path: path, readOnly: true)
        #expect(try readOnly.rawSeries(stringKey: key, .string(.current), from: 0, to: 2_000_000).count == 10)
    }

    @Test func newerSchemaIsRefused() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        try GatewayDatabase(path: path).db.execute("PRAGMA user_version = 99")
        #expect(throws: SQLiteError.self) { try GatewayDatabase(path: path) }
    }

    @Test func rawSeriesSkipsMissingValuesAndOtherStrings() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let store = try GatewayDatabase(path: path)
        let keys = try store.register(twoStrings)
        try store.insert([(keys[0], makeSample(0, ms: 1000, base: 1)), (keys[1], makeSample(1, ms: 1000, base: 2)),
                          (keys[0], makeSample(0, ms: 2000, base: 3))])
        #expect(try store.rawSeries(stringKey: keys[0], .cell(.soh, index: 3), from: 0, to: 10000).isEmpty)
        #expect(try store.rawSeries(stringKey: keys[0], .cell(.voltage, index: 0), from: 0, to: 10000).map(\.1) == [1, 3])
        #expect(try store.rawSeries(stringKey: keys[0], .cell(.voltage, index: 0), from: 1001, to: 10000).map(\.1) == [3])
        #expect(try store.rawSeries(stringKey: keys[1], .string(.voltage), from: 0, to: 10000).map(\.1) == [2 + 3 + 4 + 5])
    }
}
