import BatteryModel
import Foundation
public import GatewayConfig
public import Logging
public import ModbusCore
import NIOCore
import NIOPosix
import NIOSSL
public import RegisterMap
import SwiftASN1
import Synchronization
import X509

/// The Modbus/TCP Security listener: TLS 1.2+ with a client certificate from the gateway's remote-access
/// CA (revoked ones refused), the role from the certificate, requests routed by unit id to a string's
/// controller over the gateway's own link, every connection and write audited.
public struct RemoteAccessServer: Sendable {
    /// What the server needs from the gateway.
    public struct Hooks: Sendable {
        /// Forwards a request PDU to the controller of a string (by index) and returns its answer PDU.
        public var forward: @Sendable (Int, [UInt8]) async -> Result<[UInt8], ModbusError>
        /// Whether an issued certificate (serial, hex) is revoked.
        public var isRevoked: @Sendable (String) async -> Bool
        /// An audit log entry: user, action, detail.
        public var audit: @Sendable (String, String, String) async -> Void
        /// A controller was written remotely (string index), successfully.
        public var written: @Sendable (Int, RemoteWriteEntry) async -> Void

        public init(forward: @escaping @Sendable (Int, [UInt8]) async -> Result<[UInt8], ModbusError>,
                    isRevoked: @escaping @Sendable (String) async -> Bool,
                    audit: @escaping @Sendable (String, String, String) async -> Void,
                    written: @escaping @Sendable (Int, RemoteWriteEntry) async -> Void) {
            self.forward = forward
            self.isRevoked = isRevoked
            self.audit = audit
            self.written = written
        }
    }

    let settings: RemoteAccessSettings
    let pki: RemoteAccessPKI
    /// Per string (in topology order): its id and its controller's register map.
    let strings: [(id: String, map: RegisterMap)]
    let hooks: Hooks
    let logger: Logger
    let policy: RolePolicy
    private let sessions = SessionCount()

    public init(settings: RemoteAccessSettings, pki: RemoteAccessPKI, strings: [(id: String, map: RegisterMap)], hooks: Hooks, logger: Logger) {
        self.settings = settings
        self.pki = pki
        self.strings = strings
        self.hooks = hooks
        self.logger = logger
        policy = RolePolicy(roles: settings.roles)
    }

    /// The string a unit id addresses: the configured map, else the N-th string.
    func stringIndex(unit: UInt8) -> Int? {
        if settings.units.isEmpty {
            let i = Int(unit) - 1
            return strings.indices.contains(i) ? i : nil
        }
        guard let id = settings.units[Int(unit)] else { return nil }
        return strings.firstIndex { $0.id == id }
    }

    struct TooManySessions: Error {}

    /// One accepted connection, its pipeline set up.
    struct Accepted: Sendable {
        let channel: NIOAsyncChannel<MBAPFrame, MBAPFrame>
        let peer: PeerSlot
    }

