public import GatewayConfig
public import RegisterMap

/// What a request PDU is, as far as permissions go.
public enum RequestKind: Sendable, Equatable {
    /// Function 1–4.
    case read
    /// Holding registers written with their values (functions 6, 16, 23).
    case writeRegisters(start: Int, values: [UInt16])
    /// Any other function (coils, mask write, diagnostics…): an Engineer's.
    case other(function: UInt8)

    /// Parses a request PDU; nil when it is malformed (exception 3).
    public init?(pdu: [UInt8]) {
        guard let function = pdu.first else { return nil }
        func word(_ i: Int) -> Int? { i + 1 < pdu.count ? Int(pdu[i]) << 8 | Int(pdu[i + 1]) : nil }
        func words(from i: Int, count: Int) -> [UInt16]? {
            guard count >= 1, i + 2 * count <= pdu.count else { return nil }
            return (0..<count).map { UInt16(pdu[i + 2 * $0]) << 8 | UInt16(pdu[i + 2 * $0 + 1]) }
        }
        switch function {
        case 1...4:
            guard pdu.count == 5 else { return nil }
            self = .read
        case 6:
            guard pdu.count == 5, let address = word(1), let value = word(3) else { return nil }
            self = .writeRegisters(start: address, values: [UInt16(value)])
        case 16:
            guard pdu.count >= 6, let start = word(1), let count = word(3), (1...123).contains(count), Int(pdu[5]) == 2 * count,
                  pdu.count == 6 + 2 * count, let values = words(from: 6, count: count) else { return nil }
            self = .writeRegisters(start: start, values: values)
        case 23:
            guard pdu.count >= 10, let start = word(5), let count = word(7), (1...121).contains(count), Int(pdu[9]) == 2 * count,
                  pdu.count == 10 + 2 * count, let values = words(from: 10, count: count) else { return nil }
            self = .writeRegisters(start: start, values: values)
        default:
            self = .other(function: function)
        }
    }

    public var isWrite: Bool {
        if case .read = self { false } else { true }
    }
}

/// Roles to permissions: the configured role table over the register map's writable settings.
public struct RolePolicy: Sendable {
    public let roles: [String: RemoteAccessSettings.Access]

    public init(roles: [String: RemoteAccessSettings.Access]) {
        self.roles = roles
    }

    /// Why a request is refused (answered with exception 1, illegal function), or nil when allowed.
    public func refusal(role: String?, request: RequestKind, map: RegisterMap) -> String? {
        guard let role else { return "the certificate carries no role" }
        guard let access = roles[role] else { return "role '\(role)' has no permissions here" }
        switch (access, request) {
        case (_, .read), (.any, _):
            return nil
        case (.read, _):
            return "role '\(role)' may only read"
        case (.settings, .other(let function)):
            return "role '\(role)' may not use function \(function)"
        case let (.settings, .writeRegisters(start, values)):
            for (i, value) in values.enumerated() {
                let address = start + i
                guard let setting = map.writable.first(where: { $0.address == address }) else {
                    return "register \(address) is not a documented setting (an Engineer's)"
                }
                guard setting.values.contains(Int(value)) else {
                    return "\(setting.name) accepts \(setting.values.lowerBound)…\(setting.values.upperBound), not \(value)"
                }
            }
            return nil
        }
    }
}
