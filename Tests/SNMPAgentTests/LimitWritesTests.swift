import BatteryModel
@testable import SNMPAgent
import Testing

@Suite struct LimitWritesTests {
    let entry = LimitWrites.entry
    func oid(column: UInt32, string: UInt32, type: AlarmType) -> [UInt32] {
        entry + [column, string, UInt32(AlarmType.allCases.firstIndex(of: type)! + 1)]
    }
    func writes() -> LimitWrites {
        LimitWrites(stringIds: ["a1", "a2"], effective: [AlarmLimit.defaults, AlarmLimit.defaults])
    }

    @Test func settingsAreWrittenInDisplayUnits() {
        #expect(LimitWrites.settings(.cellVoltageLow, [3: .integer(11200), 4: .integer(150), 5: .gauge(2500), 7: .integer(1)])
                == "limit: 11.200, hysteresis: 0.150, onDelay: 2500ms, sms: true")
        #expect(LimitWrites.settings(.cellTemperatureHigh, [3: .integer(455), 2: .integer(2)]) == "enabled: false, limit: 45.5")
    }

    @Test func anAcceptedSetIsHandedOverWithItsUser() async {
        let w = writes()
        #expect(w.check(oid(column: 3, string: 2, type: .cellVoltageLow), .integer(11200)) == 0)
        #expect(w.check(oid(column: 6, string: 2, type: .cellVoltageLow), .gauge(1500)) == 0)
        #expect(w.consistent() == 0)
        w.commit(user: "ops")
        w.finish()
        var changes: [LimitWrites.Change] = []
        for await c in w.changes { changes.append(c) }
        #expect(changes.count == 1)
        #expect(changes.first?.stringId == "a2" && changes.first?.type == .cellVoltageLow && changes.first?.user == "ops")
        #expect(changes.first?.limit.limit == 11200 && changes.first?.limit.offDelay == .milliseconds(1500))
        #expect(changes.first?.limit.hysteresis == AlarmLimit.defaults[.cellVoltageLow]?.hysteresis, "untouched columns kept")
    }

    @Test func refusalsCarryTheRightError() {
        let w = writes()
        #expect(w.check(entry + [3, 1], .integer(1)) == LimitWrites.notWritable, "no such object")
        #expect(w.check(oid(column: 9, string: 1, type: .cellVoltageLow), .integer(1)) == LimitWrites.notWritable)
        #expect(w.check(oid(column: 3, string: 3, type: .cellVoltageLow), .integer(11200)) == LimitWrites.noCreation, "no string 3")
        #expect(w.check(oid(column: 3, string: 1, type: .commLost), .integer(1)) == LimitWrites.notWritable, "a flag has no limit")
        #expect(w.check(oid(column: 5, string: 1, type: .cellVoltageLow), .integer(1)) == LimitWrites.wrongType)
        #expect(w.check(oid(column: 2, string: 1, type: .cellVoltageLow), .integer(3)) == LimitWrites.wrongValue, "TruthValue is 1 or 2")
        #expect(w.check(oid(column: 3, string: 1, type: .cellVoltageLow), .integer(40000)) == LimitWrites.wrongValue, "40 V")
        #expect(w.takeProblem()?.contains("SNMP SET btmsLimitTable string a1") == true)
        w.abort()
        // Alone each is fine; together the low limit is above the high one.
        #expect(w.check(oid(column: 3, string: 1, type: .cellVoltageLow), .integer(13000)) == 0)
        #expect(w.check(oid(column: 3, string: 1, type: .cellVoltageHigh), .integer(12500)) == 0)
        #expect(w.consistent() == LimitWrites.inconsistentValue)
        w.abort()
        // Both moved together so that a normal range is left: accepted.
        #expect(w.check(oid(column: 3, string: 1, type: .cellVoltageLow), .integer(12000)) == 0)
        #expect(w.check(oid(column: 3, string: 1, type: .cellVoltageHigh), .integer(12500)) == 0)
        #expect(w.consistent() == 0)
    }
}
