public import BatteryModel
import Foundation
public import Storage

/// One cell's estimated replacement date (docs/analytics.md): when its resistance trend crosses
/// its baseline plus the allowed rise, or its SoH trend the replacement SoH, whichever comes first,
/// with an interval; or why there is no date. Never a number without its basis.
public struct CellLife: Sendable, Equatable, Encodable {
    public enum Status: String, Sendable, Encodable {
        /// A date with its interval.
        case estimate
        /// Past a threshold already: replace now.
        case due
        /// No trend towards a threshold within the horizon.
        case beyondHorizon
        /// Too little logged history for a trend.
        case notEnoughHistory
    }

    public enum Criterion: String, Sendable, Encodable { case resistance, stateOfHealth }

    public var cell: Int
    public var status: Status
    public var criterion: Criterion?
    public var date: Timestamp?
    public var earliest: Timestamp?
    public var latest: Timestamp?
    /// Resistance now over the baseline, %.
    public var resistanceRise: Double?
    /// SoH now, %.
    public var stateOfHealth: Double?
    /// Days of history the trend is fitted on.
    public var days: Int

    /// Days from `now` to the estimate (sorting: due first, then soonest, then the rest).
    public func sortKey(now: Timestamp) -> Double {
        switch status {
        case .due: -1
        case .estimate: date.map { Double(($0 - now).seconds) / 86400 } ?? .infinity
        case .beyondHorizon: 1e9
        case .notEnoughHistory: 2e9
        }
    }

    enum CodingKeys: String, CodingKey { case cell, status, criterion, date, earliest, latest, resistanceRise, stateOfHealth, days }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cell, forKey: .cell)
        try c.encode(status, forKey: .status)
        try c.encodeIfPresent(criterion, forKey: .criterion)
        try c.encodeIfPresent(date?.iso, forKey: .date)
        try c.encodeIfPresent(earliest?.iso, forKey: .earliest)
        try c.encodeIfPresent(latest?.iso, forKey: .latest)
        try c.encodeIfPresent(resistanceRise, forKey: .resistanceRise)
        try c.encodeIfPresent(stateOfHealth, forKey: .stateOfHealth)
        try c.encode(days, forKey: .days)
    }
}

/// Fits each cell's daily means over the last year of hourly rollups (one pass over the string's
/// rollups; the fit is kept as running sums, so memory does not grow with the history).
public enum RemainingLife {
    /// Estimates beyond this are "beyond horizon".
    public static let horizonDays = 3650.0
    /// A trend needs this many days with data, spread over at least `minimumSpanDays`.
    public static let minimumDays = 14
    public static let minimumSpanDays = 30.0
    /// Days from the first logged day whose mean is the baseline when no baseline was taken.
    static let baselineDays = 7.0

    public static func estimate(_ db: GatewayDatabase, stringKey: Int64, cellCount: Int, rating: BatteryRating,
                                baseline: [Int32]?, now: Timestamp, window: Duration = .seconds(365 * 86400)) throws -> [CellLife] {
        let from = (now - window).millis
        var resistance = [Trend](repeating: Trend(), count: cellCount), soh = [Trend](repeating: Trend(), count: cellCount)
        var day: Int64?
        var sums = [(r: Double, rn: Int, s: Double, sn: Int)](repeating: (0, 0, 0, 0), count: cellCount)
        func flush() {
            guard let day else { return }
            let t = (Double(day) + 0.5) - Double(from) / 86_400_000
            for i in 0..<cellCount {
                if sums[i].rn > 0 { resistance[i].add(t, sums[i].r / Double(sums[i].rn)) }
                if sums[i].sn > 0 { soh[i].add(t, sums[i].s / Double(sums[i].sn)) }
                sums[i] = (0, 0, 0, 0)
            }
        }
        try db.forEachCellRollup(stringKey: stringKey, [.resistance, .soh], from: from, to: now.millis) { hour, columns in
            let d = hour / 86_400_000
            if d != day { flush(); day = d }
            for i in 0..<min(cellCount, columns[0].count) where columns[0][i] != Measurement.missing {
                sums[i].r += Double(columns[0][i])
                sums[i].rn += 1
            }
            for i in 0..<min(cellCount, columns[1].count) where columns[1][i] != Measurement.missing {
                sums[i].s += Double(columns[1][i]) / 10
                sums[i].sn += 1
            }
        }
        flush()
        let nowDays = Double(now.millis - from) / 86_400_000
        return (0..<cellCount).map { i in
            let base = baseline.flatMap { $0.indices.contains(i) && $0[i] != Measurement.missing ? Double($0[i]) : nil } ?? resistance[i].baseline
            let r = base.map { resistance[i].crossing(rising: true, threshold: $0 * (1 + rating.resistanceRisePercent / 100), now: nowDays) }
            let s = soh[i].crossing(rising: false, threshold: rating.sohReplacePercent, now: nowDays)
            var life = combine(cell: i + 1, (r, .resistance), (s, .stateOfHealth), from: from)
            life.resistanceRise = base.flatMap { b in resistance[i].last.map { ($0 / b - 1) * 100 } }
            life.stateOfHealth = soh[i].last
            life.days = max(resistance[i].n, soh[i].n)
            return life
        }
    }

