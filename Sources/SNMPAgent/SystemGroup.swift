import BatteryModel
public import GatewayConfig

/// MIB-II's system group (RFC 3418), which NMS discovery reads first: what the device is
/// (`sysDescr`, `sysObjectID` in our MIB), how long the agent has run, and who and where it is
/// (from the project settings and the site). Served by the master agent only: an AgentX master
/// (snmpd) has its own.
public struct SystemGroup: Sendable, Equatable {
    public static let root: [UInt32] = [1, 3, 6, 1, 2, 1, 1]
    /// BTMS-GATEWAY-MIB::btmsGatewayAppliance: the product, for `sysObjectID`.
    public static let product: [UInt32] = MIBBuilder.root + [3, 1]

    public var description: String
    public var contact: String
    public var name: String
    public var location: String

    /// The product and plant as description, the project's owner (or company) as contact, the
    /// gateway id as name, the site as location.
    public init(config: GatewayConfig, version: String) {
        let t = config.topology, project = config.project
        description = "BTMS Gateway \(version): battery monitoring of UPS battery plants (\(t.strings.count) strings, \(t.cellCount) cells), Linux"
        contact = project.owner.isEmpty ? project.company : project.owner
        name = config.gatewayId
        location = t.siteName
    }

    /// The group's scalars in OID order; `sysUpTime` at `uptime`.
    func entries(uptime: Duration) -> [([UInt32], SNMPValue)] {
        let ticks = UInt32(clamping: uptime.components.seconds * 100 + uptime.components.attoseconds / 10_000_000_000_000_000)
        let values: [SNMPValue] = [
            .string(description), .objectIdentifier(Self.product), .timeTicks(ticks), .string(contact), .string(name), .string(location),
            // sysServices: applications (layer 7, 64) + end-to-end (layer 4, 8).
            .integer(72),
            // sysORLastChange: the sysORTable is empty and never changes.
            .timeTicks(0),
        ]
        return values.enumerated().map { (Self.root + [UInt32($0 + 1), 0], $1) }
    }
}
