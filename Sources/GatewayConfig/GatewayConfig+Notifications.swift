import ConfigSupport
import Foundation

extension GatewayConfig {
    static func loadNotifications(_ node: ConfigNode, stringIds: Set<String>, baseDirectory: String) -> NotificationSettings {
        var s = NotificationSettings()
        _ = node.keys  // a plain value where a section belongs is reported here
        node.rejectUnknownKeys(allowed: ["batchWindow", "retry", "email", "sms", "recipients"])
        s.batchWindow = node["batchWindow"].duration(in: .zero...(.seconds(3600)), default: s.batchWindow) ?? s.batchWindow
        let retry = node["retry"]
        retry.rejectUnknownKeys(allowed: ["first", "max", "attempts"])
        s.retryFirst = retry["first"].duration(in: .seconds(1)...(.seconds(3600)), default: s.retryFirst) ?? s.retryFirst
        s.retryMax = retry["max"].duration(in: .seconds(1)...(.seconds(86400)), default: s.retryMax) ?? s.retryMax
        s.maxAttempts = retry["attempts"].int(in: 1...100, default: s.maxAttempts) ?? s.maxAttempts
        if s.retryMax < s.retryFirst { retry["max"].problem("is shorter than retry.first") }

        let email = node["email"]
        if email.exists {
            email.rejectUnknownKeys(allowed: ["host", "port", "security", "username", "password", "passwordFile", "from",
                                              "caFile", "verifyCertificate", "timeout"])
            let security = email["security"].choice(["none", "starttls", "tls"], default: "starttls")
                .flatMap(EmailSettings.Security.init) ?? .starttls
            let host = email["host"].string(required: true)
            let port = email["port"].int(in: 1...65535, default: security == .tls ? 465 : 587)
            let from = email["from"].string(required: true)
            if let from, !isEmailAddress(from) { email["from"].problem("'\(from)' is not an e-mail address") }
            if let host, let port, let from {
                var e = EmailSettings(host: host, port: port, security: security, from: from)
                e.username = email["username"].string()
                e.password = secret(email, baseDirectory: baseDirectory)
                e.caFile = email["caFile"].string().map { resolve($0, against: baseDirectory) }
                e.verifyCertificate = email["verifyCertificate"].bool(default: true)
                e.timeout = email["timeout"].duration(in: .seconds(1)...(.seconds(300)), default: e.timeout) ?? e.timeout
                if e.password != nil && e.username == nil { email["username"].problem("is required when a password is given") }
                if e.password != nil && security == .none {
                    email["security"].problem("none would send the password in clear text; use starttls or tls")
                }
                s.email = e
            }
        }

        let sms = node["sms"]
        sms.rejectUnknownKeys(allowed: ["modem", "http"])
        let modem = sms["modem"]
        if modem.exists {
            modem.rejectUnknownKeys(allowed: ["device", "baud", "pin", "timeout"])
            let baud = modem["baud"].int(in: 1200...921_600, default: 115_200)
            if let baud, ![9600, 19200, 38400, 57600, 115_200].contains(baud) {
                modem["baud"].problem("\(baud) is not one of 9600, 19200, 38400, 57600, 115200")
            }
            if let device = modem["device"].string(required: true), let baud {
                var m = ModemSettings(device: device, baud: baud)
                m.pin = modem["pin"].string()
                if let pin = m.pin, !(4...8).contains(pin.count) || !pin.allSatisfy({ ("0"..."9").contains($0) }) {
                    modem["pin"].problem("must be 4–8 digits")
                }
                m.timeout = modem["timeout"].duration(in: .seconds(1)...(.seconds(300)), default: m.timeout) ?? m.timeout
                s.smsModem = m
            }
        }
        let http = sms["http"]
        if http.exists {
            http.rejectUnknownKeys(allowed: ["url", "method", "contentType", "body", "username", "password", "passwordFile", "timeout"])
            if let url = http["url"].string(required: true) {
                if !(url.hasPrefix("http://") || url.hasPrefix("https://")) { http["url"].problem("'\(url)' is not an http:// or https:// URL") }
                var h = HTTPSMSSettings(url: url)
                h.method = http["method"].choice(["POST", "PUT", "GET"], default: "POST") ?? "POST"
                h.contentType = http["contentType"].string(default: h.contentType) ?? h.contentType
                h.body = http["body"].string(default: h.body) ?? h.body
                h.username = http["username"].string()
                h.password = secret(http, baseDirectory: baseDirectory)
                h.timeout = http["timeout"].duration(in: .seconds(1)...(.seconds(300)), default: h.timeout) ?? h.timeout
                s.smsHTTP = h
            }
        }
        if s.smsModem != nil && s.smsHTTP != nil { sms.problem("give either modem or http, not both") }

        for r in node["recipients"].elements {
            r.rejectUnknownKeys(allowed: ["name", "email", "phone", "strings"])
            guard let name = r["name"].string(required: true) else { continue }
            let mail = r["email"].string()
            if let mail, !isEmailAddress(mail) { r["email"].problem("is not an e-mail address") }
            let phone = r["phone"].string()
            if let phone, !isPhoneNumber(phone) { r["phone"].problem("must be an international number like +4915112345678") }
            if mail == nil && phone == nil { r.problem("needs an email or a phone") }
            var filter: Set<String>?
            let stringsNode = r["strings"]
            if stringsNode.exists && !stringsNode.isList && stringsNode.scalar != "all" {
                stringsNode.problem("must be a list of string ids, or all")
            } else if stringsNode.isList {
                filter = []
                for item in stringsNode.elements {
                    guard let id = item.string() else { continue }
                    if !stringIds.contains(id) { item.problem("'\(id)' is not a string id defined under strings") }
                    filter?.insert(id)
                }
            }
            // Values are not echoed in the problems above: they are personal data.
            s.recipients.append(Recipient(name: name, email: mail, phone: phone, strings: filter))
        }
        return s
    }

    /// `password`, or the first line of the file named by `passwordFile` (kept out of the config).
    static func secret(_ node: ConfigNode, baseDirectory: String) -> String? {
        if node["password"].exists && node["passwordFile"].exists {
            node["passwordFile"].problem("give either password or passwordFile")
        }
        if let file = node["passwordFile"].string() {
            let path = resolve(file, against: baseDirectory)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                node["passwordFile"].problem("cannot read \(path)")
                return nil
            }
            return text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
        }
        return node["password"].string()
    }

    public static func isEmailAddress(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !s.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" })
    }

    public static func isPhoneNumber(_ s: String) -> Bool {
        s.hasPrefix("+") && (8...16).contains(s.count - 1) && s.dropFirst().allSatisfy { ("0"..."9").contains($0) }
    }
}