    /// The earlier of the two criteria's answers.
    static func combine(cell: Int, _ a: (Trend.Crossing?, CellLife.Criterion), _ b: (Trend.Crossing, CellLife.Criterion), from: Int64) -> CellLife {
        func stamp(_ days: Double) -> Timestamp { Timestamp(millis: from + Int64((days * 86_400_000).rounded())) }
        let answers = [a.0.map { ($0, a.1) }, (b.0, b.1)].compactMap { $0 }
        if let due = answers.first(where: { if case .due = $0.0 { return true }; return false }) {
            return CellLife(cell: cell, status: .due, criterion: due.1, days: 0)
        }
        let dated = answers.compactMap { answer -> (Double, Double, Double?, CellLife.Criterion)? in
            if case let .at(t, lo, hi) = answer.0 { return (t, lo, hi, answer.1) }
            return nil
        }.min { $0.0 < $1.0 }
        if let (t, lo, hi, criterion) = dated {
            return CellLife(cell: cell, status: .estimate, criterion: criterion, date: stamp(t), earliest: stamp(lo), latest: hi.map(stamp), days: 0)
        }
        let beyond = answers.contains { if case .beyond = $0.0 { return true }; return false }
        return CellLife(cell: cell, status: beyond ? .beyondHorizon : .notEnoughHistory, days: 0)
    }
}

/// Least squares of a daily series (t in days), kept as running sums.
struct Trend {
    var n = 0
    var st = 0.0, sy = 0.0, stt = 0.0, sty = 0.0, syy = 0.0
    var first: Double?
    var baseSum = 0.0, baseN = 0
    var last: Double?

    mutating func add(_ t: Double, _ y: Double) {
        n += 1
        st += t; sy += y; stt += t * t; sty += t * y; syy += y * y
        if first == nil { first = t }
        if let first, t - first < RemainingLife.baselineDays { baseSum += y; baseN += 1 }
        last = y
        lastT = t
    }

    var lastT: Double?
    /// The mean of the first week: the baseline when none was taken.
    var baseline: Double? { baseN > 0 ? baseSum / Double(baseN) : nil }

    enum Crossing: Equatable {
        case at(Double, Double, Double?)
        case due
        case beyond
        case tooShort
    }

    /// When the fitted line reaches `threshold` (days from the window's start), with a 95 %
    /// interval from the fit's scatter, widened to at least ±10 % of the time left and ±7 days
    /// (a straight line is a model of ageing, not a law); no upper end when the slope's own
    /// interval reaches zero.
    func crossing(rising: Bool, threshold: Double, now: Double) -> Crossing {
        guard let last else { return .tooShort }
        if rising ? last >= threshold : last <= threshold { return .due }
        guard n >= RemainingLife.minimumDays, let first, let lastT, lastT - first >= RemainingLife.minimumSpanDays else { return .tooShort }
        let N = Double(n)
        let tMean = st / N, yMean = sy / N
        let sxx = stt - N * tMean * tMean, sxy = sty - N * tMean * yMean, syyC = syy - N * yMean * yMean
        guard sxx > 0 else { return .tooShort }
        let b = sxy / sxx
        guard rising ? b > 0 : b < 0 else { return .beyond }
        let t = tMean + (threshold - yMean) / b
        guard t - now <= RemainingLife.horizonDays else { return .beyond }
        let residual = max(0, (syyC - b * sxy) / max(1, N - 2))
        let seSlope = sqrt(residual / sxx)
        let seT = sqrt(residual * (1 / N + (t - tMean) * (t - tMean) / sxx)) / abs(b)
        let half = max(2 * seT, 0.1 * max(0, t - now), 7)
        // The slope's own 95 % interval reaching zero: the later end is open.
        let open = abs(b) - 2 * seSlope <= 0
        return .at(max(now, t), max(now, t - half), open ? nil : t + half)
    }
}
