@testable import Alarms
import Foundation
import BatteryModel
import Testing

/// An alarm's stored duration when the wall clock was stepped while it was active.
@Suite struct ClockStepTests {
    let t0 = Timestamp(millis: 1_800_000_000_000)

    @Test func aSteadyClockKeepsTheRaiseTime() {
        // Active 75 s, cleared at once (no off-delay), applied 20 ms later.
        let cleared = t0 + .seconds(75)
        #expect(AlarmService.raiseTime(t0, clearedAt: cleared, now: cleared + .milliseconds(20), raisedFor: .milliseconds(75_020)) == nil)
        // With a 30 s off-delay: the 30 s waited are not part of the alarm.
        #expect(AlarmService.raiseTime(t0, clearedAt: cleared, now: cleared + .seconds(30), raisedFor: .seconds(105)) == nil)
    }

    @Test func aStepBackMovesTheRaiseIntoTheClearsTimeline() {
        // Raised at t0, the clock stepped back an hour, cleared 75 s (monotonic) after the raise.
        let cleared = t0 + .seconds(75) - .seconds(3600)
        let moved = AlarmService.raiseTime(t0, clearedAt: cleared, now: cleared, raisedFor: .seconds(75))
        #expect(moved == t0 - .seconds(3600), "75 s before the clear, not 3525 s after it")
    }

    @Test func aStepForwardToo() {
        let cleared = t0 + .seconds(76) + .seconds(3600)
        let moved = AlarmService.raiseTime(t0, clearedAt: cleared, now: cleared + .seconds(5), raisedFor: .seconds(81))
        #expect(moved == cleared - .seconds(76))
    }
}

/// Alarm delays measured in steady time: a wall-clock step neither ends an on-delay early nor
/// holds it back.
@Suite struct SteadyTimeTests {
    @Test func stepsAreTakenOutAndPollSpacingKept() {
        var steady = SteadyTime()
        let start = ContinuousClock.now
        let t0: Int64 = 1_800_000_000_000
        // Samples 1 s apart with 30 ms of jitter; the wall clock stepped +1 h after 3 s, −1 h after 6 s.
        var times: [Int64] = []
        for n in 0..<9 {
            let step: Int64 = n >= 3 && n < 6 ? 3_600_000 : 0
            let wall = Timestamp(millis: t0 + Int64(n) * 1000 + step + (n % 2 == 0 ? 30 : 0))
            times.append(steady.time(of: wall, arrivingAt: start + .milliseconds(Int64(n) * 1000 + 5)).millis - t0)
        }
        // The step is absorbed; what remains is the jitter (a step is measured on one jittered sample).
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        #expect(gaps.allSatisfy { abs($0 - 1000) <= 60 }, "\(times)")
        #expect(abs(times[8] - times[0] - 8000) <= 60, "\(times)")
    }

    @Test func anOnDelayLastsItsRealTimeAcrossAForwardStep() {
        var e = engine { $0[.cellVoltageLow]?.onDelay = .seconds(10) }
        var steady = SteadyTime()
        let start = ContinuousClock.now
        let low: [Int32] = [11400, 13600, 13600, 13600]
        var raisedAt: Int?
        for n in 0..<15 {
            let wall = Double(n) + (n >= 2 ? 3600 : 0)  // stepped +1 h 2 s into the condition
            let s = sample(wall, cellVolts: low)
            let out = e.evaluate(s, steady: steady.time(of: Timestamp(s.time), arrivingAt: start + .seconds(n)))
            if !out.isEmpty && raisedAt == nil { raisedAt = n }
        }
        #expect(raisedAt == 10, "10 s after the condition began, not at the step")
    }
}
