import Foundation

/// One value the agent serves.
public enum SNMPValue: Sendable, Equatable {
    case integer(Int64)
    case gauge(UInt32)
    case counter(UInt32)
    case timeTicks(UInt32)
    case octets([UInt8])
    case objectIdentifier([UInt32])

    static func string(_ s: String) -> SNMPValue { .octets(Array(s.utf8)) }
}

/// An immutable, OID-sorted view of everything under the MIB root: GET is a
/// binary search, GETNEXT the following entry. Built off the agent thread,
/// swapped in whole, so the agent never waits on the model, SQLite or Modbus.
///
/// The OIDs of all entries sit in one flat array (tens of thousands of small
/// arrays would cost memory and allocator churn at every rebuild).
public struct MIBView: Sendable {
    private var storage: [UInt32] = []
    /// Entry i's OID is storage[offsets[i] ..< offsets[i + 1]].
    private var offsets: [Int] = [0]
    public private(set) var values: [SNMPValue] = []

    public init(_ entries: [([UInt32], SNMPValue)]) {
        var builder = Builder()
        for (oid, value) in entries { builder.add(oid[...], value) }
        self = builder.build()
    }

    init(storage: [UInt32], offsets: [Int], values: [SNMPValue]) {
        self.storage = storage
        self.offsets = offsets
        self.values = values
    }

    public var count: Int { values.count }

    func oid(_ i: Int) -> ArraySlice<UInt32> { storage[offsets[i]..<offsets[i + 1]] }

    /// Index of the first entry not before `oid`.
    func lowerBound(_ oid: ArraySlice<UInt32>) -> Int {
        var lo = 0, hi = values.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self.oid(mid).lexicographicallyPrecedes(oid) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    public func get(_ oid: ArraySlice<UInt32>) -> SNMPValue? {
        let i = lowerBound(oid)
        return i < values.count && self.oid(i).elementsEqual(oid) ? values[i] : nil
    }

    /// The first entry strictly after `oid`.
    public func next(after oid: ArraySlice<UInt32>) -> ([UInt32], SNMPValue)? {
        var i = lowerBound(oid)
        if i < values.count && self.oid(i).elementsEqual(oid) { i += 1 }
        return i < values.count ? (Array(self.oid(i)), values[i]) : nil
    }

    /// The sorted order of a build's keys, kept for the next build. The view is rebuilt every
    /// second and its keys rarely change (only values do): a rebuild that adds the same keys in
    /// the same order reuses this order and the key storage, sorts nothing and allocates only the
    /// values (docs/performance.md › Memory).
    public struct Layout: Sendable {
        fileprivate var storage: [UInt32] = []
        fileprivate var offsets: [Int] = [0]
        /// The i-th key added is entry position[i] of the sorted view.
        fileprivate var position: [Int] = []

        /// The last build took its keys from the build before (nothing sorted).
        fileprivate(set) var reused = false

        public init() {}

        fileprivate func key(_ i: Int) -> ArraySlice<UInt32> { storage[offsets[i]..<offsets[i + 1]] }
    }

    /// Collects entries in any order, then sorts them once; or, while they match the layout of
    /// the previous build key for key, puts each value straight into its sorted place.
    struct Builder {
        private var storage: [UInt32] = []
        private var offsets: [Int] = [0]
        private var values: [SNMPValue] = []
        /// Set while every key so far matched the previous build's.
        private var layout: Layout?
        private var matched = 0
        private var placed: [SNMPValue] = []

        init(capacity: Int = 0, reusing previous: Layout? = nil) {
            if let previous, !previous.position.isEmpty {
                layout = previous
                placed = Array(repeating: .integer(0), count: previous.position.count)
            } else {
                reserve(capacity)
            }
        }

        private mutating func reserve(_ capacity: Int) {
            storage.reserveCapacity(capacity * 13)
            offsets.reserveCapacity(capacity + 1)
            values.reserveCapacity(capacity)
        }

        mutating func add(_ oid: ArraySlice<UInt32>, _ value: SNMPValue) {
            if let l = layout {
                if matched < l.position.count, l.key(l.position[matched]).elementsEqual(oid) {
                    placed[l.position[matched]] = value
                    matched += 1
                    return
                }
                diverge(from: l)
            }
            append(oid, value)
        }

        private mutating func append(_ oid: ArraySlice<UInt32>, _ value: SNMPValue) {
            storage.append(contentsOf: oid)
            offsets.append(storage.count)
            values.append(value)
        }

        /// A key differs from the previous build's: the keys matched so far become ordinary entries.
        private mutating func diverge(from l: Layout) {
            reserve(l.position.count + 64)
            for i in 0..<matched {
                let p = l.position[i]
                append(l.key(p), placed[p])
            }
            layout = nil
            placed = []
        }

        func build() -> MIBView { finish().view }

        /// The view, and the layout to pass to the next build.
        func finish() -> (view: MIBView, layout: Layout) {
            if let l = layout {
                if matched == l.position.count {
                    var same = l
                    same.reused = true
                    return (MIBView(storage: l.storage, offsets: l.offsets, values: placed), same)
                }
                var b = self
                b.diverge(from: l)  // fewer keys than before
                return b.finish()
            }
            let order = values.indices.sorted {
                storage[offsets[$0]..<offsets[$0 + 1]].lexicographicallyPrecedes(storage[offsets[$1]..<offsets[$1 + 1]])
            }
            var sorted = Layout()
            sorted.storage.reserveCapacity(storage.count)
            sorted.offsets.reserveCapacity(offsets.count)
            sorted.position = Array(repeating: 0, count: values.count)
            var sortedValues: [SNMPValue] = []
            sortedValues.reserveCapacity(values.count)
            for (j, i) in order.enumerated() {
                sorted.storage.append(contentsOf: storage[offsets[i]..<offsets[i + 1]])
                sorted.offsets.append(sorted.storage.count)
                sortedValues.append(values[i])
                sorted.position[i] = j
            }
            return (MIBView(storage: sorted.storage, offsets: sorted.offsets, values: sortedValues), sorted)
        }
    }
}
