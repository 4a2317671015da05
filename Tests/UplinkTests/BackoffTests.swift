import Testing
@testable import Uplink

/// The pause before the next connection attempt.
struct BackoffTests {
    @Test func aBacklogKeepsAttemptsFrequent() {
        for failures in 1...30 {
            let withBacklog = MQTTUplink.backoff(failures: failures, backlog: true)
            #expect(withBacklog >= .milliseconds(min(2000, 1000 << (failures - 1))) && withBacklog <= .milliseconds(2400), "\(failures): \(withBacklog)")
        }
        // Without one, doubling up to a minute (plus up to 20 % jitter).
        #expect(MQTTUplink.backoff(failures: 1, backlog: false) <= .milliseconds(1200))
        let idle = MQTTUplink.backoff(failures: 12, backlog: false)
        #expect(idle >= .seconds(60) && idle <= .seconds(72))
    }
}
