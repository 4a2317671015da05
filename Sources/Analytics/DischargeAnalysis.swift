public import BatteryModel
public import Alarms
import Foundation

/// Reads one discharge's samples once, in time order, keeping only per-cell and per-bucket sums:
/// a 5-hour event of 120 cells at 1 s (2.2 M cell values) needs no more memory than a short one.
public struct DischargeAnalysis {
    let start: Int64
    let end: Int64
    let rating: BatteryRating
    let cellCount: Int
    private let endCell: Int32
    private let endString: Int32

    private var crossing: [Int64?]
    private var minVoltage: [Int32?]
    private var floatVoltage: [Int32?]
    private var stringEnd: Int64?
    private var last: Int64?
    private var lastCurrent: Int32?
    /// ∫ discharge current dt (A·ms) and ∫ dt (ms), whole event and up to the end voltage.
    private var chargeAms = 0.0, chargeTime = 0.0
    private var toEnd: (charge: Double, time: Double)?
    private var currentRange: (lo: Double, hi: Double)?
    private var startTemperature: Double?
    private var startSoC: Double?, endSoC: Double?
    private(set) var samples = 0

    private struct Bucket { var lo = Int32.max, hi = Int32.min, meanSum = 0.0, spread: Int32 = 0, n = 0, stringSum = 0.0, stringN = 0, currentSum = 0.0, currentN = 0 }
    private let bucketMs: Int64
    private var buckets: [Bucket]

    /// Samples no further apart than this are integrated; a gap in logging stands for no more.
    static let maxStep: Int64 = 10_000
    static let bucketCount = 240

    public init(start: Timestamp, end: Timestamp, cellCount: Int, rating: BatteryRating) {
        self.start = start.millis
        self.end = max(start.millis + 1, end.millis)
        self.rating = rating
        self.cellCount = cellCount
        endCell = Int32((rating.endCellVoltage * 1000).rounded())
        endString = Int32((rating.endCellVoltage * 1000 * Double(cellCount)).rounded())
        crossing = Array(repeating: nil, count: cellCount)
        minVoltage = Array(repeating: nil, count: cellCount)
        floatVoltage = Array(repeating: nil, count: cellCount)
        bucketMs = max(1000, (self.end - self.start + Int64(Self.bucketCount) - 1) / Int64(Self.bucketCount))
        buckets = Array(repeating: Bucket(), count: Int((self.end - self.start) / bucketMs) + 1)
    }

    /// The last sample before the discharge: each cell's float voltage.
    public mutating func setFloat(_ cells: CellColumns) {
        for i in 0..<min(cellCount, cells.count) where cells.voltage[i] != Measurement.missing { floatVoltage[i] = cells.voltage[i] }
    }

    /// One sample of the event, in time order (`time` ms).
    public mutating func add(time: Int64, values: StringValues, cells: CellColumns) {
        guard time >= start, time <= end else { return }
        samples += 1
        let current = values.current == Measurement.missing ? nil : values.current
        if let last, let previous = lastCurrent {
            let dt = Double(min(time - last, Self.maxStep))
            chargeAms += Double(-previous) / 1000 * dt
            chargeTime += dt
        }
        if samples == 1 {
            startSoC = Measurement.value(values.soc).map { Double($0) / 10 }
            let temps = cells.temperature.prefix(cellCount).filter { $0 != Measurement.missing }
            startTemperature = temps.isEmpty ? Measurement.value(values.temperature).map { Double($0) / 10 }
                : Double(temps.reduce(0) { $0 + Int($1) }) / Double(temps.count) / 10
        }
        if let soc = Measurement.value(values.soc) { endSoC = Double(soc) / 10 }
        if stringEnd == nil, let current, current < 0 {
            let amps = Double(-current) / 1000
            currentRange = (min(currentRange?.lo ?? amps, amps), max(currentRange?.hi ?? amps, amps))
        }
        last = time
        lastCurrent = current

        var lo = Int32.max, hi = Int32.min, sum = 0, n = 0
        for i in 0..<min(cellCount, cells.count) {
            let v = cells.voltage[i]
            guard v != Measurement.missing else { continue }
            lo = min(lo, v)
            hi = max(hi, v)
            sum += Int(v)
            n += 1
            if v < minVoltage[i] ?? .max { minVoltage[i] = v }
            if crossing[i] == nil, v <= endCell { crossing[i] = time }
        }
        let stringVoltage = values.voltage != Measurement.missing ? values.voltage : (n == cellCount ? Int32(clamping: sum) : nil)
        if stringEnd == nil, let stringVoltage, stringVoltage <= endString {
            stringEnd = time
            toEnd = (chargeAms, chargeTime)
        }
        let b = Int((time - start) / bucketMs)
        guard buckets.indices.contains(b) else { return }
        if n > 0 {
            buckets[b].lo = min(buckets[b].lo, lo)
            buckets[b].hi = max(buckets[b].hi, hi)
            buckets[b].meanSum += Double(sum) / Double(n)
            buckets[b].spread = max(buckets[b].spread, hi - lo)
            buckets[b].n += 1
        }
        if let stringVoltage { buckets[b].stringSum += Double(stringVoltage); buckets[b].stringN += 1 }
        if let current { buckets[b].currentSum += Double(current); buckets[b].currentN += 1 }
    }

