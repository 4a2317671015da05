import Synchronization

/// What a subscriber's buffer does when its consumer falls behind.
public enum BufferPolicy: Sendable, Equatable {
    /// Keeps the newest `capacity` events; older ones are dropped and counted. For measurements,
    /// where the next sample supersedes the one lost.
    case dropOldest(Int)
    /// Never drops: a sender waits while `capacity` events are buffered (back-pressure). For alarm
    /// events, which must all arrive.
    case lossless(Int)

    var capacity: Int {
        switch self {
        case let .dropOldest(n), let .lossless(n): max(1, n)
        }
    }
}

/// Fan-out of events to any number of subscribers, each with a bounded buffer and its own policy.
/// The live model (measurements) and the alarm service (alarm and discharge events) publish through one.
public final class Broadcaster<Event: Sendable>: Sendable {
    private let subscribers = Mutex<[Int: any EventSink<Event>]>([:])
    private let next = Atomic<Int>(0)

    public init() {}

    /// A subscription to every event from now on. `Tick` names the timers and wake-ups the
    /// subscriber's loop also reacts to (``Subscription/wake(_:)``); `Never` when there are none.
    public func subscribe<Tick: Hashable & Sendable>(_ policy: BufferPolicy, ticks: Tick.Type = Never.self) -> Subscription<Event, Tick> {
        let id = next.add(1, ordering: .relaxed).newValue
        let s = Subscription<Event, Tick>(policy: policy) { [weak self] in _ = self?.subscribers.withLock { $0.removeValue(forKey: id) } }
        subscribers.withLock { $0[id] = s }
        return s
    }

    /// Publishes without waiting: a lossless subscriber that is full takes the event anyway
    /// (a synchronous sender cannot wait), so only publishers that never outrun a lossless
    /// consumer by much use this; the live model's subscribers all drop the oldest.
    public func yield(_ event: Event) {
        for s in subscribers.withLock({ Array($0.values) }) { s.offer(event) }
    }

    /// Publishes, waiting while a lossless subscriber's buffer is full.
    public func send(_ event: Event) async {
        for s in subscribers.withLock({ Array($0.values) }) { await s.push(event) }
    }

    /// Ends every subscription after what it has buffered (at shutdown).
    public func finish() {
        for s in subscribers.withLock({ s in defer { s.removeAll() }; return Array(s.values) }) { s.finish() }
    }

    public var subscriberCount: Int { subscribers.withLock { $0.count } }
}

protocol EventSink<Event>: Sendable {
    associatedtype Event: Sendable
    func offer(_ event: Event)
    func push(_ event: Event) async
    func finish()
}

/// One subscriber's bounded inbox: events in order, plus coalesced ticks (a timer or a wake-up
/// pending at most once each, so they never queue up). Ticks are delivered before events, so a
/// flood of events cannot starve a flush or a reload.
public final class Subscription<Event: Sendable, Tick: Hashable & Sendable>: Sendable, EventSink {
    public enum Input: Sendable {
        case event(Event)
        case tick(Tick)
    }

    private struct State {
        var buffer: [Event] = []
        var head = 0
        var ticks: [Tick] = []
        var finished = false
        var dropped = 0
        var consumer: CheckedContinuation<Void, Never>?
        var senders: [CheckedContinuation<Void, Never>] = []

        var count: Int { buffer.count - head }

        mutating func append(_ e: Event) {
            if head > 1024 && head * 2 > buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            buffer.append(e)
        }
    }

    private enum PushStep { case stored(CheckedContinuation<Void, Never>?), full }
    private enum NextStep { case input(Input, CheckedContinuation<Void, Never>?), end, wait }

    public let policy: BufferPolicy
    private let state = Mutex(State())
    private let onEnd: @Sendable () -> Void

    init(policy: BufferPolicy, onEnd: @escaping @Sendable () -> Void) {
        self.policy = policy
        self.onEnd = onEnd
    }

    /// Events dropped so far (``BufferPolicy/dropOldest(_:)`` only).
    public var dropped: Int { state.withLock { $0.dropped } }
    /// Events waiting for the consumer.
    public var buffered: Int { state.withLock { $0.count } }

    func offer(_ event: Event) {
        let capacity = policy.capacity
        let lossless = if case .lossless = policy { true } else { false }
        let consumer = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard !s.finished else { return nil }
            if !lossless && s.count >= capacity {
                s.head += 1
                s.dropped += 1
            }
            s.append(event)
            defer { s.consumer = nil }
            return s.consumer
        }
        consumer?.resume()
    }

    func push(_ event: Event) async {
        guard case .lossless = policy else { return offer(event) }
        let capacity = policy.capacity
        while true {
            let step = state.withLock { s -> PushStep in
                if s.finished { return .stored(nil) }
                guard s.count < capacity else { return .full }
                s.append(event)
                defer { s.consumer = nil }
                return .stored(s.consumer)
            }
            switch step {
            case let .stored(consumer):
                consumer?.resume()
                return
            case .full:
                if Task.isCancelled { return offer(event) }  // shutting down: kept beyond the bound rather than lost
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                        let now = state.withLock { s -> Bool in
                            if s.finished || s.count < capacity || Task.isCancelled { return true }
                            s.senders.append(c)
                            return false
                        }
                        if now { c.resume() }
                    }
                } onCancel: {
                    self.wakeSenders()
                }
            }
        }
    }

    /// Marks `tick` pending (once, however often it is woken before the consumer gets to it).
    public func wake(_ tick: Tick) {
        let consumer = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard !s.finished, !s.ticks.contains(tick) else { return nil }
            s.ticks.append(tick)
            defer { s.consumer = nil }
            return s.consumer
        }
        consumer?.resume()
    }

    /// The next tick or event; nil once finished and drained, or when the consuming task is cancelled.
    public func next() async -> Input? {
        while !Task.isCancelled {
            let step = state.withLock { s -> NextStep in
                if !s.ticks.isEmpty { return .input(.tick(s.ticks.removeFirst()), nil) }
                if s.count > 0 {
                    let e = s.buffer[s.head]
                    s.head += 1
                    return .input(.event(e), s.senders.isEmpty ? nil : s.senders.removeFirst())
                }
                return s.finished ? .end : .wait
            }
            switch step {
            case let .input(input, sender):
                sender?.resume()
                return input
            case .end:
                return nil
            case .wait:
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                        let ready = state.withLock { s -> Bool in
                            if s.finished || s.count > 0 || !s.ticks.isEmpty || Task.isCancelled { return true }
                            s.consumer = c
                            return false
                        }
                        if ready { c.resume() }
                    }
                } onCancel: {
                    let c = self.state.withLock { s in defer { s.consumer = nil }; return s.consumer }
                    c?.resume()
                }
            }
        }
        return nil
    }

    /// No more events: what is buffered is still delivered, then ``next()`` returns nil.
    public func finish() {
        let (consumer, senders) = state.withLock { s in
            s.finished = true
            defer { s.consumer = nil; s.senders = [] }
            return (s.consumer, s.senders)
        }
        onEnd()
        consumer?.resume()
        for c in senders { c.resume() }
    }

    private func wakeSenders() {
        let senders = state.withLock { s in defer { s.senders = [] }; return s.senders }
        for c in senders { c.resume() }
    }
}

extension Subscription: AsyncSequence {
    public struct AsyncIterator: AsyncIteratorProtocol {
        let subscription: Subscription
        /// Events only (ticks are for service loops, which call ``Subscription/next()``).
        public mutating func next() async -> Event? {
            while let input = await subscription.next() {
                if case let .event(e) = input { return e }
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(subscription: self) }
}
