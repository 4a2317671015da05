import Storage
public import BatteryModel

/// One alarm as stored: raised (active, "from") → cleared (gone, "to").
public struct AlarmRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var stringId: String
    public var upsId: String
    /// 1-based cell number, nil for a string alarm.
    public var cell: Int?
    public var type: AlarmType
    public var raisedAt: Timestamp
    public var clearedAt: Timestamp?
    /// Value at raise, canonical units of the type (nil when not applicable).
    public var value: Int32?
    /// Limit in force at raise (string voltage: for the whole string).
    public var limit: Int32

    public init(id: Int64, stringId: String, upsId: String, cell: Int?, type: AlarmType, raisedAt: Timestamp,
                clearedAt: Timestamp?, value: Int32?, limit: Int32) {
        self.id = id
        self.stringId = stringId
        self.upsId = upsId
        self.cell = cell
        self.type = type
        self.raisedAt = raisedAt
        self.clearedAt = clearedAt
        self.value = value
        self.limit = limit
    }

    public var isActive: Bool { clearedAt == nil }
}

/// One discharge event of a string.
public struct DischargeRecord: Sendable, Equatable {
    public var id: Int64
    public var stringId: String
    public var upsId: String
    public var startAt: Timestamp
    public var endAt: Timestamp?
    /// Charge taken out, mAh.
    public var chargeMilliAmpHours: Int64
    /// Lowest string voltage, mV.
    public var minVoltage: Int32?
    /// Lowest cell voltage, mV, and which cell (1-based).
    public var minCellVoltage: Int32?
    public var minCell: Int?

    public init(id: Int64, stringId: String, upsId: String, startAt: Timestamp, endAt: Timestamp?, chargeMilliAmpHours: Int64,
                minVoltage: Int32?, minCellVoltage: Int32?, minCell: Int?) {
        self.id = id
        self.stringId = stringId
        self.upsId = upsId
        self.startAt = startAt
        self.endAt = endAt
        self.chargeMilliAmpHours = chargeMilliAmpHours
        self.minVoltage = minVoltage
        self.minCellVoltage = minCellVoltage
        self.minCell = minCell
    }

    /// How long it lasted (up to now for an open event).
    public func duration(now: Timestamp) -> Duration { (endAt ?? now) - startAt }
}

/// Which alarms or events a list shows: the whole site, one UPS, or one string.
public enum ListScope: Sendable, Equatable {
    case site
    case ups(String)
    case string(String)

    /// A WHERE clause over the `strings` table aliased `s` (plus `extra`), and the id to bind first.
    func filter(_ extra: String? = nil) -> (sql: String, text: String?) {
        var conditions: [String] = []
        var text: String?
        switch self {
        case .site: break
        case let .ups(id): conditions.append("s.ups = ?"); text = id
        case let .string(id): conditions.append("s.id = ?"); text = id
        }
        if let extra { conditions.append(extra) }
        return (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "), text)
    }
}
