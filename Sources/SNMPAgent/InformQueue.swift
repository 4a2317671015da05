/// Informs waiting for one receiver, oldest first: one in flight at a time (so they arrive in order),
/// sent again with a growing pause until acknowledged. Bounded: beyond `capacity` the oldest is dropped.
/// Plain state, driven by the agent thread.
struct InformQueue {
    struct Inform {
        let tag: UInt64
        let trap: [UInt32]
        let varbinds: [([UInt32], SNMPValue)]
    }

    private(set) var pending: [Inform] = []
    private(set) var inFlight: UInt64?
    private(set) var failures = 0
    private(set) var dropped = 0
    private var nextAttempt = ContinuousClock.now
    let capacity: Int

    init(capacity: Int = 1000) {
        self.capacity = capacity
    }

    mutating func append(_ inform: Inform) {
        pending.append(inform)
        // Keep the one on the wire; drop the oldest behind it.
        while pending.count > capacity, let victim = pending.firstIndex(where: { $0.tag != inFlight }) {
            pending.remove(at: victim)
            dropped += 1
        }
    }

    /// The inform to send now, if any (marked in flight).
    mutating func due(now: ContinuousClock.Instant) -> Inform? {
        guard inFlight == nil, now >= nextAttempt, let first = pending.first else { return nil }
        inFlight = first.tag
        return first
    }

    /// The receiver's answer to the inform in flight. A failure pauses 1, 2, 4 … 60 s before the next try.
    mutating func finished(tag: UInt64, acknowledged: Bool, now: ContinuousClock.Instant) {
        guard tag == inFlight else { return }
        inFlight = nil
        if acknowledged {
            pending.removeAll { $0.tag == tag }
            failures = 0
            nextAttempt = now
        } else {
            failures += 1
            nextAttempt = now + .seconds(min(60, 1 << min(failures - 1, 6)))
        }
    }
}
