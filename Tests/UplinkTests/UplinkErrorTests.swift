import GatewayConfig
import ServiceSupport
import Testing
@testable import Uplink

/// The uplink's errors carry a code a caller can act on, and the detail in words.
@Suite struct UplinkErrorTests {
    @Test func anUnreadableCAFileIsATLSFilesError() throws {
        var settings = MQTTSettings(host: "127.0.0.1", gatewayId: "gw")
        settings.tls = true
        settings.caFile = "/nonexistent/ca.pem"
        #expect {
            _ = try MosquittoClient(settings: settings, will: UplinkMessage(topic: "btms/gw/status", payload: Array("offline".utf8), retain: true))
        } throws: { error in
            guard let e = error as? UplinkError else { return false }
            return e.code == .tlsFiles && e.code != .refused && e.detail == "CA file /nonexistent/ca.pem is not readable"
        }
    }

    @Test func aBrokerThatIsNotThereIsRefused() throws {
        // Port 1 on loopback: nothing listens, the connect is refused at once.
        let client = try MosquittoClient(settings: MQTTSettings(host: "127.0.0.1", gatewayId: "gw").with(port: 1), will: UplinkMessage(topic: "btms/gw/status", payload: Array("offline".utf8), retain: true))
        #expect { try client.connect() } throws: { ($0 as? UplinkError)?.code == .refused }
    }
}

extension MQTTSettings {
    /// Plain MQTT on `port`.
    func with(port: Int) -> MQTTSettings {
        var s = self
        s.port = port
        s.tls = false
        return s
    }
}
