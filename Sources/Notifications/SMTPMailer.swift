import CCurl
import CurlClient
import BatteryModel
public import Foundation
public import GatewayConfig

/// Sends e-mail through an SMTP server with libcurl: plain, STARTTLS or implicit TLS, with AUTH.
public struct SMTPMailer: Sendable {
    public let settings: EmailSettings

    public init(settings: EmailSettings) {
        self.settings = settings
    }

    /// Blocking: call from a delivery thread.
    public func send(to recipient: String, subject: String, body: String, date: Date = Date()) throws(DeliveryError) {
        try DeliveryError.curl { () throws(CurlError) in
            let curl = try CurlEasy()
            let scheme = settings.security == .tls ? "smtps" : "smtp"
            try curl.set(CURLOPT_URL, "\(scheme)://\(settings.host):\(settings.port)")
            try curl.set(CURLOPT_USE_SSL, settings.security == .starttls ? Int(CURLUSESSL_ALL.rawValue) : Int(CURLUSESSL_NONE.rawValue))
            if settings.security != .none {
                try curl.set(CURLOPT_SSL_VERIFYPEER, settings.verifyCertificate ? 1 : 0)
                try curl.set(CURLOPT_SSL_VERIFYHOST, settings.verifyCertificate ? 2 : 0)
                if let ca = settings.caFile { try curl.set(CURLOPT_CAINFO, ca) }
            }
            if let user = settings.username { try curl.set(CURLOPT_USERNAME, user) }
            if let password = settings.password { try curl.set(CURLOPT_PASSWORD, password) }
            try curl.set(CURLOPT_MAIL_FROM, "<\(settings.from)>")
            try curl.set(CURLOPT_MAIL_RCPT, list: ["<\(recipient)>"])
            let ms = Int(settings.timeout.milliseconds)
            try curl.set(CURLOPT_TIMEOUT_MS, ms)
            try curl.set(CURLOPT_CONNECTTIMEOUT_MS, ms)
            try curl.upload(Array(Self.message(from: settings.from, to: recipient, subject: subject, body: body, date: date).utf8))
            try curl.perform()
        }
    }

    /// An RFC 5322 message with CRLF line ends; non-ASCII subjects are RFC 2047 encoded.
    static func message(from: String, to: String, subject: String, body: String, date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let encodedSubject = subject.allSatisfy(\.isASCII) ? subject : "=?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?="
        let domain = from.split(separator: "@").last.map(String.init) ?? "localhost"
        let lines = [
            "Date: \(f.string(from: date))",
            "From: <\(from)>",
            "To: <\(to)>",
            "Subject: \(encodedSubject)",
            "Message-ID: <\(UUID().uuidString)@\(domain)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
        ] + body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // No dot-stuffing here: libcurl escapes lines starting with "." itself.
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
