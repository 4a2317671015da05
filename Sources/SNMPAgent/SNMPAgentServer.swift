import CNetSNMPShim
import Foundation
public import Logging
import ModbusCore
import Synchronization

/// net-snmp's embedded master agent on a thread of its own, answering from a
/// ``MIBView`` that other tasks swap in; it never waits on the model or SQLite.
///
/// `@unchecked Sendable`: the view is behind a Mutex; `scratch` is touched only by
/// the agent thread (net-snmp calls the callbacks there and copies the bytes at once).
public final class SNMPAgentServer: @unchecked Sendable {
    private let view = Mutex(MIBView([]))
    /// Notifications waiting for the agent thread: trap OID and varbinds.
    private let traps = Mutex<[([UInt32], [([UInt32], SNMPValue)])]>([])
    private let trapDestinations: [String]
    private let v2c: Bool
    private let users: [(name: String, auth: String, priv: String)]
    private let threads = WorkerThreads()
    private let directory: String
    private let listen: String
    private let community: String
    private let logger: Logger
    private let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 1024)
    static let app = "btms"

    /// - Parameters: listen: net-snmp transport, e.g. `udp:127.0.0.1:1161`; directory: the agent's own
    ///   configuration and persistent state (never /var/lib/snmp).
    public init(directory: String, listen: String, community: String, trapDestinations: [String] = [], v2c: Bool = true,
                users: [(name: String, auth: String, priv: String)] = [], logger: Logger) {
        self.trapDestinations = trapDestinations
        self.v2c = v2c
        self.users = users
        self.directory = directory
        self.listen = listen
        self.community = community
        self.logger = logger
    }

    deinit {
        scratch.deallocate()
    }

    public func update(_ v: MIBView) {
        view.withLock { $0 = v }
    }

    /// Queues an SNMPv2 notification; the agent thread sends it to every trap destination.
    public func notify(trap: [UInt32], varbinds: [([UInt32], SNMPValue)]) {
        traps.withLock { $0.append((trap, varbinds)) }
    }

    /// Agent thread: sends what is queued (net-snmp is not thread-safe, so only this thread calls it).
    private func sendPendingTraps() {
        let pending = traps.withLock { q in defer { q.removeAll() }; return q }
        for (trap, varbinds) in pending {
            // Octet values need memory that lives through the call: one buffer for all of them.
            let total = varbinds.reduce(0) { n, vb in if case let .octets(b) = vb.1 { n + b.count } else { n } }
            let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, total))
            defer { bytes.deallocate() }
            var offset = 0
            let oidStore: [[UInt32]] = varbinds.map(\.0)
            var values: [cnetsnmpshim_value] = []
            for (_, v) in varbinds {
                var out = cnetsnmpshim_value()
                if case let .octets(b) = v {
                    b.withUnsafeBufferPointer { src in if let s = src.baseAddress { (bytes + offset).update(from: s, count: b.count) } }
                    out = cnetsnmpshim_value(kind: Int32(CNETSNMPSHIM_OCTETS), integer: 0, bytes: UnsafePointer(bytes + offset), length: b.count)
                    offset += b.count
                } else {
                    withUnsafeMutablePointer(to: &out) { fill(v, $0) }
                }
                values.append(out)
            }
            // The OIDs likewise, in one buffer that outlives the C call.
            let oidCount = oidStore.reduce(0) { $0 + $1.count }
            let oids = UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, oidCount))
            defer { oids.deallocate() }
            var list: [cnetsnmpshim_varbind] = []
            var at = 0
            for (i, o) in oidStore.enumerated() {
                o.withUnsafeBufferPointer { src in if let s = src.baseAddress { (oids + at).update(from: s, count: o.count) } }
                list.append(cnetsnmpshim_varbind(oid: UnsafePointer(oids + at), length: o.count, value: values[i]))
                at += o.count
            }
            _ = trap.withUnsafeBufferPointer { t in
                list.withUnsafeBufferPointer { cnetsnmpshim_send_trap(t.baseAddress, t.count, $0.baseAddress, $0.count) }
            }
        }
    }

    /// Starts the agent; throws when it cannot listen.
    public func start() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // Our own config dir: no /etc/snmp files, and no MIB parsing by the agent.
        try "mibs :\n".write(toFile: "\(directory)/snmp.conf", atomically: true, encoding: .utf8)
        let sinks = trapDestinations.map { "trap2sink \($0) \(community)\n" }.joined()
        let communities = v2c ? "rocommunity \(community) 127.0.0.1\nrocommunity6 \(community) ::1\n" : ""
        // v3 users: SHA-256 authentication, AES privacy, read-only, authPriv required.
        let usm = users.map { "createUser \($0.name) SHA-256 \"\($0.auth)\" AES \"\($0.priv)\"\nrouser \($0.name) authpriv\n" }.joined()
        let file = "\(directory)/\(Self.app).conf"
        try (communities + usm + sinks).write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)  // holds pass phrases
        let started = DispatchSemaphore(value: 0)
        let result = Mutex<Int32>(0)
        let directory = self.directory, listen = self.listen
        let context = Unmanaged.passUnretained(self).toOpaque()
        nonisolated(unsafe) let ctx = context
        let server = self
        threads.spawn(name: "snmp-agent") { [threads] in
            let rc = cnetsnmpshim_start(Self.app, directory, listen)
            if rc == 0 {
                let root = MIBBuilder.root
                _ = root.withUnsafeBufferPointer { cnetsnmpshim_register($0.baseAddress, $0.count, ctx, Self.get, Self.next) }
            }
            result.withLock { $0 = rc }
            started.signal()
            guard rc == 0 else { return }
            while !threads.isStopping {
                cnetsnmpshim_poll(100)
                server.sendPendingTraps()
            }
            cnetsnmpshim_stop(Self.app)
        }
        started.wait()
        let rc = result.withLock { $0 }
        guard rc == 0 else { throw SNMPError(description: "cannot start the SNMP agent on \(listen) (code \(rc))") }
        logger.info("SNMP agent listening", metadata: ["listen": "\(listen)"])
    }

    public func stop() async {
        await threads.stop()
    }

    private func fill(_ value: SNMPValue, _ out: UnsafeMutablePointer<cnetsnmpshim_value>) {
        switch value {
        case let .integer(v): out.pointee = cnetsnmpshim_value(kind: Int32(CNETSNMPSHIM_INTEGER), integer: v, bytes: nil, length: 0)
        case let .gauge(v): out.pointee = cnetsnmpshim_value(kind: Int32(CNETSNMPSHIM_GAUGE), integer: Int64(v), bytes: nil, length: 0)
        case let .counter(v): out.pointee = cnetsnmpshim_value(kind: Int32(CNETSNMPSHIM_COUNTER), integer: Int64(v), bytes: nil, length: 0)
        case let .timeTicks(v): out.pointee = cnetsnmpshim_value(kind: Int32(CNETSNMPSHIM_TIMETICKS), integer: Int64(v), bytes: nil, length: 0)
        case let .octets(bytes):
            let n = min(bytes.count, 1024)
            bytes.withUnsafeBufferPointer { b in if let base = b.baseAddress { scratch.update(from: base, count: n) } }
            out.pointee = cnetsnmpshim_value(kind: Int32(CNETSNMPSHIM_OCTETS), integer: 0, bytes: UnsafePointer(scratch), length: n)
        }
    }

    // C callbacks (agent thread): no captures; the server comes back through the context pointer.
    private static let get: cnetsnmpshim_get = { context, oid, length, out in
        guard let context, let oid, let out else { return 0 }
        let server = Unmanaged<SNMPAgentServer>.fromOpaque(context).takeUnretainedValue()
        let key = Array(UnsafeBufferPointer(start: oid, count: length))
        guard let value = server.view.withLock({ $0.get(key[...]) }) else { return 0 }
        server.fill(value, out)
        return 1
    }

    private static let next: cnetsnmpshim_next = { context, oid, length, nextOid, nextLength, out in
        guard let context, let oid, let nextOid, let nextLength, let out else { return 0 }
        let server = Unmanaged<SNMPAgentServer>.fromOpaque(context).takeUnretainedValue()
        let key = Array(UnsafeBufferPointer(start: oid, count: length))
        guard let (found, value) = server.view.withLock({ $0.next(after: key[...]) }), found.count <= 128 else { return 0 }
        for (i, x) in found.enumerated() { nextOid[i] = x }
        nextLength.pointee = found.count
        server.fill(value, out)
        return 1
    }
}

public struct SNMPError: Error, Sendable, CustomStringConvertible {
    public var description: String
}
