public import BatteryModel
import Foundation

/// Where an alarm is: string index, type, and cell index (0-based) for cell alarms.
public struct AlarmKey: Hashable, Sendable {
    public var string: Int
    public var type: AlarmType
    public var cell: Int?

    public init(string: Int, type: AlarmType, cell: Int? = nil) {
        self.string = string
        self.type = type
        self.cell = cell
    }
}

/// A change the engine decided: raise (at the moment the on-delay elapsed) or
/// clear (at the first moment the condition was seen gone).
public enum AlarmTransition: Sendable, Equatable {
    case raise(AlarmKey, at: Timestamp, value: Int32?, limit: Int32)
    case clear(AlarmKey, at: Timestamp)
}

/// Evaluates every alarm type against samples and link states.
///
/// Pure logic (no I/O, no clock): times come from the samples, so tests and
/// the benchmark drive it directly. Value type, owned by one task.
public struct AlarmEngine: Sendable {
    static let stringTypes = AlarmType.allCases.filter { !$0.isCell }
    static let cellTypes = AlarmType.allCases.filter(\.isCell)

    private var limits: [[AlarmType: AlarmLimit]]
    private var baselines: [[Int32]?]
    /// Days to each cell's estimated replacement (0: due; n/a: no date), per string.
    private var replacementDays: [[Int32]?]
    /// [string][type index][cell] (string types have one tracker).
    private var trackers: [[[Tracker]]]
    private static let typeIndex = Dictionary(uniqueKeysWithValues: AlarmType.allCases.enumerated().map { ($1, $0) })
    private let cellCounts: [Int]
    /// How much short of a delay still counts as the delay. Samples on a fixed poll grid are stamped
    /// when their reads end, a few tens of ms early or late: an on-delay of exactly one poll interval
    /// would otherwise wait a further poll about every second time (measured: 19 of 50 raises,
    /// `scripts/bench.sh latency`). The gateway sets a tenth of its poll interval.
    public var sampleJitter: Duration = .zero

    public init(cellCounts: [Int], limits: [[AlarmType: AlarmLimit]]) {
        self.cellCounts = cellCounts
        self.limits = limits
        baselines = Array(repeating: nil, count: cellCounts.count)
        replacementDays = Array(repeating: nil, count: cellCounts.count)
        trackers = cellCounts.map { n in AlarmType.allCases.map { Array(repeating: Tracker(), count: $0.isCell ? n : 1) } }
    }

    public mutating func setLimits(_ l: [AlarmType: AlarmLimit], string: Int) {
        limits[string] = l
    }

    /// A new (or no) baseline: the ohmic-rise state starts over, so alarms judged
    /// against the old one clear with the next sample.
    /// `restoring`: the baseline the alarms were judged against before a restart (keeps them).
    public mutating func setBaseline(_ resistance: [Int32]?, string: Int, restoring: Bool = false) {
        baselines[string] = resistance
        if !restoring { pendingBaselineReset.insert(string) }
    }
    private var pendingBaselineReset: Set<Int> = []

    /// The remaining-life estimates, as days from now per cell (``Measurement/missing``: no date).
    public mutating func setReplacementDays(_ days: [Int32]?, string: Int) {
        replacementDays[string] = days
    }

    /// Marks an alarm active that the database says is active (after a restart): it will not be raised again.
    public mutating func restoreActive(_ key: AlarmKey) {
        let cell = key.cell ?? 0, ti = Self.index(key.type)
        guard key.string < trackers.count, cell < trackers[key.string][ti].count else { return }
        trackers[key.string][ti][cell].active = true
    }

    public func isActive(_ key: AlarmKey) -> Bool {
        let cell = key.cell ?? 0, ti = Self.index(key.type)
        guard key.string < trackers.count, cell < trackers[key.string][ti].count else { return false }
        return trackers[key.string][ti][cell].active
    }

