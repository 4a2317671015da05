import BatteryModel
import Synchronization
import Testing

/// Bounded fan-out: measurements drop the oldest (counted), alarm events never drop (the sender waits).
struct BroadcasterTests {
    enum Tick: Hashable, Sendable { case a, b }

    @Test func aStalledMeasurementSubscriberKeepsTheNewestAndCountsTheRest() async {
        let b = Broadcaster<Int>()
        let stalled = b.subscribe(.dropOldest(100))
        for i in 0..<10_000 { b.yield(i) }
        #expect(stalled.buffered == 100 && stalled.dropped == 9_900, "memory stays bounded while nobody reads")
        b.finish()
        var got: [Int] = []
        for await i in stalled { got.append(i) }
        #expect(got == Array(9_900..<10_000))
    }

    @Test func aStalledEventSubscriberMakesTheSenderWaitAndLosesNothing() async throws {
        let b = Broadcaster<Int>()
        let slow = b.subscribe(.lossless(8))
        let sent = Atomic<Int>(0)
        let sender = Task {
            for i in 0..<100 {
                await b.send(i)
                sent.add(1, ordering: .relaxed)
            }
            b.finish()
        }
        // Nobody reads: the sender stops at the bound instead of growing the buffer.
        try await Task.sleep(for: .milliseconds(300))
        #expect(sent.load(ordering: .relaxed) == 8 && slow.buffered == 8)
        var got: [Int] = []
        for await i in slow { got.append(i) }
        await sender.value
        #expect(got == Array(0..<100) && slow.dropped == 0)
    }

    @Test func ticksCoalesceAndComeBeforeEvents() async {
        let b = Broadcaster<Int>()
        let s = b.subscribe(.lossless(10), ticks: Tick.self)
        b.yield(1)
        for _ in 0..<50 { s.wake(.a) }
        s.wake(.b)
        s.finish()
        var inputs: [String] = []
        while let input = await s.next() {
            switch input {
            case let .event(e): inputs.append("e\(e)")
            case let .tick(t): inputs.append("\(t)")
            }
        }
        #expect(inputs == ["a", "b", "e1"])
    }

    @Test func aFinishedSubscriberNoLongerHoldsUpTheSender() async {
        let b = Broadcaster<Int>()
        let gone = b.subscribe(.lossless(1))
        let live = b.subscribe(.lossless(1000))
        gone.finish()
        #expect(b.subscriberCount == 1)
        for i in 0..<100 { await b.send(i) }
        #expect(live.buffered == 100)
    }

    @Test func aWaitingConsumerIsWokenAndCancellable() async {
        let b = Broadcaster<Int>()
        let s = b.subscribe(.dropOldest(4))
        let reader = Task { await s.next() }
        try? await Task.sleep(for: .milliseconds(50))
        b.yield(7)
        if case let .event(e)? = await reader.value { #expect(e == 7) } else { Issue.record("no event") }
        let waiting = Task { await s.next() }
        try? await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        let last = await waiting.value
        #expect(last.map { _ in true } == nil)
    }
}
