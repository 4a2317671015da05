/// The MQTT uplink to the cloud (docs/mqtt.md).
public struct MQTTSettings: Sendable, Equatable {
    public enum ProtocolVersion: String, Sendable, Equatable {
        case v311 = "3.1.1"
        case v5 = "5"
    }

    public var host: String
    public var port = 8883
    public var protocolVersion = ProtocolVersion.v5
    /// Defaults to the gateway id: the broker keeps this client's session under it.
    public var clientId: String
    public var username: String?
    /// A secret: never logged.
    public var password: String?
    /// TLS on (the default): the server certificate and its host name are checked against `caFile`.
    public var tls = true
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    /// Lowest TLS version accepted: "1.2" or "1.3".
    public var tlsVersion = "1.2"
    public var keepalive: Duration = .seconds(60)
    /// MQTT 5: how long the broker keeps the session while the gateway is away.
    public var sessionExpiry: Duration = .seconds(7 * 86400)
    /// Every topic starts with it; defaults to `btms/<gateway id>`.
    public var topicPrefix: String
    /// How often each string's measurements are published.
    public var publishInterval: Duration = .seconds(10)
    /// How often the gateway status message is published.
    public var statusInterval: Duration = .seconds(60)
    /// Outbox size limit (bytes of payload); beyond it the oldest measurements are dropped.
    public var outboxMaxBytes = 1024 * 1024 * 1024
    /// Messages handed to the broker and not yet acknowledged, at most.
    public var maxInflight = 100
    /// Home Assistant MQTT discovery (docs/mqtt.md): retained sensor configurations under
    /// `discoveryPrefix`, and the site and alarm-state topics they read.
    public var homeAssistant = false
    public var discoveryPrefix = "homeassistant"
    /// The payloads: our JSON topic tree, Sparkplug B, or both (two connections).
    public var format = Format.json
    /// Sparkplug B: the group and the edge node (default: the gateway id) of its topics.
    public var sparkplugGroup = "btms"
    public var sparkplugNode: String

    public enum Format: String, Sendable, Equatable, CaseIterable {
        case json, sparkplugB, both

        public var json: Bool { self != .sparkplugB }
        public var sparkplug: Bool { self != .json }
    }

    public init(host: String, gatewayId: String) {
        self.host = host
        clientId = "bmgw-\(gatewayId)"
        topicPrefix = "btms/\(gatewayId)"
        sparkplugNode = gatewayId
    }

    /// The Sparkplug connection's settings: beside a JSON connection it needs a client id of its own.
    public var forSparkplug: MQTTSettings {
        var s = self
        if format == .both { s.clientId += "-spb" }
        return s
    }
}
