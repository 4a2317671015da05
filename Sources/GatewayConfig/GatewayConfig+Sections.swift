import BatteryModel
import ConfigSupport

extension GatewayConfig {
    static func loadAcquisition(_ node: ConfigNode) -> AcquisitionSettings {
        var s = AcquisitionSettings()
        _ = node.keys  // a plain value where a section belongs is reported here
        node.rejectUnknownKeys(allowed: ["pollInterval", "timeout", "retries", "commLostAfter", "offlineRetryInterval"])
        s.pollInterval = node["pollInterval"].duration(in: .milliseconds(100)...(.seconds(3600)), default: s.pollInterval) ?? s.pollInterval
        s.timeout = node["timeout"].duration(in: .milliseconds(20)...(.seconds(30)), default: s.timeout) ?? s.timeout
        s.retries = node["retries"].int(in: 0...5, default: s.retries) ?? s.retries
        s.commLostAfter = node["commLostAfter"].int(in: 1...100, default: s.commLostAfter) ?? s.commLostAfter
        s.offlineRetryInterval = node["offlineRetryInterval"].duration(in: .seconds(1)...(.seconds(3600)), default: s.offlineRetryInterval) ?? s.offlineRetryInterval
        return s
    }

    static func loadHistory(_ node: ConfigNode) -> HistorySettings {
        var s = HistorySettings()
        _ = node.keys  // a plain value where a section belongs is reported here
        node.rejectUnknownKeys(allowed: ["slowInterval", "fastInterval", "retention"])
        s.slowInterval = node["slowInterval"].duration(in: .seconds(1)...(.seconds(3600)), default: s.slowInterval) ?? s.slowInterval
        s.fastInterval = node["fastInterval"].duration(in: .milliseconds(100)...(.seconds(3600)), default: s.fastInterval) ?? s.fastInterval
        if s.fastInterval > s.slowInterval {
            node["fastInterval"].problem("\(DurationText.format(s.fastInterval)) is longer than slowInterval \(DurationText.format(s.slowInterval))")
        }
        s.retention = node["retention"].duration(in: .seconds(86400)...(.seconds(3650 * 86400)), default: s.retention) ?? s.retention
        return s
    }

    static func loadSimulator(_ node: ConfigNode) -> SimulatorSettings? {
        node.rejectUnknownKeys(allowed: ["enabled", "listen", "speed", "seed", "discharge", "ageing", "history"])
        guard node.exists, node["enabled"].bool(default: true) else { return nil }
        var s = SimulatorSettings()
        if let listen = node["listen"].string(required: true) {
            if let (host, port) = hostPort(listen) {
                s.host = host
                s.port = port
            } else {
                node["listen"].problem("'\(listen)' is not HOST:PORT with a port in 1…65535")
            }
        }
        s.speed = node["speed"].double(in: 1...3600, default: s.speed) ?? s.speed
        s.seed = UInt64(node["seed"].int(in: 0...Int.max, default: 1) ?? 1)
        let d = node["discharge"]
        d.rejectUnknownKeys(allowed: ["every", "duration", "current"])
        if d.exists {
            s.dischargeEvery = d["every"].duration(in: .seconds(10)...(.seconds(30 * 86400)), default: .seconds(1800))
            s.dischargeDuration = d["duration"].duration(in: .seconds(1)...(.seconds(86400)), default: s.dischargeDuration) ?? s.dischargeDuration
            if let amps = d["current"].double(in: 0.1...2000) { s.dischargeCurrent = Int32(amps * 1000) }
        }
        let a = node["ageing"]
        a.rejectUnknownKeys(allowed: ["rate", "initialAge", "acceleration", "weakCells"])
        if a.exists {
            var ageing = SimulatedAgeing()
            ageing.rate = a["rate"].double(in: 0...5, default: ageing.rate) ?? ageing.rate
            ageing.initialAge = a["initialAge"].double(in: 0...50, default: 0) ?? 0
            ageing.acceleration = a["acceleration"].double(in: 0...10_000_000, default: 1) ?? 1
            for w in a["weakCells"].elements {
                w.rejectUnknownKeys(allowed: ["unit", "cell", "rate"])
                if let unit = w["unit"].int(in: 1...247, required: true), let cell = w["cell"].int(in: 1...1000, required: true),
                   let rate = w["rate"].double(in: 0...5, required: true) {
                    ageing.weakCells.append(.init(unit: unit, cell: cell, rate: rate))
                }
            }
            s.ageing = ageing
        }
        s.history = node["history"].duration(in: .seconds(3600)...(.seconds(3650 * 86400)))
        return s
    }

