@testable import SNMPAgent
import Testing

@Suite struct InformQueueTests {
    func inform(_ tag: UInt64) -> InformQueue.Inform { .init(tag: tag, trap: [1, 3, 6, 1, 4, 1, 32473, 0, 1], varbinds: []) }

    @Test func oneInFlightInOrderRetriedWithGrowingPauses() {
        var q = InformQueue()
        let t0 = ContinuousClock.now
        q.append(inform(1))
        q.append(inform(2))
        #expect(q.due(now: t0)?.tag == 1)
        #expect(q.due(now: t0) == nil, "one at a time")
        q.finished(tag: 1, acknowledged: false, now: t0)
        #expect(q.due(now: t0 + .milliseconds(900)) == nil, "1 s pause after the first failure")
        #expect(q.due(now: t0 + .seconds(1))?.tag == 1, "the same one again, not the next")
        q.finished(tag: 1, acknowledged: false, now: t0 + .seconds(1))
        #expect(q.due(now: t0 + .milliseconds(2900)) == nil, "then 2 s")
        #expect(q.due(now: t0 + .seconds(3))?.tag == 1)
        q.finished(tag: 1, acknowledged: true, now: t0 + .seconds(3))
        #expect(q.due(now: t0 + .seconds(3))?.tag == 2, "acknowledged: the next at once")
        q.finished(tag: 2, acknowledged: true, now: t0 + .seconds(3))
        #expect(q.pending.isEmpty && q.failures == 0)
    }

    @Test func pausesStopGrowingAtAMinute() {
        var q = InformQueue()
        var now = ContinuousClock.now
        q.append(inform(1))
        for _ in 0..<12 {
            while q.due(now: now) == nil { now += .seconds(1) }
            q.finished(tag: 1, acknowledged: false, now: now)
        }
        #expect(q.due(now: now + .seconds(59)) == nil)
        #expect(q.due(now: now + .seconds(60))?.tag == 1)
    }

    @Test func aFullQueueDropsTheOldestButNotTheOneOnTheWire() {
        var q = InformQueue(capacity: 3)
        let now = ContinuousClock.now
        q.append(inform(1))
        _ = q.due(now: now)
        for tag in 2...5 { q.append(inform(UInt64(tag))) }
        #expect(q.pending.map(\.tag) == [1, 4, 5] && q.dropped == 2)
        q.finished(tag: 1, acknowledged: true, now: now)
        #expect(q.due(now: now)?.tag == 4)
    }
}
