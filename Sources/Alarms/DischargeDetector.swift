public import BatteryModel
import Foundation

/// What the detector decided about one string's discharge.
public enum DischargeTransition: Sendable, Equatable {
    case started(string: Int, DischargeProgress)
    /// Periodic state of an ongoing event (for crash-safe persistence).
    case progress(string: Int, DischargeProgress)
    case ended(string: Int, DischargeProgress)
}

/// The running figures of one discharge event.
public struct DischargeProgress: Sendable, Equatable {
    /// Database id (0 until stored).
    public var id: Int64 = 0
    public var start: Timestamp
    public var end: Timestamp?
    /// Charge taken out, mAh (double while integrating).
    public var chargeMilliAmpHours: Double = 0
    public var minVoltage: Int32?
    public var minCellVoltage: Int32?
    /// 0-based.
    public var minCell: Int?

    public init(start: Timestamp) {
        self.start = start
    }
}

/// Detects discharge events from string current: below the threshold for
/// `startDelay` starts one (dated at its first sample below), back above for
/// `endDelay` ends it (dated at its first sample above). Pure logic.
///
/// Delays, the charge integrated between samples and the progress saves run on steady time
/// (``SteadyTime``: wall-clock steps taken out), so a clock stepped by an hour neither starts a
/// discharge at once nor holds it back for an hour; the event's start and end stay wall times.
public struct DischargeDetector: Sendable {
    enum Phase: Sendable {
        case idle
        case starting(since: Timestamp)
        case active
        /// `since`: steady time for the delay; `at`: wall time for the event's end.
        case ending(since: Timestamp, at: Timestamp)
    }

    struct Track: Sendable {
        var phase = Phase.idle
        var event: DischargeProgress?
        /// Steady time of the last sample.
        var lastTime: Timestamp?
        var lastCurrent: Int32 = 0
        /// Steady time of the last progress save.
        var lastSaved = Timestamp(millis: 0)
        /// Last wall time a restored event was known to be discharging (its last save before a restart).
        var lastKnown: Timestamp?
    }

    let threshold: Int32
    let startDelay: Duration
    let endDelay: Duration
    /// A gap longer than this between samples is not integrated (the gateway was off);
    /// slow serial sweeps (tens of seconds) still count in full.
    let maxStep = Duration.seconds(120)
    let progressEvery = Duration.seconds(30)
    private var tracks: [Track]

    public init(strings: Int, threshold: Int32, startDelay: Duration, endDelay: Duration) {
        self.threshold = threshold
        self.startDelay = startDelay
        self.endDelay = endDelay
        tracks = Array(repeating: Track(), count: strings)
    }

    /// Continues an event that was open when the gateway stopped.
    public mutating func restore(string: Int, _ event: DischargeProgress, updatedAt: Timestamp) {
        tracks[string] = Track(phase: .active, event: event, lastTime: nil, lastCurrent: 0, lastSaved: event.start, lastKnown: updatedAt)
    }

    public func isDischarging(string: Int) -> Bool {
        if case .idle = tracks[string].phase { return false }
        if case .starting = tracks[string].phase { return false }
        return true
    }

    /// `steady`: the sample's time with wall-clock steps taken out; the wall time when nil.
    public mutating func update(_ sample: StringSample, steady: Timestamp? = nil) -> DischargeTransition? {
        let s = sample.stringIndex
        let i = sample.values.current
        guard i != Measurement.missing else { return nil }
        let wall = Timestamp(sample.time)
        let t = steady ?? wall
        var tr = tracks[s]
        defer { tracks[s] = tr }
        let below = i < threshold

        // Integrate the charge of the interval just ended at the current that flowed during it.
        if var e = tr.event, let last = tr.lastTime, t > last, t - last <= maxStep {
            if tr.lastCurrent < 0 { e.chargeMilliAmpHours += Double(-tr.lastCurrent) * Double((t - last).milliseconds) / 3_600_000 }
            tr.event = e
        }
        tr.lastTime = t
        tr.lastCurrent = i
        if let known = tr.lastKnown {
            tr.lastKnown = nil
            // The discharge ended while the gateway was down: close it when it was last seen.
            if !below && wall - known > maxStep { return end(&tr, s, at: known) }
        }
        if tr.event != nil { Self.track(&tr.event, sample) }

        switch tr.phase {
        case .idle:
            guard below else { return nil }
            tr.phase = .starting(since: t)
            tr.event = DischargeProgress(start: wall)
            Self.track(&tr.event, sample)
            if startDelay == .zero { return start(&tr, s, t) }
        case let .starting(since):
            if !below {
                tr.phase = .idle
                tr.event = nil
            } else if t - since >= startDelay {
                return start(&tr, s, t)
            }
        case .active:
            if !below {
                tr.phase = .ending(since: t, at: wall)
                if endDelay == .zero { return end(&tr, s, at: wall) }
            } else if t - tr.lastSaved >= progressEvery, let e = tr.event {
                tr.lastSaved = t
                return .progress(string: s, e)
            }
        case let .ending(since, at):
            if below {
                tr.phase = .active
            } else if t - since >= endDelay {
                return end(&tr, s, at: at)
            }
        }
        return nil
    }

    /// Events in progress (started, not yet ended), by string.
    public func openEvents() -> [(Int, DischargeProgress)] {
        tracks.enumerated().compactMap { s, tr in
            switch tr.phase {
            case .active, .ending: tr.event.map { (s, $0) }
            case .idle, .starting: nil
            }
        }
    }

    /// The id the database gave a started event.
    public mutating func setId(_ id: Int64, string: Int) {
        tracks[string].event?.id = id
    }

    private func start(_ tr: inout Track, _ s: Int, _ t: Timestamp) -> DischargeTransition? {
        tr.phase = .active
        tr.lastSaved = t
        return tr.event.map { .started(string: s, $0) }
    }

    private func end(_ tr: inout Track, _ s: Int, at t: Timestamp) -> DischargeTransition? {
        tr.phase = .idle
        defer { tr.event = nil }
        guard var e = tr.event else { return nil }
        e.end = t
        return .ended(string: s, e)
    }

    /// Lowest string voltage and lowest cell (with its index) seen during the event.
    private static func track(_ event: inout DischargeProgress?, _ sample: StringSample) {
        guard var e = event else { return }
        if let v = Measurement.value(sample.values.voltage), v < (e.minVoltage ?? .max) { e.minVoltage = v }
        if let stat = sample.summary.statistics[.voltage], stat.min < (e.minCellVoltage ?? .max) {
            e.minCellVoltage = stat.min
            e.minCell = stat.minCell
        }
        event = e
    }
}
