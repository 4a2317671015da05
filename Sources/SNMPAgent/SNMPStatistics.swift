import CNetSNMPShim

/// What the agent has served and refused since it started (net-snmp's own counters, read on the
/// agent thread), and the notifications it sent.
public struct SNMPStatistics: Sendable, Equatable {
    public var packets: UInt64 = 0
    /// GET, GETNEXT and SET requests (net-snmp does not count GETBULK apart: it is in `packets`).
    public var requests: [String: UInt64] = [:]
    /// Messages refused, by reason.
    public var refused: [String: UInt64] = [:]
    public var trapsSent: UInt64 = 0
    public var informsAcknowledged: UInt64 = 0
    /// Inform attempts that timed out or could not be sent (each is tried again).
    public var informsUnacknowledged: UInt64 = 0

    public init() {}

    /// net-snmp's counters now (agent thread only: net-snmp is not thread-safe).
    mutating func readLibraryCounters() {
        var v = [UInt64](repeating: 0, count: 13)
        let n = v.withUnsafeMutableBufferPointer { cnetsnmpshim_statistics($0.baseAddress, $0.count) }
        guard n == 13 else { return }
        packets = v[0]
        requests = ["get": v[1], "getnext": v[2], "set": v[3]]
        refused = ["badVersion": v[4], "badCommunity": v[5] + v[6], "parseError": v[7], "unknownUser": v[8], "wrongDigest": v[9],
                   "decryptionError": v[10], "notInTimeWindow": v[11]]
        trapsSent = v[12]
    }
}
