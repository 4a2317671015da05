import Synchronization

/// Delivery attempts since the start, by channel and result (`sent`, `failed` and retried later,
/// `gave-up`): what the metrics export counts. Shared by the notifier and whoever reads it.
public final class DeliveryCounts: Sendable {
    private let counts = Mutex<[String: [String: Int64]]>([:])

    public init() {}

    func add(channel: NotificationChannel, result: String) {
        counts.withLock { $0[channel.rawValue, default: [:]][result, default: 0] += 1 }
    }

    /// channel → result → attempts.
    public var current: [String: [String: Int64]] { counts.withLock { $0 } }
}
