public import Foundation
import Synchronization

/// A change of the live model, delivered to subscribers.
public enum ModelEvent: Sendable {
    /// A new sample was applied (its link is OK).
    case sample(StringSample)
    /// A string's link state changed without a new sample (failure, recovery pending…).
    case link(stringIndex: Int, LinkState)
}

/// The one live data model: acquisition writes, everything else reads.
///
/// Writers and readers take a short lock; readers get value snapshots and
/// never block acquisition for longer than an array-reference copy.
public final class LiveModel: Sendable {
    public let topology: Topology
    /// mA; strings with a current below this count as discharging in aggregates.
    public let dischargeCurrent: Int32
    private let state: Mutex<[StringState]>
    private let broadcaster = Broadcaster<ModelEvent>()

    public init(topology: Topology, dischargeCurrent: Int32 = -2000) {
        self.topology = topology
        self.dischargeCurrent = dischargeCurrent
        state = Mutex(Array(repeating: StringState(), count: topology.strings.count))
    }

    public func snapshot() -> ModelSnapshot {
        ModelSnapshot(topology: topology, strings: state.withLock { $0 }, dischargeCurrent: dischargeCurrent)
    }

    public func string(_ index: Int) -> StringState {
        state.withLock { $0[index] }
    }

    /// Applies a successful sweep: the sample replaces the previous one and the link is OK.
    public func apply(_ sample: StringSample, sweepDuration: Duration? = nil, warning: String? = nil) {
        state.withLock { strings in
            var s = strings[sample.stringIndex]
            s.sample = sample
            s.link.quality = .ok
            s.link.lastSuccess = sample.time
            s.link.consecutiveFailures = 0
            s.link.lastSweepDuration = sweepDuration
            s.link.warning = warning
            strings[sample.stringIndex] = s
        }
        broadcast(.sample(sample))
    }

    /// Marks a string whose controller was written through remote access (kept until restart).
    public func markRemoteWrite(stringIndex: Int, at time: Date, user: String, detail: String) {
        // Not broadcast: outputs hear of it as a gateway event (MQTT), the pages read it here.
        state.withLock { $0[stringIndex].link.remoteWrite = RemoteWriteMark(at: time, user: user, detail: detail) }
    }

    /// Records a failed sweep. After `lostAfter` consecutive failures the
    /// string is declared lost; before that its values are stale.
    public func recordFailure(stringIndex: Int, error: String, at time: Date, lostAfter: Int) {
        let link = state.withLock { strings -> LinkState in
            var link = strings[stringIndex].link
            link.consecutiveFailures += 1
            link.lastError = error
            link.lastErrorTime = time
            link.quality = link.consecutiveFailures >= lostAfter ? .commLost : .stale
            strings[stringIndex].link = link
            return link
        }
        broadcast(.link(stringIndex: stringIndex, link))
    }

    /// Every change from now on, in a buffer of `buffer` events that drops the oldest (counted in
    /// ``Subscription/dropped``) if the consumer falls behind: a newer sample supersedes a lost one.
    /// `ticks`: what else the subscriber's loop wakes for (``Subscription/wake(_:)``).
    public func subscribe<Tick: Hashable & Sendable>(buffer: Int = 4096, ticks: Tick.Type = Never.self) -> Subscription<ModelEvent, Tick> {
        broadcaster.subscribe(.dropOldest(buffer), ticks: ticks)
    }

    /// Events only, as an async sequence.
    public func events(buffer: Int = 4096) -> Subscription<ModelEvent, Never> {
        subscribe(buffer: buffer)
    }

    /// Ends every subscription after what it has buffered (at shutdown).
    public func finishEvents() {
        broadcaster.finish()
    }

    private func broadcast(_ event: ModelEvent) {
        broadcaster.yield(event)
    }
}
