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

    /// Collects entries in any order, then sorts them once.
    struct Builder {
        private var storage: [UInt32] = []
        private var offsets: [Int] = [0]
        private var values: [SNMPValue] = []

        init(capacity: Int = 0) {
            storage.reserveCapacity(capacity * 13)
            offsets.reserveCapacity(capacity + 1)
            values.reserveCapacity(capacity)
        }

        mutating func add(_ oid: ArraySlice<UInt32>, _ value: SNMPValue) {
            storage.append(contentsOf: oid)
            offsets.append(storage.count)
            values.append(value)
        }

        func build() -> MIBView {
            let order = values.indices.sorted {
                storage[offsets[$0]..<offsets[$0 + 1]].lexicographicallyPrecedes(storage[offsets[$1]..<offsets[$1 + 1]])
            }
            var b = Builder(capacity: values.count)
            for i in order { b.add(storage[offsets[i]..<offsets[i + 1]], values[i]) }
            return MIBView(storage: b.storage, offsets: b.offsets, values: b.values)
        }
    }
}