    /// The report of `event` (`previous`: the same string's discharge before it, analysed alike).
    public func report(_ event: DischargeRecord, previous: (DischargeRecord, DischargeAnalysis)?) -> DischargeReport {
        let duration = Double(end - start) / 1000
        let meanCurrent = chargeTime > 0 ? chargeAms / chargeTime : nil
        let e = DischargeReport.Event(
            id: event.id, ups: event.upsId, string: event.stringId, startAt: event.startAt, endAt: event.endAt, durationSeconds: duration,
            ampHours: Double(event.chargeMilliAmpHours) / 1000, meanCurrent: meanCurrent, minCurrent: currentRange?.lo,
            maxCurrent: currentRange?.hi, startTemperature: startTemperature, startSoC: startSoC, endSoC: endSoC, samples: samples)
        let prev = previous.map { p, a in
            let cap = a.capacity(ampHours: Double(p.chargeMilliAmpHours) / 1000)
            return DischargeReport.Previous(
                id: p.id, startAt: p.startAt, durationSeconds: Double(a.end - a.start) / 1000, ampHours: Double(p.chargeMilliAmpHours) / 1000,
                meanCurrent: a.chargeTime > 0 ? a.chargeAms / a.chargeTime : nil, capacityPercent: cap.percent, capacityMethod: cap.method,
                minCellVoltage: a.minVoltage.compactMap { $0 }.min().map { Double($0) / 1000 }, weakestCell: a.rankedCells().first?.cell)
        }
        let atEnd = crossing.enumerated().compactMap { i, t in t.map { (i + 1, $0) } }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.map(\.0)
        return DischargeReport(event: e, rating: .init(rating), capacity: capacity(ampHours: e.ampHours), cellsAtEndVoltage: atEnd,
                               cells: rankedCells(), spread: spreadPoints(), previous: prev)
    }

    /// Capacity by the time-adjusted method when the string reached its end voltage, else the
    /// ampere-hour estimate over the controller's SoC change, else nothing (and why).
    func capacity(ampHours: Double) -> DischargeReport.Capacity {
        let endVoltage = rating.endCellVoltage * Double(cellCount)
        let endText = "\(DecimalText.format(endVoltage, digits: 2)) V (\(cellCount) × \(DecimalText.format(rating.endCellVoltage, digits: 3)) V)"
        if let stringEnd, let toEnd, toEnd.time > 0 {
            let amps = toEnd.charge / toEnd.time
            let ta = Double(stringEnd - start) / 3_600_000
            let ts = CapacityMethod.ratedTime(rating, amps: amps)
            let celsius = startTemperature ?? 25
            let kt = rating.temperatureFactor(celsius: celsius)
            let percent = CapacityMethod.timeAdjusted(actualHours: ta, ratedHours: ts, factor: kt)
            let constant = currentRange.map { $0.hi - $0.lo <= 2 * CapacityMethod.constantCurrentTolerance * amps } ?? false
            var basis = "IEEE 450 time-adjusted: t_a \(ElapsedText.clock(.seconds(ta * 3600))) to \(endText) at \(DecimalText.format(amps, digits: 1)) A; "
                + "t_s \(ElapsedText.clock(.seconds(ts * 3600))) rated at that current (\(DecimalText.format(rating.capacityAh, digits: 1)) Ah at "
                + "\(DecimalText.format(rating.ratedHours, digits: 1)) h, Peukert \(DecimalText.format(rating.peukertExponent, digits: 2))); "
                + "K_T \(DecimalText.format(kt, digits: 3)) at \(DecimalText.format(celsius, digits: 1)) °C"
            if startTemperature == nil { basis += " (no temperature measured: 25 °C assumed)" }
            if !constant { basis += ". The current was not constant within ±10 %: the result is indicative" }
            return .init(method: .timeAdjusted, percent: percent, timeToEndSeconds: ta * 3600, ratedSeconds: ts * 3600, temperatureFactor: kt,
                         endVoltage: endVoltage, basis: basis + ".", replace: percent < rating.capacityReplacePercent, constantCurrent: constant)
        }
        let notReached = "The string did not reach its end voltage \(endText): too short for IEEE 450's time-adjusted method."
        if let a = startSoC, let b = endSoC, a - b >= 10, ampHours > 0 {
            let full = ampHours / ((a - b) / 100)
            let percent = full / rating.capacityAh * 100
            let basis = notReached + " Estimate: \(DecimalText.format(ampHours, digits: 2)) Ah removed while the controller's state of charge fell "
                + "from \(DecimalText.format(a, digits: 1)) % to \(DecimalText.format(b, digits: 1)) %, that is \(DecimalText.format(full, digits: 1)) Ah "
                + "for a full discharge, against \(DecimalText.format(rating.capacityAh, digits: 1)) Ah rated (not corrected for rate or temperature)."
            return .init(method: .ampHourEstimate, percent: percent, endVoltage: endVoltage, basis: basis,
                         replace: percent < rating.capacityReplacePercent)
        }
        return .init(method: .none, endVoltage: endVoltage,
                     basis: notReached + " No estimate either: the state of charge fell less than 10 points (or is not measured).")
    }

