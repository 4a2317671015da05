import ConfigSupport
import Foundation

extension GatewayConfig {
    static func loadProject(_ node: ConfigNode) -> ProjectSettings {
        node.rejectUnknownKeys(allowed: ["name", "company", "url", "owner"])
        var p = ProjectSettings()
        for (key, path) in [("name", \ProjectSettings.name), ("company", \.company), ("owner", \.owner)] {
            let text = node[key].string(default: "") ?? ""
            if text.count > 100 { node[key].problem("is longer than 100 characters") }
            p[keyPath: path] = text
        }
        p.url = node["url"].string(default: "") ?? ""
        if !p.url.isEmpty && !((p.url.hasPrefix("https://") || p.url.hasPrefix("http://")) && URL(string: p.url)?.host != nil) {
            node["url"].problem("'\(p.url)' is not an http:// or https:// address")
        }
        return p
    }

    static func loadNetwork(_ node: ConfigNode) -> NetworkSettings? {
        node.rejectUnknownKeys(allowed: ["lan", "wan"])
        guard node.exists else { return nil }
        var s = NetworkSettings()
        for (role, defaultInterface) in [("lan", "eth0"), ("wan", "eth1")] {
            let p = node[role]
            guard p.exists else { continue }
            p.rejectUnknownKeys(allowed: ["interface", "mode", "address", "netmask", "gateway", "dns"])
            let interface = p["interface"].string(default: defaultInterface) ?? defaultInterface
            if interface.isEmpty || interface.count > 15 || !interface.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
                p["interface"].problem("'\(interface)' is not an interface name like eth0")
            }
            let dhcp = p["mode"].choice(["dhcp", "static"], default: "dhcp") == "dhcp"
            var port = NetworkPort(role: role, interface: interface, dhcp: dhcp)
            if !dhcp {
                if let a = p["address"].string(required: true) {
                    if IPAddressText.isIPv4(a) { port.address = a } else { p["address"].problem("'\(a)' is not an IPv4 address") }
                }
                if let m = p["netmask"].string(required: true) {
                    if let n = IPAddressText.prefixLength(netmask: m) { port.prefixLength = n } else {
                        p["netmask"].problem("'\(m)' is not a netmask like 255.255.255.0 or a prefix length like 24")
                    }
                }
                if let g = p["gateway"].string() {
                    if IPAddressText.isIPv4(g) { port.gateway = g } else { p["gateway"].problem("'\(g)' is not an IPv4 address") }
                }
            } else {
                for key in ["address", "netmask", "gateway"] where p[key].exists {
                    p[key].problem("is only used with mode: static")
                }
            }
            for d in p["dns"].elements {
                guard let a = d.string() else { continue }
                if IPAddressText.isIPv4(a) || IPAddressText.isIPv6(a) { port.dns.append(a) } else { d.problem("'\(a)' is not an IP address") }
            }
            s.ports.append(port)
        }
        let interfaces = s.ports.map(\.interface)
        if Set(interfaces).count < interfaces.count { node["wan"]["interface"].problem("LAN and WAN use the same interface") }
        return s
    }

    static func loadTime(_ node: ConfigNode) -> TimeSettings {
        node.rejectUnknownKeys(allowed: ["zone", "ntp"])
        var t = TimeSettings()
        if let zone = node["zone"].string() {
            if TimeZone(identifier: zone) != nil && Self.isZoneName(zone) { t.zone = zone } else {
                node["zone"].problem("'\(zone)' is not a time zone name like Europe/Berlin or UTC")
            }
        }
        let ntp = node["ntp"]
        ntp.rejectUnknownKeys(allowed: ["enabled", "servers"])
        t.ntpEnabled = ntp["enabled"].bool(default: true)
        for s in ntp["servers"].elements {
            s.rejectUnknownKeys(allowed: ["host", "port"])
            guard let host = s["host"].string(required: true) else { continue }
            if !Self.isHostName(host) { s["host"].problem("'\(host)' is not a host name or IP address") }
            let port = s["port"].int(in: 1...65535, default: 123) ?? 123
            t.ntpServers.append(NTPServer(host: host, port: port))
        }
        if t.ntpEnabled && t.ntpServers.isEmpty && ntp["servers"].exists { ntp["servers"].problem("NTP is on but no server is given") }
        return t
    }

    static func loadSystemFiles(_ node: ConfigNode, dataDirectory: String, baseDirectory: String) -> SystemFilesSettings {
        node.rejectUnknownKeys(allowed: ["directory", "applyCommand"])
        let directory = node["directory"].string().map { resolve($0, against: baseDirectory) } ?? "\(dataDirectory)/system"
        var command: [String]?
        let c = node["applyCommand"]
        if c.isList {
            command = c.elements.compactMap { $0.string() }
            if command?.isEmpty == true { c.problem("must name a program") }
        } else if let text = c.string() {
            command = [text]
        }
        if let program = command?.first, !program.hasPrefix("/") { c.problem("'\(program)' must be an absolute path") }
        return SystemFilesSettings(directory: directory, applyCommand: command)
    }

    /// An Olson name present in the system's zone database (`Europe/Berlin`), not a path.
    static func isZoneName(_ s: String) -> Bool {
        guard !s.isEmpty, !s.hasPrefix("/"), !s.contains(".."),
              s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_+-".contains($0)) }) else { return false }
        return s == "UTC" || FileManager.default.fileExists(atPath: "/usr/share/zoneinfo/\(s)")
    }

    static func isHostName(_ s: String) -> Bool {
        if IPAddressText.isIPv4(s) || IPAddressText.isIPv6(s) { return true }
        let labels = s.split(separator: ".", omittingEmptySubsequences: false)
        return (1...253).contains(s.count) && labels.allSatisfy { l in
            (1...63).contains(l.count) && l.first != "-" && l.last != "-" && l.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}

/// Checks of IP address text (inet_pton, so the rules are the C library's).
public enum IPAddressText {
    public static func isIPv4(_ s: String) -> Bool {
        var a = in_addr()
        return inet_pton(AF_INET, s, &a) == 1
    }

    public static func isIPv6(_ s: String) -> Bool {
        var a = in6_addr()
        return inet_pton(AF_INET6, s, &a) == 1
    }

    /// `255.255.255.0` → 24; `24` → 24; a non-contiguous mask → nil.
    public static func prefixLength(netmask: String) -> Int? {
        if let n = Int(netmask) { return (0...32).contains(n) ? n : nil }
        var a = in_addr()
        guard inet_pton(AF_INET, netmask, &a) == 1 else { return nil }
        let bits = UInt32(bigEndian: a.s_addr)
        let ones = bits.nonzeroBitCount
        return ones == 0 ? 0 : (bits == ~UInt32(0) << (32 - ones) ? ones : nil)
    }

    /// 24 → `255.255.255.0`.
    public static func netmask(prefixLength n: Int) -> String {
        let bits: UInt32 = n == 0 ? 0 : ~UInt32(0) << (32 - UInt32(n))
        return [24, 16, 8, 0].map { String((bits >> $0) & 0xff) }.joined(separator: ".")
    }
}
