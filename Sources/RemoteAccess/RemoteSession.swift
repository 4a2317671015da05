import Synchronization

/// Who is at the other end of a session: known once the certificate is verified.
struct Peer: Sendable {
    var name: String
    var role: String?
    var serial: String
    var address: String

    /// The name the audit log shows.
    var user: String { "remote:\(name)" }
}

/// Filled by the certificate check (on the event loop), read by the session's task.
final class PeerSlot: Sendable {
    private let peer = Mutex<Peer?>(nil)

    func set(_ p: Peer) { peer.withLock { $0 = p } }
    var value: Peer? { peer.withLock { $0 } }
}

/// Requests per second one session may make: a token bucket with a burst of as many.
struct RateLimit {
    let rate: Double
    private var tokens: Double
    private var last = ContinuousClock.now

    init(perSecond: Int) {
        rate = Double(perSecond)
        tokens = rate
    }

    mutating func take() -> Bool {
        let now = ContinuousClock.now
        let elapsed = now - last
        last = now
        tokens = min(rate, tokens + rate * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18))
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}

/// What one session did, for the audit entry at its end.
struct SessionCounts {
    var reads = 0
    var writes = 0
    var refused = 0
}
