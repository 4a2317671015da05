import Alarms
import BatteryModel
import Foundation
import Testing

@Suite struct DischargeDetectorTests {
    @Test func detectsStartEndAndCharge() {
        var d = DischargeDetector(strings: 1, threshold: -2000, startDelay: .seconds(10), endDelay: .seconds(30))
        var transitions: [DischargeTransition] = []
        // Float 60 s, then 600 s at −40 A with voltage falling, then float again.
        for t in 0..<1000 {
            let discharging = (60..<660).contains(t)
            let cell = Int32(13600 - (discharging ? (t - 60) : 0))
            let s = sample(Double(t), cellVolts: [cell, cell - 5, cell + 3, cell], current: discharging ? -40000 : 150)
            if let tr = d.update(s) { transitions.append(tr) }
        }
        let started = transitions.compactMap { if case let .started(_, e) = $0 { e } else { nil } }
        let ended = transitions.compactMap { if case let .ended(_, e) = $0 { e } else { nil } }
        #expect(started.count == 1 && ended.count == 1)
        #expect(started.first?.start == 60_000, "dated at the first sample below the threshold")
        let e = ended[0]
        #expect(e.start == 60_000)
        #expect(e.end == 660_000, "dated at the first sample back above")
        #expect(abs(e.chargeMilliAmpHours - 40000 * 600 / 3600) < 1, "40 A for 10 minutes = 6.667 Ah, got \(e.chargeMilliAmpHours)")
        #expect(e.minCellVoltage == Int32(13600 - 599 - 5))
        #expect(e.minCell == 1)
        #expect(e.minVoltage == Int32(4 * (13600 - 599) - 2))
    }

    @Test func shortDipsAreNoEvents() {
        var d = DischargeDetector(strings: 1, threshold: -2000, startDelay: .seconds(10), endDelay: .seconds(30))
        for t in 0..<100 {
            let s = sample(Double(t), current: t % 20 < 5 ? -40000 : 150)
            #expect(d.update(s) == nil)
        }
    }

    @Test func delaysAndChargeRunOnSteadyTimeAcrossClockSteps() {
        var d = DischargeDetector(strings: 1, threshold: -2000, startDelay: .seconds(10), endDelay: .seconds(30))
        var steady = SteadyTime()
        let start = ContinuousClock.now
        var transitions: [(Int, DischargeTransition)] = []
        // 40 A from 5 s to 100 s. The wall clock is stepped +1 h at 7 s (during the start delay),
        // back at 50 s (during the event) and −1 h at 102 s (during the end delay).
        for n in 0..<200 {
            let offset: Double = (7..<50).contains(n) ? 3600 : n >= 102 ? -3600 : 0
            let s = sample(Double(n) + offset, current: (5..<100).contains(n) ? -40000 : 150)
            let st = steady.time(of: Timestamp(s.time), arrivingAt: start + .seconds(n))
            if let tr = d.update(s, steady: st) { transitions.append((n, tr)) }
        }
        let started = transitions.compactMap { n, tr in if case let .started(_, e) = tr { (n, e) } else { nil } }
        let ended = transitions.compactMap { n, tr in if case let .ended(_, e) = tr { (n, e) } else { nil } }
        #expect(started.map(\.0) == [15], "10 s after the first sample below, not at the step")
        #expect(ended.map(\.0) == [130], "30 s after the first sample above, not at the step")
        guard let e = ended.first?.1 else { return }
        #expect(e.start == 5_000 && e.end == 100_000, "start and end stay the wall times of their samples")
        #expect(abs(e.chargeMilliAmpHours - 40000.0 * 95 / 3600) < 1, "95 s at 40 A, got \(e.chargeMilliAmpHours)")
    }

    @Test func restoredEventContinuesAndEnds() {
        var d = DischargeDetector(strings: 1, threshold: -2000, startDelay: .seconds(10), endDelay: .seconds(30))
        var open = DischargeProgress(start: 1000)
        open.id = 7
        open.chargeMilliAmpHours = 5000
        d.restore(string: 0, open, updatedAt: 2000)
        #expect(d.isDischarging(string: 0))
        // The gateway was off for an hour: the gap is not integrated.
        _ = d.update(sample(3600, current: -40000))
        _ = d.update(sample(3601, current: 150))
        let end = d.update(sample(3631, current: 150))
        guard case let .ended(_, e) = end else {
            Issue.record("not ended: \(String(describing: end))")
            return
        }
        #expect(e.id == 7)
        #expect(abs(e.chargeMilliAmpHours - (5000 + 40000.0 / 3600)) < 0.01)
        #expect(e.end == 3_601_000)
    }
}

@Suite struct DischargeRestartTests {
    @Test func anEventThatEndedWhileDownClosesWhenLastSeen() {
        var d = DischargeDetector(strings: 1, threshold: -2000, startDelay: .seconds(10), endDelay: .seconds(30))
        var open = DischargeProgress(start: 1000)
        open.id = 3
        d.restore(string: 0, open, updatedAt: 600_000)
        guard case let .ended(_, e) = d.update(sample(7200, current: 150)) else {
            Issue.record("not ended")
            return
        }
        #expect(e.end == 600_000, "closed at its last save before the restart, not two hours later")
    }
}
