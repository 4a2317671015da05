import ConfigSupport

extension GatewayConfig {
    static func loadMQTT(_ node: ConfigNode, gatewayId: String, baseDirectory: String) -> MQTTSettings? {
        node.rejectUnknownKeys(allowed: ["enabled", "host", "port", "protocol", "clientId", "username", "password", "tls",
                                         "keepalive", "sessionExpiry", "topicPrefix", "publishInterval", "statusInterval", "outbox",
                                         "homeAssistant", "format", "sparkplug"])
        guard node.exists, node["enabled"].bool(default: true) else { return nil }
        guard let host = node["host"].string(required: true) else { return nil }
        var s = MQTTSettings(host: host, gatewayId: gatewayId)
        if host.isEmpty || host.contains(where: \.isWhitespace) { node["host"].problem("'\(host)' is not a host name or address") }
        s.protocolVersion = node["protocol"].choice(["3.1.1", "5"], default: "5").flatMap(MQTTSettings.ProtocolVersion.init) ?? .v5
        if let id = node["clientId"].string() {
            // MQTT 3.1.1 guarantees client ids of 1–23 characters; brokers accept longer ones in practice.
            if id.isEmpty || id.utf8.count > 65535 || id.contains(where: \.isWhitespace) { node["clientId"].problem("must be one word") }
            s.clientId = id
        }
        s.username = node["username"].string()
        s.password = node["password"].string()
        if s.password != nil && s.username == nil { node["password"].problem("is given without a username") }

        let tls = node["tls"]
        tls.rejectUnknownKeys(allowed: ["enabled", "caFile", "certFile", "keyFile", "version"])
        s.tls = tls.exists ? tls["enabled"].bool(default: true) : true
        s.port = node["port"].int(in: 1...65535, default: s.tls ? 8883 : 1883) ?? 8883
        if s.tls {
            s.caFile = tls["caFile"].string(required: true).map { resolve($0, against: baseDirectory) }
            s.certFile = tls["certFile"].string().map { resolve($0, against: baseDirectory) }
            s.keyFile = tls["keyFile"].string().map { resolve($0, against: baseDirectory) }
            if (s.certFile == nil) != (s.keyFile == nil) { tls[s.certFile == nil ? "certFile" : "keyFile"].problem("a client certificate needs both certFile and keyFile") }
            s.tlsVersion = tls["version"].choice(["1.2", "1.3"], default: "1.2") ?? "1.2"
        }
        s.keepalive = node["keepalive"].duration(in: .seconds(5)...(.seconds(3600)), default: s.keepalive) ?? s.keepalive
        s.sessionExpiry = node["sessionExpiry"].duration(in: .zero...(.seconds(365 * 86400)), default: s.sessionExpiry) ?? s.sessionExpiry
        if let prefix = node["topicPrefix"].string() {
            if prefix.isEmpty || prefix.hasPrefix("/") || prefix.hasSuffix("/") || prefix.contains(where: { "+#".contains($0) || $0.isWhitespace }) {
                node["topicPrefix"].problem("'\(prefix)' must be a topic without wildcards, spaces or a leading or trailing '/'")
            }
            s.topicPrefix = prefix
        }
        s.publishInterval = node["publishInterval"].duration(in: .milliseconds(100)...(.seconds(86400)), default: s.publishInterval) ?? s.publishInterval
        s.statusInterval = node["statusInterval"].duration(in: .seconds(1)...(.seconds(86400)), default: s.statusInterval) ?? s.statusInterval
        let outbox = node["outbox"]
        outbox.rejectUnknownKeys(allowed: ["maxMegabytes", "maxInflight"])
        if let mb = outbox["maxMegabytes"].double(in: 0.01...100_000) { s.outboxMaxBytes = Int(mb * 1024 * 1024) }
        s.maxInflight = outbox["maxInflight"].int(in: 1...10000, default: s.maxInflight) ?? s.maxInflight
        let ha = node["homeAssistant"]
        ha.rejectUnknownKeys(allowed: ["enabled", "discoveryPrefix"])
        s.homeAssistant = ha.exists && ha["enabled"].bool(default: true)
        if let prefix = ha["discoveryPrefix"].string() {
            // Home Assistant's discovery topics are <prefix>/<component>/<node>/<object>/config.
            if prefix.isEmpty || prefix.hasPrefix("/") || prefix.hasSuffix("/") || prefix.contains(where: { "+#".contains($0) || $0.isWhitespace }) {
                ha["discoveryPrefix"].problem("'\(prefix)' must be a topic without wildcards, spaces or a leading or trailing '/'")
            }
            s.discoveryPrefix = prefix
        }
        s.format = node["format"].choice(MQTTSettings.Format.allCases.map(\.rawValue), default: "json").flatMap(MQTTSettings.Format.init) ?? .json
        let spb = node["sparkplug"]
        spb.rejectUnknownKeys(allowed: ["groupId", "edgeNodeId"])
        for (key, keyPath) in [("groupId", \MQTTSettings.sparkplugGroup), ("edgeNodeId", \MQTTSettings.sparkplugNode)] {
            guard let id = spb[key].string() else { continue }
            // Sparkplug ids are topic levels: no separators, wildcards or spaces.
            if id.isEmpty || id.contains(where: { "/+#".contains($0) || $0.isWhitespace }) {
                spb[key].problem("'\(id)' must be one topic level (no '/', '+', '#' or spaces)")
            }
            s[keyPath: keyPath] = id
        }
        return s
    }
}
