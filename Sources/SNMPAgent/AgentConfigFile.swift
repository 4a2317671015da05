import Foundation
public import GatewayConfig

/// The net-snmp agent configuration (`btms.conf`) made from the gateway's SNMP settings.
public enum AgentConfigFile {
    /// Communities by source network, v3 users (SHA-256 / AES, authPriv required) and trap sinks.
    public static func text(_ s: SNMPSettings) -> String {
        // Not every request in the log.
        var lines = ["dontLogTCPWrappersConnects yes"]
        guard s.mode == .master else {
            // A subagent: the master's access control and trap sinks apply; it finds its master again
            // after snmpd restarts. (Informs are still sent by the gateway itself.)
            lines.append("agentxPingInterval 5")
            return lines.map { $0 + "\n" }.joined()
        }
        if s.v2c {
            for text in s.sources {
                guard let source = SourceNetwork(text) else { continue }
                if source.address == "any" {
                    lines.append("rocommunity \(s.community) default")
                    lines.append("rocommunity6 \(s.community) default")
                } else {
                    lines.append("\(source.isIPv6 ? "rocommunity6" : "rocommunity") \(s.community) \(source.netSnmpSource)")
                }
            }
        }
        for u in s.users {
            lines.append("createUser \(u.name) SHA-256 \(quoted(u.authPassphrase)) AES \(quoted(u.privPassphrase))")
            lines.append("\(u.write && s.limitWrites ? "rwuser" : "rouser") \(u.name) authpriv")
        }
        lines += s.trapDestinations.map { "trap2sink \($0) \(s.community)" }
        return lines.map { $0 + "\n" }.joined()
    }

    /// net-snmp's quoting: double quotes, with `\` and `"` escaped.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The persistent file without `usmUser` lines: users come from the gateway's configuration only,
    /// so one removed there must not come back from net-snmp's saved state.
    public static func withoutSavedUsers(_ persistent: String) -> String {
        persistent.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("usmUser ") }
            .joined(separator: "\n")
    }
}
