/// How a notification travels. The raw value is what the delivery tables, the API and the log store.
public enum NotificationChannel: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case email, sms

    /// For people: "e-mail", "SMS".
    public var label: String {
        switch self {
        case .email: "e-mail"
        case .sms: "SMS"
        }
    }

    public var description: String { rawValue }
}
