import CCurl
import CurlClient
import BatteryModel
import Foundation
public import GatewayConfig

/// Sends SMS through an HTTP SMS gateway: the configured body template with {to} and {text}.
public struct HTTPSMSGateway: Sendable {
    public let settings: HTTPSMSSettings

    public init(settings: HTTPSMSSettings) {
        self.settings = settings
    }

    /// Blocking: call from a delivery thread. Any status outside 200…299 is a failure.
    public func send(to phone: String, text: String) throws(DeliveryError) {
        let (code, reply) = try DeliveryError.curl { () throws(CurlError) in
            let curl = try CurlEasy()
            let json = settings.contentType.contains("json")
            let form = settings.contentType.contains("x-www-form-urlencoded")
            func fill(_ template: String, escape: (String) -> String) -> String {
                template.replacingOccurrences(of: "{to}", with: escape(phone)).replacingOccurrences(of: "{text}", with: escape(text))
            }
            if settings.method == "GET" {
                try curl.set(CURLOPT_URL, fill(settings.url, escape: Self.urlEncode))
                try curl.set(CURLOPT_HTTPGET, 1)
            } else {
                try curl.set(CURLOPT_URL, settings.url)
                let body = fill(settings.body, escape: json ? Self.jsonEscape : form ? Self.urlEncode : { $0 })
                try curl.set(CURLOPT_COPYPOSTFIELDS, body)
                if settings.method != "POST" { try curl.set(CURLOPT_CUSTOMREQUEST, settings.method) }
                try curl.set(CURLOPT_HTTPHEADER, list: ["Content-Type: \(settings.contentType)"])
            }
            if let user = settings.username {
                try curl.set(CURLOPT_HTTPAUTH, 1)  // CURLAUTH_BASIC (a cast macro Swift cannot import)
                try curl.set(CURLOPT_USERNAME, user)
            }
            if let password = settings.password { try curl.set(CURLOPT_PASSWORD, password) }
            try curl.set(CURLOPT_TIMEOUT_MS, Int(settings.timeout.milliseconds))
            try curl.collectResponse()
            try curl.perform()
            return (curl.responseCode, String(decoding: curl.body.incoming.prefix(200), as: UTF8.self))
        }
        guard (200...299).contains(code) else {
            throw DeliveryError("HTTP \(code)\(reply.isEmpty ? "" : ": \(reply)")")
        }
    }

    static func jsonEscape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 { out += String(format: "\\u%04x", c.value) } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }

    static func urlEncode(_ s: String) -> String {
        // RFC 3986 unreserved characters, ASCII only (alphanumerics would let "ü" through unencoded).
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
