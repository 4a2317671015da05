import Foundation

/// One value the agent serves.
public enum SNMPValue: Sendable, Equatable {
    case integer(Int64)
    case gauge(UInt32)
    case counter(UInt32)
    case timeTicks(UInt32)
    case octets([UInt8])

    static func string(_ s: String) -> SNMPValue { .octets(Array(s.utf8)) }
}

/// An immutable, OID-sorted view of everything under the MIB root: GET is a
/// binary search, GETNEXT the following entry. Built off the agent thread,
/// swapped in whole, so the agent never waits on the model, SQLite or Modbus.
public struct MIBView: Sendable {
    public private(set) var oids: [[UInt32]] = []
    public private(set) var values: [SNMPValue] = []

    public init(_ entries: [([UInt32], SNMPValue)]) {
        let sorted = entries.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        oids = sorted.map(\.0)
        values = sorted.map(\.1)
    }

    public var count: Int { oids.count }

    /// Index of the first entry not before `oid`.
    func lowerBound(_ oid: ArraySlice<UInt32>) -> Int {
        var lo = 0, hi = oids.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if oids[mid].lexicographicallyPrecedes(oid) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    public func get(_ oid: ArraySlice<UInt32>) -> SNMPValue? {
        let i = lowerBound(oid)
        return i < oids.count && oids[i].elementsEqual(oid) ? values[i] : nil
    }

    /// The first entry strictly after `oid`.
    public func next(after oid: ArraySlice<UInt32>) -> ([UInt32], SNMPValue)? {
        var i = lowerBound(oid)
        if i < oids.count && oids[i].elementsEqual(oid) { i += 1 }
        return i < oids.count ? (oids[i], values[i]) : nil
    }
}
