import ConfigSupport

extension GatewayConfig {
    static func loadWeb(_ node: ConfigNode, baseDirectory: String) -> WebSettings? {
        node.rejectUnknownKeys(allowed: ["enabled", "listen", "redirectFrom", "certFile", "keyFile", "hostName", "sessionTimeout", "metrics"])
        guard node.exists, node["enabled"].bool(default: true) else { return nil }
        var s = WebSettings()
        if let listen = node["listen"].string() {
            if let (host, port) = hostPort(listen) { (s.host, s.port) = (host, port) } else { node["listen"].problem("'\(listen)' is not HOST:PORT") }
        }
        if node["redirectFrom"].exists, let text = node["redirectFrom"].string() {
            if text.isEmpty {
                s.redirectPort = nil
            } else if let (_, port) = hostPort(text) {
                s.redirectPort = port
            } else {
                node["redirectFrom"].problem("'\(text)' is not HOST:PORT")
            }
        }
        if let p = s.redirectPort, p == s.port { node["redirectFrom"].problem("must not be the HTTPS port \(p)") }
        s.certFile = node["certFile"].string().map { resolve($0, against: baseDirectory) }
        s.keyFile = node["keyFile"].string().map { resolve($0, against: baseDirectory) }
        if (s.certFile == nil) != (s.keyFile == nil) { node[s.certFile == nil ? "certFile" : "keyFile"].problem("give both certFile and keyFile, or neither (self-signed)") }
        if let name = node["hostName"].string() {
            if name.isEmpty || name.contains(where: { $0.isWhitespace || $0 == "/" }) { node["hostName"].problem("'\(name)' is not a host name") }
            s.hostName = name
        }
        s.sessionTimeout = node["sessionTimeout"].duration(in: .seconds(60)...(.seconds(7 * 86400)), default: s.sessionTimeout) ?? s.sessionTimeout
        let metrics = node["metrics"]
        metrics.rejectUnknownKeys(allowed: ["enabled", "token", "cells"])
        if metrics.exists && metrics["enabled"].bool(default: true) {
            var m = MetricsSettings()
            if let token = metrics["token"].string() {
                // Sent in a header by every scrape: long enough not to be guessed, one word.
                if token.count < 16 || token.contains(where: { $0.isWhitespace || !$0.isASCII }) {
                    metrics["token"].problem("must be at least 16 ASCII characters without spaces")
                }
                m.token = token
            }
            m.cells = metrics["cells"].bool(default: false)
            s.metrics = m
        }
        return s
    }
}