    /// Number of active alarms.
    public var activeCount: Int {
        trackers.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count { $0.active } } }
    }

    // allCases lists every type, so the index exists.
    static func index(_ type: AlarmType) -> Int { typeIndex[type] ?? 0 }

    /// Evaluates one string's sample; a sample also means its controller answers (commLost clears).
    /// `steady`: the sample's time with wall-clock steps taken out (``SteadyTime``), which the
    /// delays are measured in; the transitions carry the wall time. Without it, the wall time.
    public mutating func evaluate(_ sample: StringSample, steady: Timestamp? = nil) -> [AlarmTransition] {
        let s = sample.stringIndex
        let t = Timestamp(sample.time)
        let st = steady ?? t
        var out: [AlarmTransition] = []
        let v = sample.values
        let n = Int32(clamping: cellCounts[s])
        for type in Self.stringTypes {
            guard let l = limits[s][type] else { continue }
            let reading: Reading
            switch type {
            case .stringChargeCurrentHigh: reading = .high(v.current, l.limit, l.hysteresis)
            case .stringDischargeCurrentHigh:
                reading = .high(v.current == Measurement.missing ? v.current : -v.current, l.limit, l.hysteresis)
            case .stringVoltageHigh: reading = .high(v.voltage, l.limit &* n, l.hysteresis &* n)
            case .stringVoltageLow: reading = .low(v.voltage, l.limit &* n, l.hysteresis &* n)
            case .stringSocLow: reading = .low(v.soc, l.limit, l.hysteresis)
            case .hallSensor: reading = v.status.contains(.hallSensorFault) ? .on(nil) : .off
            case .stringTemperatureHigh: reading = .high(v.temperature, l.limit, l.hysteresis)
            case .stringHumidityHigh: reading = .high(v.humidity, l.limit, l.hysteresis)
            case .commLost: reading = .off
            default: continue
            }
            let limit = type == .stringVoltageHigh || type == .stringVoltageLow ? l.limit &* n : l.limit
            Self.step(&trackers[s][Self.index(type)][0], AlarmKey(string: s, type: type), reading, l, limit: limit, at: t, steady: st, slack: sampleJitter, &out)
        }
        let c = sample.cells
        if pendingBaselineReset.remove(s) != nil {
            let ti = Self.index(.cellOhmicRise)
            for i in trackers[s][ti].indices where trackers[s][ti][i].active {
                out.append(.clear(AlarmKey(string: s, type: .cellOhmicRise, cell: i), at: t))
                trackers[s][ti][i] = Tracker()
            }
        }
        for type in Self.cellTypes {
            guard let l = limits[s][type] else { continue }
            let ti = Self.index(type)
            let count = min(c.count, cellCounts[s])
            for i in 0..<count {
                // A cell whose sensor does not answer reports nothing reliable.
                let reading: Reading
                if c.status[i].contains(.sensorNotAnswering) {
                    reading = .hold
                } else {
                    switch type {
                    case .cellVoltageHigh: reading = .high(c.voltage[i], l.limit, l.hysteresis)
                    case .cellVoltageLow: reading = .low(c.voltage[i], l.limit, l.hysteresis)
                    case .cellResistanceHigh: reading = .high(c.resistance[i], l.limit, l.hysteresis)
                    case .cellSocLow: reading = .low(c.soc[i], l.limit, l.hysteresis)
                    case .cellSohLow: reading = .low(c.soh[i], l.limit, l.hysteresis)
                    case .cellTemperatureHigh: reading = .high(c.temperature[i], l.limit, l.hysteresis)
                    case .cellOhmicRise: reading = .high(Self.rise(c.resistance[i], baselines[s], i), l.limit, l.hysteresis)
                    case .cellReplaceSoon:
                        let days = replacementDays[s].flatMap { i < $0.count ? $0[i] : nil } ?? Measurement.missing
                        reading = .low(days, l.limit, l.hysteresis)
                    case .cellThermalRunaway:
                        let ok = c.temperature[i] != Measurement.missing && v.temperature != Measurement.missing
                        let delta = Int32(clamping: Int64(c.temperature[i]) - Int64(v.temperature))
                        reading = .high(ok ? max(delta, Int32.min + 1) : Measurement.missing, l.limit, l.hysteresis)
                    default: reading = .hold
                    }
                }
                Self.step(&trackers[s][ti][i], AlarmKey(string: s, type: type, cell: i), reading, l, limit: l.limit, at: t, steady: st, slack: sampleJitter, &out)
            }
        }
        return out
    }

    /// Evaluates the communication alarm on a link change without a sample.
    public mutating func evaluateLink(string s: Int, quality: Quality, at t: Timestamp, steady: Timestamp? = nil) -> [AlarmTransition] {
        guard let l = limits[s][.commLost] else { return [] }
        var out: [AlarmTransition] = []
        let reading: Reading = quality == .commLost ? .on(nil) : quality == .ok ? .off : .hold
        Self.step(&trackers[s][Self.index(.commLost)][0], AlarmKey(string: s, type: .commLost), reading, l, limit: 0, at: t, steady: steady ?? t,
                  slack: sampleJitter, &out)
        return out
    }

    /// A condition seen for `held` has lasted `delay`: also when it falls short by at most `slack`,
    /// but only once seen in two samples (a single sample never stands for a delay).
    static func lasted(_ held: Duration, _ delay: Duration, slack: Duration) -> Bool {
        held >= delay || (held > .zero && held + slack >= delay)
    }

    /// Resistance rise over the cell's baseline in 0.1 %, or n/a.
    static func rise(_ r: Int32, _ baseline: [Int32]?, _ i: Int) -> Int32 {
        guard r != Measurement.missing, let b = baseline, i < b.count, b[i] > 0, b[i] != Measurement.missing else {
            return Measurement.missing
        }
        return Int32(clamping: (Int64(r) - Int64(b[i])) * 1000 / Int64(b[i]))
    }

    private static func step(_ tr: inout Tracker, _ key: AlarmKey, _ reading: Reading, _ l: AlarmLimit, limit: Int32,
                             at t: Timestamp, steady c: Timestamp, slack: Duration, _ out: inout [AlarmTransition]) {
        if !l.enabled {
            // Switched off: an active alarm goes away now.
            if tr.active { out.append(.clear(key, at: t)) }
            tr = Tracker()
            return
        }
        switch reading {
        case let .on(value):
            tr.offSince = nil
            guard !tr.active else { return }
            // min: a condition that began "after" this sample began before a backward step of the
            // clock (one SteadyTime did not take out); its delay starts again, rather than waiting
            // until the clock catches up.
            let since = min(tr.onSince ?? c, c)
            tr.onSince = since
            if Self.lasted(c - since, l.onDelay, slack: slack) {
                tr.active = true
                tr.onSince = nil
                out.append(.raise(key, at: t, value: value, limit: limit))
            }
        case .off:
            tr.onSince = nil
            guard tr.active else { return }
            if tr.offSince.map({ c < $0.steady }) ?? true { tr.offSince = (c, t) }
            guard let since = tr.offSince else { return }
            if Self.lasted(c - since.steady, l.offDelay, slack: slack) {
                tr.active = false
                tr.offSince = nil
                out.append(.clear(key, at: since.wall))  // the first sample of the off period
            }
        case .hold:
            // Inside the hysteresis band or not measured: neither condition holds on.
            if tr.active { tr.offSince = nil } else { tr.onSince = nil }
        }
    }
}

/// Alarm state of one place and type between samples.
struct Tracker: Sendable {
    var active = false
    /// Steady time (``SteadyTime``) since the condition holds.
    var onSince: Timestamp?
    /// Since the condition ended: steady time for the delay, wall time for the clear.
    var offSince: (steady: Timestamp, wall: Timestamp)?
}

/// A value judged against a limit with hysteresis.
enum Reading {
    case on(Int32?)
    case off
    case hold

    /// High alarm: on above `limit`, off below `limit − hysteresis`.
    static func high(_ v: Int32, _ limit: Int32, _ hysteresis: Int32) -> Reading {
        if v == Measurement.missing { return .hold }
        if v > limit { return .on(v) }
        return v < limit &- hysteresis ? .off : .hold
    }

    /// Low alarm: on below `limit`, off above `limit + hysteresis`.
    static func low(_ v: Int32, _ limit: Int32, _ hysteresis: Int32) -> Reading {
        if v == Measurement.missing { return .hold }
        if v < limit { return .on(v) }
        return v > limit &+ hysteresis ? .off : .hold
    }
}
