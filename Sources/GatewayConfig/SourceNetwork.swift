#if canImport(Glibc)
import Glibc
#endif

/// An address or network SNMP communities are accepted from: `10.1.0.0/16`, `192.0.2.7`, `::1`,
/// `fd00::/8`, or `any`.
public struct SourceNetwork: Sendable, Equatable {
    public let address: String
    public let prefix: Int?
    public let isIPv6: Bool

    public init?(_ text: String) {
        if text == "any" {
            (address, prefix, isIPv6) = ("any", nil, false)
            return
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let first = parts.first else { return nil }
        let host = String(first)
        var buffer = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, host, &buffer) == 1 {
            isIPv6 = false
        } else if inet_pton(AF_INET6, host, &buffer) == 1 {
            isIPv6 = true
        } else {
            return nil
        }
        address = host
        if parts.count == 2 {
            guard let bits = Int(parts[1]), (0...(isIPv6 ? 128 : 32)).contains(bits) else { return nil }
            prefix = bits
        } else {
            prefix = nil
        }
    }

    /// net-snmp's SOURCE field of rocommunity / rocommunity6.
    public var netSnmpSource: String {
        if address == "any" { return "default" }
        return prefix.map { "\(address)/\($0)" } ?? address
    }
}