    func tlsContext() throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(pki.serverCertificateFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: pki.serverKeyFile, format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .noHostnameVerification
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.authorityFile))
        tls.sendCANameList = true
        return try NIOSSLContext(configuration: tls)
    }

    /// Listens until cancelled (graceful shutdown); `bound` is told the port (useful with port 0).
    public func run(bound: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let ssl = try tlsContext()
        let idle = TimeAmount.nanoseconds(Int64(settings.idleTimeout.components.seconds) * 1_000_000_000)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: settings.host, port: settings.port) { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let address = channel.remoteAddress?.ipAddress ?? "unknown"
                    guard sessions.count.add(1, ordering: .relaxed).newValue <= settings.maxConnections else {
                        sessions.count.subtract(1, ordering: .relaxed)
                        logger.warning("remote access: connection refused, session limit reached",
                                       metadata: ["address": "\(address)", "limit": "\(settings.maxConnections)"])
                        throw TooManySessions()
                    }
                    channel.closeFuture.whenComplete { [sessions] _ in sessions.count.subtract(1, ordering: .relaxed) }
                    let peer = PeerSlot()
                    let verify: NIOSSLCustomVerificationCallback = { certificates, promise in
                        check(certificates, address: address, into: peer, promise: promise)
                    }
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(NIOSSLServerHandler(context: ssl, customVerificationCallback: verify, configuration: .init()))
                    try sync.addHandler(IdleStateHandler(readTimeout: idle))
                    try sync.addHandler(CloseWhenIdle())
                    try sync.addHandler(ByteToMessageHandler(MBAPDecoder()))
                    try sync.addHandler(MessageToByteHandler(MBAPEncoder()))
                    return Accepted(channel: try NIOAsyncChannel(wrappingChannelSynchronously: channel), peer: peer)
                }
            }
        let port = server.channel.localAddress?.port ?? settings.port
        logger.notice("remote access listening (Modbus/TCP Security)", metadata: ["address": "\(settings.host):\(port)"])
        bound(port)
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { inbound in
                for try await accepted in inbound {
                    group.addTask { await serve(accepted) }
                }
            }
        }
    }

    /// The client's certificate: issued by this gateway's CA, valid now, not revoked.
    private func check(_ certificates: [NIOSSLCertificate], address: String, into slot: PeerSlot,
                       promise: EventLoopPromise<NIOSSLVerificationResult>) {
        guard let der = try? certificates.first?.toDERBytes(), let leaf = try? Certificate(derEncoded: der) else {
            logger.warning("remote access refused: no usable client certificate", metadata: ["address": "\(address)"])
            promise.succeed(.failed)
            return
        }
        let intermediates = certificates.dropFirst().compactMap { c in (try? c.toDERBytes()).flatMap { try? Certificate(derEncoded: $0) } }
        let authority = pki.authority
        Task { [hooks, logger] in
            var verifier = Verifier(rootCertificates: CertificateStore([authority])) { RFC5280Policy() }
            let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
            let peer = Peer(name: leaf.subject.commonName ?? "\(leaf.subject)", role: RemoteAccessPKI.role(of: leaf),
                            serial: RemoteAccessPKI.hex(leaf.serialNumber), address: address)
            let refusal: String?
            if case .couldNotValidate = result {
                refusal = "certificate not issued by this gateway's remote-access CA, or not valid now"
            } else if await hooks.isRevoked(peer.serial) {
                refusal = "certificate revoked"
            } else {
                refusal = nil
            }
            let metadata: Logger.Metadata = ["subject": "\(peer.name)", "role": "\(peer.role ?? "none")", "serial": "\(peer.serial)",
                                             "address": "\(address)"]
            if let refusal {
                logger.warning("remote access refused: \(refusal)", metadata: metadata)
                await hooks.audit(peer.user, "remote access refused", "\(refusal); serial \(peer.serial), from \(address)")
                promise.succeed(.failed)
            } else {
                slot.set(peer)
                logger.notice("remote access session opened", metadata: metadata)
                await hooks.audit(peer.user, "remote access connected", "role \(peer.role ?? "none"), serial \(peer.serial), from \(address)")
                promise.succeed(.certificateVerified)
            }
        }
    }

    private func serve(_ accepted: Accepted) async {
        var counts = SessionCounts()
        var limit = RateLimit(perSecond: settings.requestsPerSecond)
        do {
            try await accepted.channel.executeThenClose { inbound, outbound in
                for try await frame in inbound {
                    guard let peer = accepted.peer.value else { return }
                    try await outbound.write(await answer(frame, peer: peer, counts: &counts, limit: &limit))
                }
            }
        } catch NIOSSLError.uncleanShutdown {
            // Many Modbus clients just close the socket (no TLS close_notify): an ordinary end.
        } catch {
            logger.info("remote access session ended", metadata: ["error": "\(error)"])
        }
        if let peer = accepted.peer.value {
            logger.notice("remote access session closed", metadata: ["subject": "\(peer.name)", "reads": "\(counts.reads)",
                                                                     "writes": "\(counts.writes)", "refused": "\(counts.refused)"])
            await hooks.audit(peer.user, "remote access disconnected",
                              "\(counts.reads) reads, \(counts.writes) writes, \(counts.refused) refused")
        }
    }

    /// One request's answer: refused (exception 1), routed and forwarded, or the gateway's exception.
    private func answer(_ frame: MBAPFrame, peer: Peer, counts: inout SessionCounts, limit: inout RateLimit) async -> MBAPFrame {
        guard limit.take() else {
            counts.refused += 1
            return frame.exception(6)  // server busy: slow down
        }
        guard let index = stringIndex(unit: frame.unit) else {
            counts.refused += 1
            return frame.exception(0x0A)  // gateway path unavailable
        }
        guard let kind = RequestKind(pdu: frame.pdu) else {
            counts.refused += 1
            return frame.exception(3)
        }
        let string = strings[index]
        let what = Self.describe(kind, unit: frame.unit, string: string.id)
        if let reason = policy.refusal(role: peer.role, request: kind, map: string.map) {
            counts.refused += 1
            logger.warning("remote request refused: \(reason)", metadata: ["subject": "\(peer.name)", "request": "\(what)"])
            if kind.isWrite { await hooks.audit(peer.user, "remote write refused", "\(what): \(reason)") }
            return frame.exception(1)
        }
        let result = await hooks.forward(index, frame.pdu)
        let reply: MBAPFrame
        let outcome: String
        switch result {
        case let .success(pdu):
            reply = frame.answer(pdu)
            outcome = pdu.first.map { $0 & 0x80 != 0 } == true ? "exception \(pdu.count > 1 ? pdu[1] : 0) from the controller" : "ok"
        case let .failure(error):
            switch error.kind {
            case let .exception(code): reply = frame.exception(code)
            case .connection: reply = frame.exception(0x0A)
            case .timeout, .badResponse: reply = frame.exception(0x0B)  // gateway target device failed to respond
            }
            outcome = "failed: \(error)"
        }
        if kind.isWrite {
            counts.writes += 1
            logger.notice("remote write", metadata: ["subject": "\(peer.name)", "request": "\(what)", "result": "\(outcome)"])
            await hooks.audit(peer.user, "remote write", "\(what): \(outcome)")
            if outcome == "ok" {
                await hooks.written(index, RemoteWriteEntry(at: Timestamp.now.millis, stringId: string.id, client: peer.user,
                                                            role: peer.role ?? "", detail: what))
            }
        } else {
            counts.reads += 1
        }
        return reply
    }

    static func describe(_ kind: RequestKind, unit: UInt8, string: String) -> String {
        switch kind {
        case .read: "unit \(unit) (\(string)) read"
        case let .writeRegisters(start, values):
            "unit \(unit) (\(string)) register \(start)\(values.count > 1 ? "…\(start + values.count - 1)" : "") = \(values.map(String.init).joined(separator: ", "))"
        case let .other(function): "unit \(unit) (\(string)) function \(function)"
        }
    }
}

extension DistinguishedName {
    var commonName: String? {
        for rdn in self {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return attribute.value.description
            }
        }
        return nil
    }
}

/// Sessions open now (shared by the accepting event loops).
final class SessionCount: Sendable {
    let count = Atomic<Int>(0)
}
