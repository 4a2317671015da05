public import BatteryModel
public import Foundation
public import Logging
public import ServiceLifecycle
import ServiceSupport

/// Logs the live model into the history database: fast while a string
/// discharges, slow otherwise; rolls up finished hours and deletes expired data.
public struct HistoryRecorder: Service {
    public struct Settings: Sendable {
        public var slowInterval: Duration
        public var fastInterval: Duration
        /// mA; a string whose current is below this discharges (logged fast).
        public var dischargeCurrent: Int32
        public var retention: Duration
        /// How often rollups and retention run.
        public var maintenanceInterval: Duration = .seconds(60)

        public init(slowInterval: Duration, fastInterval: Duration, dischargeCurrent: Int32, retention: Duration) {
            self.slowInterval = slowInterval
            self.fastInterval = fastInterval
            self.dischargeCurrent = dischargeCurrent
            self.retention = retention
        }
    }

    private let store: DatabaseQueue<GatewayDatabase>
    private let model: LiveModel
    private let settings: Settings
    private let logger: Logger
    private let health: HistoryHealth
    private let revisits = RollupRevisits()

    public init(store: DatabaseQueue<GatewayDatabase>, model: LiveModel, settings: Settings, health: HistoryHealth = HistoryHealth(), logger: Logger) {
        self.store = store
        self.health = health
        self.model = model
        self.settings = settings
        self.logger = logger
    }

    /// The recording loop's one timer: a pending sample waits at most ``flushDelay``.
    enum Tick: Hashable, Sendable { case flush }

    /// Samples wait at most this long in memory before they are written.
    static let flushDelay = Duration.milliseconds(250)

    /// Logs samples until the model subscription ends (drained at shutdown); a sweep's samples go
    /// out in one transaction, none waits longer than ``flushDelay``. The subscription drops the
    /// oldest samples if SQLite stalls, and says how many.
    public func run() async throws {
        let topology = model.topology
        let keys = try await store.run { try $0.register(topology) }
        let subscription = model.subscribe(ticks: Tick.self)
        var policy = LoggingPolicy(settings: settings, strings: keys.count)
        var pending: [(key: Int64, sample: StringSample)] = []
        var oldest = ContinuousClock.now
        var dropped = 0
        await ServiceLoop.run(subscription, timers: [.init(.flush, every: Self.flushDelay)],
                              alongside: [{ await maintain(keys: keys) }]) { input in
            switch input {
            case let .event(.sample(sample)):
                guard policy.shouldLog(sample) else { return }
                revisits.wrote(string: keys[sample.stringIndex], millis: Timestamp(sample.time).millis)
                if pending.isEmpty { oldest = .now }
                pending.append((keys[sample.stringIndex], sample))
                if pending.count >= keys.count { await flush(&pending) }
            case .event(.link):
                return
            case .tick(.flush):
                if !pending.isEmpty && ContinuousClock.now - oldest >= Self.flushDelay { await flush(&pending) }
                if subscription.dropped > dropped {
                    logger.warning("history fell behind: samples dropped", metadata: ["samples": "\(subscription.dropped - dropped)"])
                    dropped = subscription.dropped
                }
            }
        }
        await flush(&pending)
        await reviseRollups(before: Timestamp.now.millis - 60_000)
    }

    /// Rollups of hours written into after a backward clock step, computed again (RollupRevisits).
    private func reviseRollups(before limit: Int64) async {
        var unsettled = Array(revisits.take().sorted())
        do {
            while let key = unsettled.first, !Task.isCancelled {
                let settled = try await store.run { try $0.rollUpAgain(key, before: limit) }
                unsettled.removeFirst()
                if !settled { revisits.putBack([key]) }
            }
        } catch {
            logger.error("history maintenance failed", metadata: ["error": "\(error)"])
        }
        revisits.putBack(unsettled)
    }

    private func flush(_ pending: inout [(key: Int64, sample: StringSample)]) async {
        guard !pending.isEmpty else { return }
        let rows = pending
        pending.removeAll(keepingCapacity: true)
        do {
            try await store.run { try $0.insert(rows) }
            if let outage = health.succeeded() {
                logger.notice("history written again", metadata: ["afterSeconds": "\(outage.seconds)", "samplesLost": "\(outage.lost)"])
            }
        } catch {
            // A full disk or a locked file must not stop acquisition; the samples are lost and said so
            // (in the status at once, in the log at the first failure and then once a minute).
            let state = health.state
            if let message = health.failed("\(error)", samples: rows.count) {
                logger.error("\(message)", metadata: ["error": "\(error)", "samplesLost": "\(state.samplesLost + rows.count)"])
            }
        }
    }

    private func maintain(keys: [Int64]) async {
        while !Task.isCancelled {
            await runMaintenance(keys: keys)
            try? await Task.sleep(for: settings.maintenanceInterval)
        }
    }

    /// Rolls up finished hours and deletes data past retention, in small steps.
    public func runMaintenance(keys: [Int64], now: Date = Date()) async {
        let nowMs = Timestamp(now).millis
        // An hour is rolled up a minute after it ends, when its last samples are surely written.
        let limit = nowMs - 60_000
        do {
            for key in keys {
                while !Task.isCancelled, try await store.run({ try $0.rollUpNext(stringKey: key, before: limit) }) {}
            }
            await reviseRollups(before: limit)
            let cutoff = nowMs - settings.retention.milliseconds
            var total = 0
            while !Task.isCancelled {
                let n = try await store.run { try $0.deleteExpired(before: cutoff) }
                if n == 0 { break }
                total += n
                try? await Task.sleep(for: .milliseconds(20))
            }
            if total > 0 { logger.info("deleted expired history", metadata: ["rows": "\(total)"]) }
        } catch {
            logger.error("history maintenance failed", metadata: ["error": "\(error)"])
        }
    }
}

/// Decides which samples are logged: every `fastInterval` while a string
/// discharges, every `slowInterval` otherwise, and at once when it starts or stops.
struct LoggingPolicy {
    let settings: HistoryRecorder.Settings
    private var lastLogged: [Date?]
    private var discharging: [Bool]

    init(settings: HistoryRecorder.Settings, strings: Int) {
        self.settings = settings
        lastLogged = Array(repeating: nil, count: strings)
        discharging = Array(repeating: false, count: strings)
    }

    mutating func shouldLog(_ sample: StringSample) -> Bool {
        let i = sample.stringIndex
        let current = sample.values.current
        let now = current != Measurement.missing && current < settings.dischargeCurrent
        let changed = now != discharging[i]
        discharging[i] = now
        let interval = (now ? settings.fastInterval : settings.slowInterval).seconds
        // Poll jitter must not push a sample to the next interval: allow 10 %, at most 500 ms.
        let tolerance = min(0.5, interval * 0.1)
        // A sample older than the last one logged: the wall clock was stepped back (NTP, an
        // operator). Logged at once, and the interval counts from it, or history would pause
        // until the clock caught up again (an hour for a one-hour step).
        let due = lastLogged[i].map {
            let elapsed = sample.time.timeIntervalSince($0)
            return elapsed >= interval - tolerance || elapsed < 0
        } ?? true
        guard due || changed else { return false }
        lastLogged[i] = sample.time
        return true
    }
}