    static func loadSNMP(_ node: ConfigNode) -> SNMPSettings? {
        node.rejectUnknownKeys(allowed: ["enabled", "mode", "listen", "agentxSocket", "community", "sources", "trapDestinations",
                                         "informs", "v2c", "users", "limitWrites", "batteryMib", "batteryNotifications"])
        guard node.exists, node["enabled"].bool(default: true) else { return nil }
        var s = SNMPSettings()
        s.mode = node["mode"].choice(["master", "agentx"], default: "master").flatMap(SNMPSettings.Mode.init) ?? .master
        s.listen = node["listen"].string(default: s.listen) ?? s.listen
        let port = s.listen.split(separator: ":").last.flatMap { Int($0) }
        if !(s.listen.hasPrefix("udp:") || s.listen.hasPrefix("udp6:") || s.listen.hasPrefix("tcp:")) || port.map({ !(1...65535).contains($0) }) ?? true
            || s.listen.contains(where: \.isWhitespace) {
            node["listen"].problem("'\(s.listen)' is not a transport address like udp:127.0.0.1:1161")
        }
        s.agentxSocket = node["agentxSocket"].string(default: s.agentxSocket) ?? s.agentxSocket
        if !(s.agentxSocket.hasPrefix("/") || s.agentxSocket.hasPrefix("tcp:") || s.agentxSocket.hasPrefix("unix:")) {
            node["agentxSocket"].problem("'\(s.agentxSocket)' is neither a socket path nor tcp:HOST:PORT")
        }
        s.community = node["community"].string(default: s.community) ?? s.community
        if s.community.isEmpty || s.community.contains(where: \.isWhitespace) { node["community"].problem("must be one word") }
        if node["sources"].exists {
            s.sources = []
            for e in node["sources"].elements {
                guard let text = e.string() else { continue }
                if SourceNetwork(text) == nil { e.problem("'\(text)' is not an address or network like 10.1.0.0/16, ::1 or any") }
                else { s.sources.append(text) }
            }
        }
        for d in node["trapDestinations"].elements {
            guard let text = d.string() else { continue }
            if hostPort(text) == nil { d.problem("'\(text)' is not HOST:PORT") } else { s.trapDestinations.append(text) }
        }
        s.v2c = node["v2c"].bool(default: true)
        for u in node["users"].elements {
            u.rejectUnknownKeys(allowed: ["name", "authPassphrase", "privPassphrase", "access"])
            let name = u["name"].string(required: true)
            let auth = u["authPassphrase"].string(required: true)
            let priv = u["privPassphrase"].string(required: true)
            let write = u["access"].choice(["read", "write"], default: "read") == "write"
            // USM needs at least 8 characters; the phrases themselves are never echoed.
            for (key, value) in [("authPassphrase", auth), ("privPassphrase", priv)] {
                if (value?.count ?? 8) < 8 { u[key].problem("must be at least 8 characters") }
                if value?.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 }) == true {
                    u[key].problem("must not contain control characters")
                }
            }
            if let name, name.isEmpty || name.contains(where: \.isWhitespace) { u["name"].problem("must be one word") }
            if let name, s.users.contains(where: { $0.name == name }) { u["name"].problem("user '\(name)' is defined twice") }
            if let name, let auth, let priv, auth.count >= 8, priv.count >= 8 {
                s.users.append(SNMPUser(name: name, authPassphrase: auth, privPassphrase: priv, write: write))
            }
        }
        for i in node["informs"].elements {
            i.rejectUnknownKeys(allowed: ["address", "user"])
            let address = i["address"].string(required: true)
            let user = i["user"].string(required: true)
            if let address, hostPort(address) == nil { i["address"].problem("'\(address)' is not HOST:PORT") }
            if let user, !s.users.contains(where: { $0.name == user }) { i["user"].problem("'\(user)' is not one of the users") }
            if let address, let user, hostPort(address) != nil, s.users.contains(where: { $0.name == user }) {
                s.informs.append(SNMPInformDestination(address: address, user: user))
            }
        }
        s.limitWrites = node["limitWrites"].bool(default: false)
        if s.limitWrites && !s.users.contains(where: \.write) {
            node["limitWrites"].problem("is on but no user has access: write")
        }
        s.batteryMib = node["batteryMib"].bool(default: true)
        // Only with batteryMib: the notifications carry its objects.
        s.batteryNotifications = node["batteryNotifications"].bool(default: true)
        if !s.v2c && s.users.isEmpty { node["users"].problem("v2c is off and no v3 user is configured: nobody could read the agent") }
        return s
    }

    /// Splits HOST:PORT (port 1…65535).
    public static func hostPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let host = String(text[..<colon]), portText = text[text.index(after: colon)...]
        guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else { return nil }
        return (host, port)
    }

    static func loadModbus(_ node: ConfigNode, endpoints: inout EndpointCheck) -> (transport: Transport, unit: Int)? {
        node.rejectUnknownKeys(allowed: ["tcp", "rtu"])
        guard node.require() else { return nil }
        let tcp = node["tcp"], rtu = node["rtu"]
        switch (tcp.exists, rtu.exists) {
        case (true, true):
            node.problem("give either tcp or rtu, not both")
            return nil
        case (false, false):
            node.problem("needs tcp (host, port, unit) or rtu (device, baud, parity, unit)")
            return nil
        case (true, false):
            tcp.rejectUnknownKeys(allowed: ["host", "port", "unit"])
            let host = tcp["host"].string(required: true)
            if host?.isEmpty == true { tcp["host"].problem("must not be empty") }
            let port = tcp["port"].int(in: 1...65535, default: 502)
            let unit = tcp["unit"].int(in: 0...255, default: 1)
            if let unit, (248...254).contains(unit) { tcp["unit"].problem("\(unit) is reserved; Modbus TCP unit ids are 0…247 or 255") }
            guard let host, let port, let unit, !host.isEmpty else { return nil }
            let transport = Transport.tcp(host: host, port: port)
            endpoints.claim(transport, unit: unit, node: tcp["unit"])
            return (transport, unit)
        case (false, true):
            rtu.rejectUnknownKeys(allowed: ["device", "baud", "parity", "dataBits", "stopBits", "unit"])
            let device = rtu["device"].string(required: true)
            let baud = rtu["baud"].int(in: 300...1_000_000, default: 19200)
            if let baud, !SerialLine.standardBauds.contains(baud) {
                rtu["baud"].problem("\(baud) is not a standard rate (\(SerialLine.standardBauds.map(String.init).joined(separator: ", ")))")
            }
            let parity = rtu["parity"].choice(["none", "even", "odd"], default: "none")
            let dataBits = rtu["dataBits"].int(in: 7...8, default: 8)
            let stopBits = rtu["stopBits"].int(in: 1...2, default: 1)
            let unit = rtu["unit"].int(in: 1...247, required: true)
            guard let device, let baud, let parity, let dataBits, let stopBits, let unit else { return nil }
            let p: SerialLine.Parity = parity == "even" ? .even : parity == "odd" ? .odd : .none
            let line = SerialLine(device: device, baud: baud, parity: p, dataBits: dataBits, stopBits: stopBits)
            endpoints.claimLine(line, node: rtu)
            endpoints.claim(.rtu(line), unit: unit, node: rtu["unit"])
            return (.rtu(line), unit)
        }
    }
}

extension SerialLine {
    static let standardBauds = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400]
}

/// Catches two strings at the same address, and one serial device configured two ways.
struct EndpointCheck {
    private var units: [String: String] = [:]
    private var lines: [String: (SerialLine, String)] = [:]

    mutating func claim(_ transport: Transport, unit: Int, node: ConfigNode) {
        let key: String
        switch transport {
        case let .tcp(host, port): key = "tcp \(host):\(port) unit \(unit)"
        case let .rtu(line): key = "\(line.device) unit \(unit)"
        }
        if let other = units[key] {
            node.problem("\(key) is already used by \(other)")
        } else {
            units[key] = node.path
        }
    }

    mutating func claimLine(_ line: SerialLine, node: ConfigNode) {
        if let (first, path) = lines[line.device] {
            if first != line {
                node.problem("settings of \(line.device) (\(line.baud) \(line.parity.rawValue)\(line.dataBits)\(line.stopBits)) differ from \(path) (\(first.baud) \(first.parity.rawValue)\(first.dataBits)\(first.stopBits)); one serial line has one speed and framing")
            }
        } else {
            lines[line.device] = (line, node.path)
        }
    }
}