    /// Every cell, weakest first: earliest to the end voltage, then lowest voltage under load.
    func rankedCells() -> [DischargeReport.Cell] {
        var cells: [DischargeReport.Cell] = []
        for i in 0..<cellCount {
            var drop: Double?
            if let f = floatVoltage[i], let m = minVoltage[i] { drop = Double(f - m) / 1000 }
            cells.append(DischargeReport.Cell(cell: i + 1, endVoltageAfterSeconds: crossing[i].map { Double($0 - start) / 1000 },
                                              minVoltage: minVoltage[i].map { Double($0) / 1000 },
                                              floatVoltage: floatVoltage[i].map { Double($0) / 1000 }, dropFromFloat: drop))
        }
        /// Rank 1 = weakest by `key` (ties by cell number); cells without the value are not ranked.
        func rank(_ key: (DischargeReport.Cell) -> Double?, weakestIsLowest: Bool) -> [Int: Int] {
            let keyed: [(cell: Int, value: Double)] = cells.compactMap { c in key(c).map { (c.cell, weakestIsLowest ? $0 : -$0) } }
            let sorted = keyed.sorted { a, b in a.value != b.value ? a.value < b.value : a.cell < b.cell }
            var ranks: [Int: Int] = [:]
            for (n, k) in sorted.enumerated() { ranks[k.cell] = n + 1 }
            return ranks
        }
        let first = rank({ $0.endVoltageAfterSeconds }, weakestIsLowest: true)
        let lowest = rank({ $0.minVoltage }, weakestIsLowest: true)
        let dropRank = rank({ $0.dropFromFloat }, weakestIsLowest: false)
        for i in cells.indices {
            cells[i].rankFirstToEnd = first[cells[i].cell]
            cells[i].rankLowestVoltage = lowest[cells[i].cell]
            cells[i].rankLargestDrop = dropRank[cells[i].cell]
        }
        return cells.sorted { a, b in
            let ta: Double = a.endVoltageAfterSeconds ?? .infinity, tb: Double = b.endVoltageAfterSeconds ?? .infinity
            if ta != tb { return ta < tb }
            let va: Double = a.minVoltage ?? .infinity, vb: Double = b.minVoltage ?? .infinity
            return va != vb ? va < vb : a.cell < b.cell
        }
    }

    func spreadPoints() -> [DischargeReport.SpreadPoint] {
        buckets.enumerated().compactMap { i, b in
            guard b.n > 0 else { return nil }
            return .init(secondsFromStart: Double(Int64(i) * bucketMs) / 1000, minCell: Double(b.lo) / 1000, meanCell: b.meanSum / Double(b.n) / 1000,
                         maxCell: Double(b.hi) / 1000, spread: Double(b.spread) / 1000,
                         stringVoltage: b.stringN > 0 ? b.stringSum / Double(b.stringN) / 1000 : nil,
                         current: b.currentN > 0 ? b.currentSum / Double(b.currentN) / 1000 : nil)
        }
    }
}
