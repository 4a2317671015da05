import CNetSNMPShim
import Synchronization

/// One more subtree served from the agent's view (ENTITY-MIB, BATTERY-MIB): GETNEXT ends at the
/// subtree's end, so net-snmp moves on to what is registered after it. Lives as long as its agent
/// and is only asked on the agent thread.
final class ViewRoot: Sendable {
    let root: [UInt32]
    /// Whose view it reads and whose buffers hold a value until net-snmp has copied it.
    unowned let server: SNMPAgentServer

    init(root: [UInt32], server: SNMPAgentServer) {
        self.root = root
        self.server = server
    }

    static let get: cnetsnmpshim_get = { context, oid, length, out in
        guard let context, let oid, let out else { return 0 }
        let r = Unmanaged<ViewRoot>.fromOpaque(context).takeUnretainedValue()
        let key = Array(UnsafeBufferPointer(start: oid, count: length))
        guard key.starts(with: r.root), let value = r.server.view.withLock({ $0.get(key[...]) }) else { return 0 }
        r.server.fill(value, out)
        return 1
    }

    static let next: cnetsnmpshim_next = { context, oid, length, nextOid, nextLength, out in
        guard let context, let oid, let nextOid, let nextLength, let out else { return 0 }
        let r = Unmanaged<ViewRoot>.fromOpaque(context).takeUnretainedValue()
        let key = Array(UnsafeBufferPointer(start: oid, count: length))
        guard let (found, value) = r.server.view.withLock({ $0.next(after: key[...]) }), found.starts(with: r.root),
              found.count <= 128 else { return 0 }
        for (i, x) in found.enumerated() { nextOid[i] = x }
        nextLength.pointee = found.count
        r.server.fill(value, out)
        return 1
    }
}
