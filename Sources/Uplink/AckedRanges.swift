/// Sequence numbers the broker has acknowledged whose rows are still in the outbox, as sorted,
/// disjoint, non-adjacent ranges (acknowledgements arrive nearly in order, so a replay of a million
/// messages is one range or a few).
struct AckedRanges: Equatable {
    private(set) var ranges: [ClosedRange<Int64>] = []

    init(_ ranges: [ClosedRange<Int64>] = []) {
        for r in ranges { insert(r) }
    }

    var isEmpty: Bool { ranges.isEmpty }

    /// How many numbers the ranges hold (rows a full outbox dropped meanwhile are counted too).
    var span: Int { ranges.reduce(0) { $0 + Int($1.upperBound - $1.lowerBound + 1) } }

    mutating func insert(_ seqs: [Int64]) {
        for run in Outbox.runs(seqs) { insert(run) }
    }

    mutating func insert(_ r: ClosedRange<Int64>) {
        // Merge with every range that overlaps or touches it.
        var lo = r.lowerBound, hi = r.upperBound
        let first = firstIndex { $0.upperBound >= lo - 1 }
        var last = first
        while last < ranges.count, ranges[last].lowerBound <= hi + 1 {
            lo = min(lo, ranges[last].lowerBound)
            hi = max(hi, ranges[last].upperBound)
            last += 1
        }
        ranges.replaceSubrange(first..<last, with: [lo...hi])
    }

    /// Removes `r` (purged rows) from the ranges.
    mutating func subtract(_ r: ClosedRange<Int64>) {
        var out: [ClosedRange<Int64>] = []
        for x in ranges {
            guard x.overlaps(r) else { out.append(x); continue }
            if x.lowerBound < r.lowerBound { out.append(x.lowerBound...(r.lowerBound - 1)) }
            if x.upperBound > r.upperBound { out.append((r.upperBound + 1)...x.upperBound) }
        }
        ranges = out
    }

    /// The oldest acknowledged numbers, at most `limit` of them, as ranges.
    func oldest(_ limit: Int) -> [ClosedRange<Int64>] {
        var left = Int64(limit), out: [ClosedRange<Int64>] = []
        for r in ranges where left > 0 {
            let hi = min(r.upperBound, r.lowerBound + left - 1)
            out.append(r.lowerBound...hi)
            left -= hi - r.lowerBound + 1
        }
        return out
    }

    /// The stretches of numbers after `after`, up to `through`, that are not acknowledged, in order.
    func gaps(after: Int64, through: Int64) -> [ClosedRange<Int64>] {
        var out: [ClosedRange<Int64>] = []
        var lo = after + 1
        for r in ranges[firstIndex { $0.upperBound >= lo }...] {
            guard lo <= through else { break }
            if r.lowerBound > lo { out.append(lo...min(through, r.lowerBound - 1)) }
            lo = max(lo, r.upperBound + 1)
        }
        if lo <= through { out.append(lo...through) }
        return out
    }

    /// Index of the first range for which `predicate` holds (they are sorted, so it holds for all after it).
    private func firstIndex(where predicate: (ClosedRange<Int64>) -> Bool) -> Int {
        var (lo, hi) = (0, ranges.count)
        while lo < hi {
            let mid = (lo + hi) / 2
            if predicate(ranges[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
