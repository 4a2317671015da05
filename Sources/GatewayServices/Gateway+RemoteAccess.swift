import Acquisition
import Alarms
import BatteryModel
import Foundation
public import GatewayConfig
import Logging
public import RemoteAccess
import Storage
import Synchronization
import WebUI

extension Gateway {
    /// The remote-access CA's folder in the data folder.
    public static func remoteAccessDirectory(dataDirectory: String) -> String { RemoteAccessPKI.directory(dataDirectory: dataDirectory) }

    /// The remote-access authority (made at the first use), for issuing client certificates.
    public static func remoteAccessPKI(_ config: GatewayConfig) throws -> RemoteAccessPKI {
        try RemoteAccessPKI.load(config: config)
    }

    /// The listener with its hooks into this gateway: the links, the certificate table, the audit log,
    /// the live model and the event stream.
    func remoteAccessServer(_ settings: RemoteAccessSettings) throws -> RemoteAccessServer {
        let (acquisition, store, model, events, topology) = (self.acquisition, self.store, self.model, self.events, config.topology)
        let hooks = RemoteAccessServer.Hooks(
            forward: { await acquisition.forward(stringIndex: $0, pdu: $1) },
            isRevoked: { serial in
                // Fail closed: a certificate whose state cannot be read is treated as revoked.
                (try? await store.run { try IssuedCertificates(db: $0.db).isRevoked(serial: serial) }) ?? true
            },
            audit: { user, action, detail in
                let now = Timestamp.now.millis
                _ = try? await store.run { try UserStore(db: $0.db).audit(user: user, action: action, detail: detail, now: now) }
            },
            written: { index, entry in
                let at = Timestamp(millis: entry.at)
                model.markRemoteWrite(stringIndex: index, at: at.date, user: entry.client, detail: entry.detail)
                _ = try? await store.run { try RemoteWriteLog(db: $0.db).add(entry) }
                await events.send(.remoteWrite(RemoteWrite(stringId: topology.strings[index].id, at: at, user: entry.client, detail: entry.detail)))
            })
        let strings = zip(topology.strings, config.controllers).map { (id: $0.id, map: $1.registerMap) }
        return RemoteAccessServer(settings: settings, pki: try Self.remoteAccessPKI(config), strings: strings, hooks: hooks, logger: logger)
    }
}

/// A listener's port, known once it listens.
public final class ListeningPort: Sendable {
    private let port = Mutex<Int?>(nil)

    public init() {}

    func set(_ p: Int) { port.withLock { $0 = p } }
    public var value: Int? { port.withLock { $0 } }
}
