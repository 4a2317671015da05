import BatteryModel
import Foundation

/// RFC 6933 ENTITY-MIB's physical entities: the gateway (chassis), each UPS (a container in it) and
/// each string (a battery in its UPS), so BATTERY-MIB's rows have the entPhysicalIndex they are
/// indexed by. Indexes stay put when UPSes or strings are added at the end: 1 the gateway, 100 + n
/// the nth UPS, 1000 + n the nth string (btmsUpsIndex and btmsStringIndex of our own MIB).
enum EntityMIB {
    static let root: [UInt32] = [1, 3, 6, 1, 2, 1, 47]
    static let chassis: UInt32 = 1
    static func index(ups i: Int) -> UInt32 { 101 + UInt32(i) }
    static func index(string i: Int) -> UInt32 { 1001 + UInt32(i) }

    /// IANAPhysicalClass (IANA-ENTITY-MIB).
    enum PhysicalClass: Int64 { case chassis = 3, container = 5, battery = 14 }

    struct Row {
        var index: UInt32
        var description: String
        var vendorType: [UInt32]
        var containedIn: UInt32
        var physicalClass: PhysicalClass
        var position: Int64
        var name: String
        var softwareRevision = ""
        var manufacturer = ""
        var model = ""
        var replaceable: Bool
    }

    static func rows(_ t: Topology, gatewayId: String, version: String) -> [Row] {
        var rows = [Row(index: chassis, description: "BTMS Gateway \(version): battery monitoring of UPS battery plants",
                        vendorType: SystemGroup.product, containedIn: 0, physicalClass: .chassis, position: -1, name: gatewayId,
                        softwareRevision: version, manufacturer: "BTMS Gateway project", model: "BTMS Gateway", replaceable: false)]
        for (i, ups) in t.upses.enumerated() {
            rows.append(Row(index: index(ups: i), description: named("UPS", ups.name), vendorType: MIBBuilder.root + [3, 2],
                            containedIn: chassis, physicalClass: .container, position: Int64(i + 1), name: ups.id, replaceable: false))
        }
        var position: [Int: Int64] = [:]
        for (i, s) in t.strings.enumerated() {
            position[s.upsIndex, default: 0] += 1
            rows.append(Row(index: index(string: i), description: description(s), vendorType: MIBBuilder.root + [3, 3],
                            containedIn: index(ups: s.upsIndex), physicalClass: .battery, position: position[s.upsIndex] ?? 1,
                            name: s.id, replaceable: true))
        }
        return rows
    }

    /// "Battery string A1: 40 cells, VRLA AGM, 100 Ah" (what is known of it).
    static func description(_ s: Topology.BatteryString) -> String {
        var parts = ["\(s.cellCount) cells"]
        if let t = s.battery.technology { parts.append(t.rawValue) }
        if let c = s.battery.capacity { parts.append("\(DecimalText.format(Double(c) / 1000, digits: c % 1000 == 0 ? 0 : 1)) Ah") }
        return named("Battery string", s.name) + ": " + parts.joined(separator: ", ")
    }

    /// "UPS A" rather than "UPS UPS A": the kind only when the name does not say it.
    static func named(_ kind: String, _ name: String) -> String {
        let last = kind.split(separator: " ").last.map(String.init) ?? kind
        return name.localizedCaseInsensitiveContains(last) ? name : "\(kind) \(name)"
    }

    /// entPhysicalTable, entPhysicalContainsTable and entLastChangeTime.
    static func add(_ t: Topology, gatewayId: String, version: String, to e: inout MIBView.Builder) {
        let entry = root + [1, 1, 1, 1]
        let rows = rows(t, gatewayId: gatewayId, version: version)
        for r in rows {
            let cols: [(UInt32, SNMPValue)] = [
                (2, .string(r.description)), (3, .objectIdentifier(r.vendorType)), (4, .integer(Int64(r.containedIn))),
                (5, .integer(r.physicalClass.rawValue)), (6, .integer(r.position)), (7, .string(r.name)),
                (8, .string("")), (9, .string("")), (10, .string(r.softwareRevision)), (11, .string("")),
                (12, .string(r.manufacturer)), (13, .string(r.model)), (14, .string("")), (15, .string("")),
                // TruthValue; DateAndTime '0000000000000000'H: unknown; no URIs; UUIDorZero: none.
                (16, .integer(r.replaceable ? 1 : 2)), (17, .octets([UInt8](repeating: 0, count: 8))), (18, .octets([])), (19, .octets([])),
            ]
            for (c, v) in cols { e.add((entry + [c, r.index])[...], v) }
            if r.containedIn != 0 {
                e.add((root + [1, 3, 3, 1, 1, r.containedIn, r.index])[...], .integer(Int64(r.index)))
            }
        }
        // entLastChangeTime: the topology changes only with a restart (sysUpTime starts there).
        e.add((root + [1, 4, 1, 0])[...], .timeTicks(0))
    }
}
