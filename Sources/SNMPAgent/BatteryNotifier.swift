public import Alarms
public import BatteryModel
public import GatewayConfig

/// BATTERY-MIB's notifications from our raised alarms, with the rules RFC 7577 gives them: low and
/// critical not while the string charges, a temperature notification for a string or cell not
/// again within 10 minutes (but at once after a restart), and batteryCellIdentifier set by each.
public struct BatteryNotifier: Sendable {
    public let discharge: DischargeSettings
    /// batteryCellIdentifier by string index, as the last notification left it.
    public private(set) var cellIdentifiers: [Int: String] = [:]
    private var temperatureSent: [String: ContinuousClock.Instant] = [:]
    static let temperatureInterval = Duration.seconds(600)

    public init(discharge: DischargeSettings) {
        self.discharge = discharge
    }

    /// The notification an alarm raised just now sends, if any.
    public mutating func notification(for r: AlarmRecord, snapshot: ModelSnapshot, now: ContinuousClock.Instant = .now)
        -> (trap: [UInt32], varbinds: [([UInt32], SNMPValue)])? {
        guard let i = snapshot.topology.stringIndex(id: r.stringId),
              let kind = BatteryMIB.kind(of: r, string: snapshot.topology.strings[i]) else { return nil }
        switch kind {
        case .low, .critical:
            if BatteryMIB.chargingState(BatteryMIB.sample(snapshot, i)?.values, discharge: discharge) == .charging { return nil }
        case .temperature:
            let key = "\(r.stringId)/\(r.cell ?? 0)"
            if let last = temperatureSent[key], now - last < Self.temperatureInterval { return nil }
            temperatureSent[key] = now
        case .aging:
            break
        }
        let cell = BatteryMIB.cellIdentifier(r)
        cellIdentifiers[i] = cell
        return BatteryMIB.notification(kind, string: i, cell: cell, snapshot: snapshot)
    }
}
