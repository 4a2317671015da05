import Foundation
import Storage
import Testing

/// The history's write health: the status flips at the first failure and back at the next success,
/// the log hears the first failure, then at most one reminder a minute, and the outage's toll.
@Suite struct HistoryHealthTests {
    @Test func anOutageIsSaidOnceAMinuteAndItsTollWhenItEnds() {
        let health = HistoryHealth()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(health.state.writing && health.succeeded(now: t0) == nil)
        #expect(health.failed("disk full", samples: 8, now: t0) != nil, "the first failure is logged")
        #expect(!health.state.writing && health.state.lastError == "disk full" && health.state.samplesLost == 8)
        #expect(health.failed("disk full", samples: 8, now: t0.addingTimeInterval(30)) == nil, "not every second")
        #expect(health.failed("disk full", samples: 8, now: t0.addingTimeInterval(61)) == "history still not written")
        let outage = health.succeeded(now: t0.addingTimeInterval(90))
        #expect(outage?.seconds == 90 && outage?.lost == 24)
        #expect(health.state.writing && health.state.samplesLost == 24 && health.succeeded(now: t0.addingTimeInterval(91)) == nil)
        #expect(health.failed("locked", samples: 1, now: t0.addingTimeInterval(100)) != nil, "a new outage is logged again")
        #expect(health.succeeded(now: t0.addingTimeInterval(101))?.lost == 1, "each outage counts its own samples")
    }
}
