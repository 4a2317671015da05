import Alarms
import BatteryModel
import Foundation
import GatewayConfig
@testable import SNMPAgent
import Testing

/// The agent rebuilds its view every second reusing the previous build's key order: whatever
/// changed in between, the view must equal one built from nothing.
@Suite struct MIBViewLayoutTests {
    let builder = MIBBuilder(gatewayId: "gw", version: "1.0", alarms: AlarmSettings(), batteryMib: true)
    let model: LiveModel = {
        let battery = BatterySpec(technology: .vrlaAGM, capacity: 100_000, cellVoltage: 12000, endCellVoltage: 10500)
        return LiveModel(topology: Topology(siteName: "t", upses: [.init(id: "u1", name: "UPS 1")],
                                            strings: (1...3).map { .init(id: "s\($0)", name: "S\($0)", upsIndex: 0, cellCount: 4, battery: battery) }))
    }()

    func apply(string: Int, voltage: [Int32]) {
        var values = StringValues()
        (values.voltage, values.current, values.soc, values.temperature) = (54000, 150, 800, 250)
        var cells = CellColumns(count: 4)
        cells.voltage = voltage
        model.apply(StringSample(stringIndex: string, time: Date(), values: values, cells: cells))
    }

    func alarm(_ id: Int64, cell: Int) -> AlarmRecord {
        AlarmRecord(id: id, stringId: "s2", upsId: "u1", cell: cell, type: .cellVoltageLow, raisedAt: Timestamp(millis: 1000), clearedAt: nil,
                    value: 11000, limit: 11500)
    }

    /// Every entry in walk order.
    func walk(_ view: MIBView) -> [([UInt32], SNMPValue)] {
        var out: [([UInt32], SNMPValue)] = []
        var at: [UInt32] = [0]
        while let (oid, value) = view.next(after: at[...]) {
            out.append((oid, value))
            at = oid
        }
        return out
    }

    @Test func aReusedLayoutGivesTheSameViewWhateverChanged() {
        var layout = MIBView.Layout()
        var alarms: [AlarmRecord] = []
        // Each step changes something else: values only; a cell not measured (a hole); an alarm
        // raised (keys in the middle); another; one cleared (fewer keys); a string answering for the first time.
        let steps: [() -> Void] = [
            { for s in 0..<2 { apply(string: s, voltage: [13500, 13400, 13300, 13200]) } },
            { apply(string: 0, voltage: [13510, 13410, 13310, 13210]) },
            { apply(string: 1, voltage: [13500, Measurement.missing, 13300, 13200]) },
            { alarms.append(alarm(7, cell: 2)) },
            { alarms.append(alarm(9, cell: 3)) },
            { alarms.removeFirst() },
            { apply(string: 2, voltage: [13000, 13000, 13000, 13000]) },
            { apply(string: 1, voltage: [13500, 13400, 13300, 13200]) },
            { apply(string: 2, voltage: [12900, 12900, 12900, 12900]) },
        ]
        var reusedBuilds = 0
        for (n, step) in steps.enumerated() {
            step()
            let snapshot = model.snapshot()
            let reused = builder.view(snapshot: snapshot, activeAlarms: alarms, alarmsRaised: UInt32(n), uptime: .seconds(n), layout: &layout)
            let fresh = builder.view(snapshot: snapshot, activeAlarms: alarms, alarmsRaised: UInt32(n), uptime: .seconds(n))
            let a = walk(reused), b = walk(fresh)
            #expect(a.count == b.count && a.count == fresh.count, "step \(n)")
            #expect(zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }, "step \(n)")
            if layout.reused { reusedBuilds += 1 }
        }
        #expect(reusedBuilds == 2, "the two values-only steps (1 and 8), and only they, reuse the layout")
    }
}
