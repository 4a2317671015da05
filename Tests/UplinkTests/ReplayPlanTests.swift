import Storage
import Testing
import Uplink

@Suite struct ReplayPlanTests {
    /// An in-memory outbox: (seq, priority).
    final class Store {
        var rows: [(Int64, Int)] = []
        var fetches = 0
        func fetch(_ priority: Int, _ after: Int64, _ through: Int64, _ limit: Int) -> [Outbox.Message] {
            fetches += 1
            return rows.filter { $0.1 == priority && $0.0 > after && $0.0 <= through }.prefix(limit)
                .map { Outbox.Message(seq: $0.0, priority: $0.1, topic: "t", retain: false, payload: []) }
        }
    }

    @Test func eventsFirstThenBacklogInterleavedWithLiveData() {
        let store = Store()
        store.rows = (1...6).map { ($0, 1) } + [(7, 0)]  // backlog of 6 measurements, then an alarm
        var plan = ReplayPlan(boundary: 7)
        var sent: [Int64] = []
        var generation = 0
        func take(_ n: Int) { for _ in 0..<n { if let m = plan.next(generation: generation, fetch: store.fetch) { sent.append(m.seq) } } }
        take(2)
        #expect(sent == [7, 1], "the alarm before the oldest measurement")
        // Live data arrives: it alternates with the backlog, which stays oldest first.
        store.rows += [(8, 1), (9, 1), (10, 0)]
        generation += 1
        take(8)
        #expect(sent == [7, 1, 10, 2, 8, 3, 9, 4, 5, 6], "\(sent)")
        #expect(plan.next(generation: generation, fetch: store.fetch) == nil)
    }

    @Test func anIdleConnectionDoesNotQueryOnEveryTurn() {
        let store = Store()
        var plan = ReplayPlan(boundary: 0)
        for _ in 0..<100 { _ = plan.next(generation: 5, fetch: store.fetch) }
        #expect(store.fetches <= 3, "\(store.fetches) fetches for nothing new")
        store.rows = [(1, 1)]
        #expect(plan.next(generation: 6, fetch: store.fetch)?.seq == 1, "a new generation is looked at")
    }
}
