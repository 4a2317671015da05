import BatteryModel

/// Running min, max and time-weighted mean of one value.
struct StatsAccumulator {
    var min = Int32.max
    var max = Int32.min
    var weightedSum = 0.0
    var weight = 0.0
    var count = 0

    mutating func add(_ value: Int32, weight w: Double) {
        if value < min { min = value }
        if value > max { max = value }
        weightedSum += Double(value) * w
        weight += w
        count += 1
    }

    /// Adds an already aggregated (min, mean, max) over `w`.
    mutating func add(min lo: Int32, mean: Double, max hi: Int32, weight w: Double, count n: Int) {
        if lo < min { min = lo }
        if hi > max { max = hi }
        weightedSum += mean * w
        weight += w
        count += n
    }

    var isEmpty: Bool { count == 0 }
    var mean: Double { weight > 0 ? weightedSum / weight : Double(min) }
    var meanValue: Int32 { isEmpty ? Measurement.missing : Int32(mean.rounded()) }
    var minValue: Int32 { isEmpty ? Measurement.missing : min }
    var maxValue: Int32 { isEmpty ? Measurement.missing : max }
}

/// Feeds (time, value) pairs in time order as (value, weight) where the weight
/// is the time until the next sample, capped, so irregular logging (fast during
/// discharges, slow otherwise) does not bias means.
struct TimeWeighting {
    let cap: Int64
    let end: Int64
    private var pending: (Int64, Int32)?

    init(cap: Int64, end: Int64) {
        self.cap = cap
        self.end = end
    }

    mutating func push(_ t: Int64, _ v: Int32, _ emit: (Int64, Int32, Double) -> Void) {
        if let (pt, pv) = pending { emit(pt, pv, Double(Swift.max(1, Swift.min(cap, t - pt)))) }
        pending = (t, v)
    }

    mutating func finish(_ emit: (Int64, Int32, Double) -> Void) {
        if let (pt, pv) = pending { emit(pt, pv, Double(Swift.max(1, Swift.min(cap, end - pt)))) }
        pending = nil
    }
}
