import CNetSNMPShim

/// Scalars of a standard MIB served under one registered root, made at each request (they change
/// with time): MIB-II's system group and SNMP-FRAMEWORK-MIB's snmpEngine group. Only the master
/// agent registers them; an AgentX master (snmpd) has its own. Lives as long as its agent and is
/// only asked on the agent thread.
final class ScalarGroup: Sendable {
    let root: [UInt32]
    let entries: @Sendable () -> [([UInt32], SNMPValue)]
    /// Whose buffers hold a value until net-snmp has copied it.
    unowned let server: SNMPAgentServer

    init(root: [UInt32], server: SNMPAgentServer, entries: @escaping @Sendable () -> [([UInt32], SNMPValue)]) {
        self.root = root
        self.server = server
        self.entries = entries
    }

    /// SNMP-FRAMEWORK-MIB's snmpEngine group (RFC 3411): what an SNMPv3 manager checks first.
    static let engineRoot: [UInt32] = [1, 3, 6, 1, 6, 3, 10, 2, 1]

    /// The engine's id, boots, time and maximum message size, read from net-snmp (agent thread only).
    static func engineEntries() -> [([UInt32], SNMPValue)] {
        var id = [UInt8](repeating: 0, count: 64)
        var boots: Int64 = 0, time: Int64 = 0, maxSize: Int64 = 0
        let n = id.withUnsafeMutableBufferPointer { cnetsnmpshim_engine($0.baseAddress, $0.count, &boots, &time, &maxSize) }
        let values: [SNMPValue] = [.octets(Array(id.prefix(n))), .integer(boots), .integer(time), .integer(maxSize)]
        return values.enumerated().map { (engineRoot + [UInt32($0 + 1), 0], $1) }
    }
}
