import ConfigSupport

extension GatewayConfig {
    static func loadRemoteAccess(_ node: ConfigNode, stringIds: [String]) -> RemoteAccessSettings? {
        node.rejectUnknownKeys(allowed: ["enabled", "listen", "maxConnections", "idleTimeout", "requestsPerSecond", "units", "roles",
                                         "hostName", "certificateDays"])
        guard node.exists, node["enabled"].bool(default: true) else { return nil }
        var s = RemoteAccessSettings()
        if let listen = node["listen"].string() {
            if let (host, port) = hostPort(listen) { (s.host, s.port) = (host, port) } else { node["listen"].problem("'\(listen)' is not HOST:PORT") }
        }
        s.maxConnections = node["maxConnections"].int(in: 1...64, default: s.maxConnections) ?? s.maxConnections
        s.idleTimeout = node["idleTimeout"].duration(in: .seconds(5)...(.seconds(86400)), default: s.idleTimeout) ?? s.idleTimeout
        s.requestsPerSecond = node["requestsPerSecond"].int(in: 1...1000, default: s.requestsPerSecond) ?? s.requestsPerSecond
        s.certificateDays = node["certificateDays"].int(in: 1...3650, default: s.certificateDays) ?? s.certificateDays
        if let name = node["hostName"].string() {
            if name.isEmpty || name.contains(where: { $0.isWhitespace || $0 == "/" }) { node["hostName"].problem("'\(name)' is not a host name") }
            s.hostName = name
        }
        let units = node["units"]
        if units.exists {
            if let keys = units.keys {
                for key in keys {
                    guard let unit = Int(key), (1...247).contains(unit) else {
                        units[key].problem("'\(key)' is not a unit id 1…247")
                        continue
                    }
                    guard let id = units[key].string(required: true) else { continue }
                    if !stringIds.contains(id) { units[key].problem("no string '\(id)'") }
                    if let other = s.units.first(where: { $0.value == id }) { units[key].problem("string '\(id)' already has unit \(other.key)") }
                    s.units[unit] = id
                }
            } else {
                units.problem("must map unit ids to string ids, e.g. { 1: s1 }")
            }
        } else if stringIds.count > 247 {
            node.problem("more strings than Modbus unit ids: give units")
        }
        let roles = node["roles"]
        if roles.exists {
            if let keys = roles.keys {
                s.roles = [:]
                for role in keys {
                    if let a = roles[role].choice(RemoteAccessSettings.Access.allCases.map(\.rawValue), required: true) {
                        s.roles[role] = RemoteAccessSettings.Access(rawValue: a)
                    }
                }
            } else {
                roles.problem("must map role names to read, settings or any")
            }
        }
        return s
    }
}
