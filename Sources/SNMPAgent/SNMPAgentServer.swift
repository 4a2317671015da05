import CNetSNMPShim
import Foundation
public import GatewayConfig
public import Logging
import ServiceSupport
import Synchronization

/// net-snmp's agent (a master agent, or an AgentX subagent) on a thread of its own, answering from a
/// ``MIBView`` that other tasks swap in; it never waits on the model or SQLite.
///
/// `@unchecked Sendable`: what other threads touch (view, queued notifications, settings) is behind
/// Mutexes; `scratch`, `oidScratch`, `informs`, `informTag` and `lastLibraryMessage` are touched only by the agent thread, where net-snmp
/// calls every callback (it is not thread-safe, so nothing else calls it).
public final class SNMPAgentServer: @unchecked Sendable {
    let view = Mutex(MIBView([]))
    /// Notifications waiting for the agent thread: trap OID and varbinds.
    private let traps = Mutex<[([UInt32], [([UInt32], SNMPValue)])]>([])
    /// Settings in force, and new ones waiting for the agent thread.
    private let settings: Mutex<(current: SNMPSettings, pending: SNMPSettings?)>
    private let writes: LimitWrites?
    private let threads = WorkerThreads()
    private let directory: String
    private let logger: Logger
    private let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 1024)
    private let oidScratch = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
    /// MIB-II's system group, and when the agent started (its `sysUpTime`).
    private let system: Mutex<SystemGroup?> = Mutex(nil)
    private let started = ContinuousClock.now
    /// The standard groups the master agent serves, and the standard MIBs' roots (kept here: net-snmp
    /// holds unretained pointers to them).
    private let standardGroups: Mutex<[ScalarGroup]> = Mutex([])
    private let viewRoots: Mutex<[ViewRoot]> = Mutex([])
    private var informs: [String: InformDestination] = [:]
    private var informTag: UInt64 = 0
    private var lastLibraryMessage = ""
    private let informStats = Mutex<[String: (pending: Int, dropped: Int)]>([:])
    private let counters = Mutex(SNMPStatistics())
    static let app = "btms"

    /// One inform receiver: its net-snmp session and its queue.
    private struct InformDestination {
        var session: UnsafeMutableRawPointer?
        var user: SNMPUser
        var queue = InformQueue()
        var warned = false
    }

    /// - Parameters: directory: the agent's own configuration and persistent state (never /var/lib/snmp);
    ///   writes: SETs of alarm limits, when `settings.limitWrites` is on.
    public init(directory: String, settings: SNMPSettings, writes: LimitWrites? = nil, logger: Logger) {
        self.directory = directory
        self.settings = Mutex((settings, nil))
        self.writes = settings.limitWrites ? writes : nil
        self.logger = logger
    }

    deinit {
        scratch.deallocate()
        oidScratch.deallocate()
    }

    /// What the system group says (at start, and after the project settings change).
    public func setSystem(_ group: SystemGroup) {
        system.withLock { $0 = group }
    }

    public func update(_ v: MIBView) {
        view.withLock { $0 = v }
    }

    /// Queues a notification: a v2c trap to every trap destination, an inform to every inform receiver.
    public func notify(trap: [UInt32], varbinds: [([UInt32], SNMPValue)]) {
        traps.withLock { $0.append((trap, varbinds)) }
    }

    /// Informs not yet acknowledged, and dropped ones, per receiver.
    public var informState: [String: (pending: Int, dropped: Int)] {
        informStats.withLock { $0 }
    }

    /// Requests served and refused, notifications sent, since the agent started.
    public var statistics: SNMPStatistics {
        counters.withLock { $0 }
    }

    /// New communities, users and destinations, applied by the agent thread without a restart.
    /// The listen address, mode and `limitWrites` stay as started (returns false when they differ).
    @discardableResult
    public func reconfigure(_ new: SNMPSettings) throws -> Bool {
        var applied = new
        let current = settings.withLock { $0.current }
        let complete = !new.restartNeeded(comparedTo: current)
        (applied.mode, applied.listen, applied.agentxSocket, applied.limitWrites, applied.batteryMib, applied.batteryNotifications) =
            (current.mode, current.listen, current.agentxSocket, current.limitWrites, current.batteryMib, current.batteryNotifications)
        try writeConfiguration(applied)
        settings.withLock { $0.pending = applied }
        return complete
    }

    private var configDirectory: String { directory }
    private var stateDirectory: String { "\(directory)/state" }

    private func writeConfiguration(_ s: SNMPSettings) throws {
        // Our own config dir: no /etc/snmp files, and no MIB parsing by the agent.
        try "mibs :\n".write(toFile: "\(configDirectory)/snmp.conf", atomically: true, encoding: .utf8)
        let file = "\(configDirectory)/\(Self.app).conf"
        // Holds pass phrases: created private, then written.
        if !FileManager.default.fileExists(atPath: file) {
            _ = FileManager.default.createFile(atPath: file, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        defer { try? handle.close() }
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(AgentConfigFile.text(s).utf8))
        chmod(file, 0o600)
    }

    /// Starts the agent; throws when it cannot listen (or reach the AgentX master at first).
    public func start() async throws {
        let s = settings.withLock { $0.current }
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try writeConfiguration(s)
        let saved = "\(stateDirectory)/\(Self.app).conf"
        if let text = try? String(contentsOfFile: saved, encoding: .utf8) {
            try AgentConfigFile.withoutSavedUsers(text).write(toFile: saved, atomically: true, encoding: .utf8)
        }
        let started = DispatchSemaphore(value: 0)
        let result = Mutex<Int32>(0)
        let configDirectory = self.configDirectory, stateDirectory = self.stateDirectory
        let context = Unmanaged.passUnretained(self).toOpaque()
        nonisolated(unsafe) let ctx = context
        let server = self
        let writable = writes != nil
        threads.spawn(name: "snmp-agent") { [threads] in
            cnetsnmpshim_set_logger(ctx, Self.log)
            let rc = s.mode == .agentx ? cnetsnmpshim_start(Self.app, configDirectory, stateDirectory, nil, s.agentxSocket)
                                       : cnetsnmpshim_start(Self.app, configDirectory, stateDirectory, s.listen, nil)
            if rc == 0 {
                let root = MIBBuilder.root
                _ = root.withUnsafeBufferPointer {
                    cnetsnmpshim_register($0.baseAddress, $0.count, ctx, Self.get, Self.next, writable ? Self.set : nil)
                }
                if s.mode != .agentx { server.registerStandardGroups() }
                if s.batteryMib { server.registerViewRoots([EntityMIB.root, BatteryMIB.root]) }
                server.openInforms(s)
            }
            result.withLock { $0 = rc }
            started.signal()
            guard rc == 0 else { return }
            while !threads.isStopping {
                cnetsnmpshim_poll(100)
                server.applyPendingSettings()
                server.sendPendingNotifications()
                server.counters.withLock { $0.readLibraryCounters() }
            }
            server.closeInforms()
            cnetsnmpshim_stop(Self.app)
        }
        // Waited for off Swift's cooperative threads (net-snmp's start-up reads files and binds).
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { started.wait(); c.resume() }
        }
        let rc = result.withLock { $0 }
        let place = s.mode == .agentx ? "as AgentX subagent of \(s.agentxSocket)" : "on \(s.listen)"
        guard rc != -3 else {
            throw SNMPError(.noAccessControl, "the SNMP agent \(place) read no access control (community or user) from \(configDirectory)/\(Self.app).conf")
        }
        guard rc == 0 else { throw SNMPError(.startFailed, "cannot start the SNMP agent \(place) (code \(rc))") }
        logger.info("SNMP agent started", metadata: ["mode": "\(s.mode.rawValue)", "at": "\(place)",
                                                      "limitWrites": "\(writable)"])
    }

    public func stop() async {
        await threads.stop()
    }

    // MARK: Agent thread

    private func applyPendingSettings() {
        guard let new = settings.withLock({ s -> SNMPSettings? in
            defer { if let p = s.pending { s.current = p; s.pending = nil } }
            return s.pending
        }) else { return }
        cnetsnmpshim_reconfigure(Self.app)
        openInforms(new)
        logger.info("SNMP settings applied", metadata: ["trapDestinations": "\(new.trapDestinations.count)",
                                                        "informs": "\(new.informs.count)", "users": "\(new.users.count)"])
    }

    /// Sessions for the configured inform receivers; queues of receivers that stay are kept.
    private func openInforms(_ s: SNMPSettings) {
        var next: [String: InformDestination] = [:]
        for d in s.informs {
            guard let user = s.users.first(where: { $0.name == d.user }) else { continue }
            if var old = informs.removeValue(forKey: d.address) {
                if old.user != user {
                    cnetsnmpshim_inform_close(old.session)
                    old.session = cnetsnmpshim_inform_open("udp:\(d.address)", user.name, user.authPassphrase, user.privPassphrase)
                    old.user = user
                }
                next[d.address] = old
            } else {
                let session = cnetsnmpshim_inform_open("udp:\(d.address)", user.name, user.authPassphrase, user.privPassphrase)
                if session == nil { logger.error("SNMP inform receiver unusable", metadata: ["address": "\(d.address)"]) }
                next[d.address] = InformDestination(session: session, user: user)
            }
        }
        for (address, gone) in informs {
            cnetsnmpshim_inform_close(gone.session)
            if !gone.queue.pending.isEmpty {
                logger.warning("SNMP inform receiver removed with informs pending", metadata: ["address": "\(address)",
                                                                                               "pending": "\(gone.queue.pending.count)"])
            }
        }
        informs = next
        publishInformStats()
    }

    private func closeInforms() {
        for (address, d) in informs {
            cnetsnmpshim_inform_close(d.session)
            if !d.queue.pending.isEmpty {
                logger.warning("SNMP informs not acknowledged at shutdown", metadata: ["address": "\(address)",
                                                                                       "pending": "\(d.queue.pending.count)"])
            }
        }
        informs = [:]
    }

    private func publishInformStats() {
        let stats = informs.mapValues { (pending: $0.queue.pending.count, dropped: $0.queue.dropped) }
        informStats.withLock { $0 = stats }
    }

    private func sendPendingNotifications() {
        let pending = traps.withLock { q in defer { q.removeAll() }; return q }
        for (trap, varbinds) in pending {
            withCVarbinds(varbinds) { list in
                _ = trap.withUnsafeBufferPointer { t in cnetsnmpshim_send_trap(t.baseAddress, t.count, list.baseAddress, list.count) }
            }
            for address in informs.keys {
                informTag += 1
                let before = informs[address]?.queue.dropped ?? 0
                informs[address]?.queue.append(.init(tag: informTag, trap: trap, varbinds: varbinds))
                if let after = informs[address]?.queue.dropped, after > before {
                    logger.error("SNMP inform queue full: oldest dropped", metadata: ["address": "\(address)", "dropped": "\(after)"])
                }
            }
        }
        let now = ContinuousClock.now
        let context = Unmanaged.passUnretained(self).toOpaque()
        for address in informs.keys {
            guard let session = informs[address]?.session, let inform = informs[address]?.queue.due(now: now) else { continue }
            withCVarbinds(inform.varbinds) { list in
                inform.trap.withUnsafeBufferPointer { t in
                    cnetsnmpshim_send_inform(session, t.baseAddress, t.count, list.baseAddress, list.count, context, inform.tag, Self.informDone)
                }
            }
        }
        if !pending.isEmpty { publishInformStats() }
    }

    /// The receiver answered (or did not): next inform, or the same one again later.
    private func informFinished(tag: UInt64, acknowledged: Bool) {
        let now = ContinuousClock.now
        counters.withLock { acknowledged ? ($0.informsAcknowledged += 1) : ($0.informsUnacknowledged += 1) }
        for address in informs.keys where informs[address]?.queue.inFlight == tag {
            informs[address]?.queue.finished(tag: tag, acknowledged: acknowledged, now: now)
            guard let d = informs[address] else { continue }
            if !acknowledged && !d.warned {
                logger.warning("SNMP inform not acknowledged; retrying until it is", metadata: ["address": "\(address)"])
                informs[address]?.warned = true
            } else if acknowledged && d.warned {
                logger.info("SNMP inform receiver acknowledges again", metadata: ["address": "\(address)"])
                informs[address]?.warned = false
            }
        }
        publishInformStats()
    }

    /// The varbinds as C structs whose OIDs and octets live through `body`.
    private func withCVarbinds(_ varbinds: [([UInt32], SNMPValue)], _ body: (UnsafeBufferPointer<cnetsnmpshim_varbind>) -> Void) {
        let octets = varbinds.reduce(0) { n, vb in if case let .octets(b) = vb.1 { n + b.count } else { n } }
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, octets))
        defer { bytes.deallocate() }
        let oidCount = varbinds.reduce(0) { $0 + $1.0.count }
        let oids = UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, oidCount))
        defer { oids.deallocate() }
        var list: [cnetsnmpshim_varbind] = []
        var offset = 0, at = 0
        for (oid, v) in varbinds {
            var out = cnetsnmpshim_value()
            if case let .octets(b) = v {
                b.withUnsafeBufferPointer { src in if let s = src.baseAddress { (bytes + offset).update(from: s, count: b.count) } }
                out = cnetsnmpshim_value(kind: Int32(CNETSNMPSHIM_OCTETS), integer: 0, bytes: UnsafePointer(bytes + offset), length: b.count)
                offset += b.count
            } else {
                withUnsafeMutablePointer(to: &out) { fill(v, $0) }
            }
            oid.withUnsafeBufferPointer { src in if let s = src.baseAddress { (oids + at).update(from: s, count: oid.count) } }
            list.append(cnetsnmpshim_varbind(oid: UnsafePointer(oids + at), length: oid.count, value: out))
            at += oid.count
        }
        list.withUnsafeBufferPointer(body)
    }

    /// Agent thread only: the value's bytes stay in the server's scratch buffers until net-snmp copies them.
    func fill(_ value: SNMPValue, _ out: UnsafeMutablePointer<cnetsnmpshim_value>) {
        switch value {
        case let .integer(v): out.pointee = cnetsnmpshim_value(kind: Int32(CNETSNMPSHIM_INTEGER), integer: v, bytes: nil, length: 0)
        case let .gauge(v): out.pointee = cnetsnmpshim_value(kind: Int32(CNETSNMPSHIM_GAUGE), integer: Int64(v), bytes: nil, length: 0)
        case let .counter(v): out.pointee = cnetsnmpshim_value(kind: Int32(CNETSNMPSHIM_COUNTER), integer: Int64(v), bytes: nil, length: 0)
        case let .timeTicks(v): out.pointee = cnetsnmpshim_value(kind: Int32(CNETSNMPSHIM_TIMETICKS), integer: Int64(v), bytes: nil, length: 0)
        case let .octets(bytes):
            let n = min(bytes.count, 1024)
            bytes.withUnsafeBufferPointer { b in if let base = b.baseAddress { scratch.update(from: base, count: n) } }
            out.pointee = cnetsnmpshim_value(kind: Int32(CNETSNMPSHIM_OCTETS), integer: 0, bytes: UnsafePointer(scratch), length: n)
        case let .objectIdentifier(sub):
            // One OID per callback (GET and GETNEXT fill one value at a time).
            let n = min(sub.count, 128)
            sub.withUnsafeBufferPointer { b in if let base = b.baseAddress { oidScratch.update(from: base, count: n) } }
            let raw = UnsafeRawPointer(oidScratch).assumingMemoryBound(to: UInt8.self)
            out.pointee = cnetsnmpshim_value(kind: Int32(CNETSNMPSHIM_OID), integer: 0, bytes: raw, length: n)
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

    /// The system group and the snmpEngine group, each under its own root (agent thread).
    private func registerStandardGroups() {
        let groups = [
            ScalarGroup(root: SystemGroup.root, server: self) { [unowned self] in
                system.withLock { $0 }?.entries(uptime: ContinuousClock.now - started) ?? []
            },
            ScalarGroup(root: ScalarGroup.engineRoot, server: self, entries: ScalarGroup.engineEntries),
        ]
        standardGroups.withLock { $0 = groups }
        for group in groups {
            let context = Unmanaged.passUnretained(group).toOpaque()
            _ = group.root.withUnsafeBufferPointer {
                cnetsnmpshim_register($0.baseAddress, $0.count, context, Self.scalarGet, Self.scalarNext, nil)
            }
        }
    }

    /// Further subtrees of the view (agent thread). One another agent already serves (an AgentX
    /// master with its own ENTITY-MIB) is said and left to it.
    private func registerViewRoots(_ roots: [[UInt32]]) {
        let list = roots.map { ViewRoot(root: $0, server: self) }
        viewRoots.withLock { $0 = list }
        for r in list {
            let context = Unmanaged.passUnretained(r).toOpaque()
            let rc = r.root.withUnsafeBufferPointer { cnetsnmpshim_register($0.baseAddress, $0.count, context, ViewRoot.get, ViewRoot.next, nil) }
            if rc != 0 {
                logger.warning("SNMP subtree not registered: another agent serves it", metadata: ["oid": "\(r.root.map(String.init).joined(separator: "."))"])
            }
        }
    }

    private static let scalarGet: cnetsnmpshim_get = { context, oid, length, out in
        guard let context, let oid, let out else { return 0 }
        let group = Unmanaged<ScalarGroup>.fromOpaque(context).takeUnretainedValue()
        let key = UnsafeBufferPointer(start: oid, count: length)
        guard let (_, value) = group.entries().first(where: { $0.0.elementsEqual(key) }) else { return 0 }
        group.server.fill(value, out)
        return 1
    }

    private static let scalarNext: cnetsnmpshim_next = { context, oid, length, nextOid, nextLength, out in
        guard let context, let oid, let nextOid, let nextLength, let out else { return 0 }
        let group = Unmanaged<ScalarGroup>.fromOpaque(context).takeUnretainedValue()
        let key = UnsafeBufferPointer(start: oid, count: length)
        guard let (found, value) = group.entries().first(where: { key.lexicographicallyPrecedes($0.0) }) else { return 0 }
        for (i, x) in found.enumerated() { nextOid[i] = x }
        nextLength.pointee = found.count
        group.server.fill(value, out)
        return 1
    }

    private static let set: cnetsnmpshim_set = { context, phase, principal, oid, length, value in
        guard let context else { return Int32(LimitWrites.notWritable) }
        let server = Unmanaged<SNMPAgentServer>.fromOpaque(context).takeUnretainedValue()
        guard let writes = server.writes else { return LimitWrites.notWritable }
        let user = principal.map { String(cString: $0) } ?? "?"
        switch Int(phase) {
        case Int(CNETSNMPSHIM_SET_CHECK):
            guard let oid, let value else { return LimitWrites.notWritable }
            let key = Array(UnsafeBufferPointer(start: oid, count: length))
            let v: SNMPValue
            switch Int(value.pointee.kind) {
            case Int(CNETSNMPSHIM_INTEGER): v = .integer(value.pointee.integer)
            case Int(CNETSNMPSHIM_GAUGE): v = .gauge(UInt32(clamping: value.pointee.integer))
            default: return LimitWrites.wrongType
            }
            let rc = writes.check(key, v)
            if rc != 0, let problem = writes.takeProblem() {
                server.logger.notice("SNMP SET refused", metadata: ["user": "\(user)", "problem": "\(problem)"])
            }
            return rc
        case Int(CNETSNMPSHIM_SET_CONSISTENT):
            let rc = writes.consistent()
            if rc != 0, let problem = writes.takeProblem() {
                server.logger.notice("SNMP SET refused", metadata: ["user": "\(user)", "problem": "\(problem)"])
            }
            return rc
        case Int(CNETSNMPSHIM_SET_COMMIT):
            writes.commit(user: user)
            return 0
        default:
            writes.abort()
            return 0
        }
    }

    /// net-snmp's own messages into our log; a message repeated (a master that stays away) only once.
    private static let log: cnetsnmpshim_log = { context, priority, message in
        guard let context, let message else { return }
        let server = Unmanaged<SNMPAgentServer>.fromOpaque(context).takeUnretainedValue()
        let text = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return }
        let repeated = text == server.lastLibraryMessage
        server.lastLibraryMessage = text
        let level: Logger.Level = repeated ? .debug : priority <= 3 ? .error : priority == 4 ? .warning : priority == 5 ? .notice
                                                                                               : priority == 6 ? .info : .debug
        server.logger.log(level: level, "net-snmp: \(text)")
    }

    private static let informDone: cnetsnmpshim_inform_done = { context, tag, acknowledged in
        guard let context else { return }
        Unmanaged<SNMPAgentServer>.fromOpaque(context).takeUnretainedValue().informFinished(tag: tag, acknowledged: acknowledged != 0)
    }
}

