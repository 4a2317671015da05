@testable import Alarms
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
