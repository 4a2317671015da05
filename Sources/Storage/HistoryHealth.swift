import BatteryModel
public import Foundation
import Synchronization

/// Whether the history is being written: a full disk or a failing file stops the writes, never the
/// polling; this says so to the status (`bmgw status`, the status socket) and paces the log.
public final class HistoryHealth: Sendable {
    public struct State: Codable, Sendable, Equatable {
        /// False while writes fail.
        public var writing: Bool
        /// When the writes began to fail (ISO 8601), nil while writing.
        public var failingSince: String?
        public var lastError: String?
        /// Samples not written since the gateway started.
        public var samplesLost: Int
    }

    private struct Inner {
        var failingSince: Date?
        var lastError: String?
        var lost = 0
        var lostInOutage = 0
        var lastLog: Date?
    }

    private let inner = Mutex(Inner())

    public init() {}

    public var state: State {
        inner.withLock {
            State(writing: $0.failingSince == nil, failingSince: $0.failingSince.map { Timestamp($0).iso }, lastError: $0.lastError, samplesLost: $0.lost)
        }
    }

    /// A write failed. What to log now, if anything: the first failure, then a reminder a minute.
    public func failed(_ error: String, samples: Int, now: Date = Date()) -> String? {
        inner.withLock { s in
            s.lost += samples
            s.lostInOutage += samples
            s.lastError = error
            if s.failingSince == nil {
                s.failingSince = now
                s.lastLog = now
                return "cannot write history (polling goes on; samples are lost until writes succeed)"
            }
            guard let last = s.lastLog, now.timeIntervalSince(last) >= 60 else { return nil }
            s.lastLog = now
            return "history still not written"
        }
    }

    /// A write succeeded: after an outage, how long it lasted and what it lost.
    public func succeeded(now: Date = Date()) -> (seconds: Int, lost: Int)? {
        inner.withLock { s in
            guard let since = s.failingSince else { return nil }
            defer {
                s.failingSince = nil
                s.lostInOutage = 0
            }
            return (Int(now.timeIntervalSince(since)), s.lostInOutage)
        }
    }
}
