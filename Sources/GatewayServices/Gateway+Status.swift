import Alarms
import BatteryModel
import GatewayConfig
import SNMPAgent
import Uplink
import Foundation
import StatusServer
import Storage

extension Gateway {
    /// The status socket's answer: the live document, or (after `bmgw limits` changed the database)
    /// the limits read again and applied at once, then "ok".
    func statusReply(_ request: StatusSocket.Request) -> [UInt8] {
        switch request {
        case .limits:
            do {
                limits.replace(with: try store.sync { try LimitStore(db: $0.db).all() })
                return Array("ok\n".utf8)
            } catch {
                return Array("error: \(error)\n".utf8)
            }
        case .status:
            let document = StatusDocument(snapshot: model.snapshot(), gatewayId: config.gatewayId, version: Self.version,
                                          mqtt: uplink?.status,
                                          snmpInforms: snmpAgent.map { $0.informState }.flatMap { $0.isEmpty ? nil : $0 },
                                          history: historyHealth.state)
            return (try? JSONEncoder().encode(document)).map(Array.init) ?? []
        }
    }
}
