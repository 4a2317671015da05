import BatteryModel
import Foundation
import Testing

func topology(upses: Int = 2, stringsPerUPS: Int = 2, cells: Int = 4) -> Topology {
    Topology(
        siteName: "Test site",
        upses: (0..<upses).map { .init(id: "u\($0)", name: "UPS \($0)") },
        strings: (0..<upses * stringsPerUPS).map { .init(id: "s\($0)", name: "S\($0)", upsIndex: $0 / stringsPerUPS, cellCount: cells) })
}

func sample(_ index: Int, voltages: [Int32], current: Int32 = 150, time: Date = Date()) -> StringSample {
    var cells = CellColumns(count: voltages.count)
    cells.voltage = voltages
    cells.resistance = voltages.map { _ in 4000 }
    var values = StringValues()
    values.voltage = voltages.reduce(0, +)
    values.current = current
    return StringSample(stringIndex: index, time: time, values: values, cells: cells)
}

@Suite struct LiveModelTests {
    @Test func snapshotReflectsAppliedSamples() {
        let model = LiveModel(topology: topology())
        model.apply(sample(1, voltages: [13600, 13500, 13700, 13650]))
        let snap = model.snapshot()
        #expect(snap.strings[1].quality == .ok)
        #expect(snap.strings[1].sample?.cells.voltage[1] == 13500)
        #expect(snap.strings[0].quality == .unknown)
        #expect(snap.strings[0].sample == nil)
    }

    @Test func failuresGoStaleThenLostAndRecover() {
        let model = LiveModel(topology: topology())
        model.apply(sample(0, voltages: [1, 2, 3, 4]))
        model.recordFailure(stringIndex: 0, error: "timeout", at: Date(), lostAfter: 3)
        #expect(model.string(0).quality == .stale)
        #expect(model.string(0).sample != nil, "the last values stay readable")
        model.recordFailure(stringIndex: 0, error: "timeout", at: Date(), lostAfter: 3)
        model.recordFailure(stringIndex: 0, error: "timeout", at: Date(), lostAfter: 3)
        #expect(model.string(0).quality == .commLost)
        #expect(model.string(0).link.lastError == "timeout")
        model.apply(sample(0, voltages: [1, 2, 3, 4]))
        #expect(model.string(0).quality == .ok)
        #expect(model.string(0).link.consecutiveFailures == 0)
    }

    @Test func cellQualityFollowsSensorStatus() {
        let model = LiveModel(topology: topology())
        var s = sample(0, voltages: [13600, 13600, 13600, 13600])
        s.cells.status[2] = .sensorNotAnswering
        model.apply(StringSample(stringIndex: 0, time: s.time, values: s.values, cells: s.cells))
        #expect(model.string(0).quality(ofCell: 1) == .ok)
        #expect(model.string(0).quality(ofCell: 2) == .stale)
    }

    @Test func aggregatesPerUPSAndSite() {
        let model = LiveModel(topology: topology())
        model.apply(sample(0, voltages: [13600, 13500, 13700, 13650]))
        model.apply(sample(1, voltages: [13610, 13400, 13620, 13630], current: -40000))
        model.apply(sample(2, voltages: [13000, 13900, 13620, 13630]))
        model.recordFailure(stringIndex: 3, error: "timeout", at: Date(), lostAfter: 1)
        let snap = model.snapshot()

        let ups0 = snap.aggregate(ups: 0)
        #expect(ups0.stringCount == 2)
        #expect(ups0.stringsDischarging == 1)
        #expect(ups0.worstCellByVoltage == .init(string: 1, cell: 1, value: 13400))
        #expect(ups0.cells[.voltage]?.max.value == 13700)
        #expect(ups0.cells[.voltage]?.mean == Double(13600 + 13500 + 13700 + 13650 + 13610 + 13400 + 13620 + 13630) / 8)

        let site = snap.dataCentre
        #expect(site.stringCount == 4)
        #expect(site.cellCount == 16)
        #expect(site.stringsCommOK == 3)
        #expect(site.stringsCommLost == 1)
        #expect(site.worstCellByVoltage == .init(string: 2, cell: 0, value: 13000))
        #expect(site.cells[.voltage]?.max == .init(string: 2, cell: 1, value: 13900))
    }

    @Test func everySubscriberGetsEveryEvent() async {
        let model = LiveModel(topology: topology())
        let a = model.events(), b = model.events()
        model.apply(sample(0, voltages: [1, 2, 3, 4]))
        model.recordFailure(stringIndex: 1, error: "x", at: Date(), lostAfter: 3)
        model.finishEvents()
        for stream in [a, b] {
            var kinds: [String] = []
            for await e in stream {
                switch e {
                case let .sample(s): kinds.append("sample \(s.stringIndex)")
                case let .link(i, l): kinds.append("link \(i) \(l.quality)")
                }
            }
            #expect(kinds == ["sample 0", "link 1 stale"])
        }
    }

    @Test func snapshotsAreIsolatedFromLaterWrites() {
        let model = LiveModel(topology: topology())
        model.apply(sample(0, voltages: [1, 2, 3, 4]))
        let before = model.snapshot()
        model.apply(sample(0, voltages: [9, 9, 9, 9]))
        #expect(before.strings[0].sample?.cells.voltage == [1, 2, 3, 4])
        #expect(model.snapshot().strings[0].sample?.cells.voltage == [9, 9, 9, 9])
    }
}
