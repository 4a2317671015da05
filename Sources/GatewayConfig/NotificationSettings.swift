/// Who is told about alarms, and how (e-mail over SMTP, SMS by modem or HTTP gateway).
public struct NotificationSettings: Sendable, Equatable {
    /// Events of one recipient within this window go out as one message.
    public var batchWindow: Duration = .seconds(60)
    /// First retry after a failed delivery; doubles up to `retryMax`.
    public var retryFirst: Duration = .seconds(30)
    public var retryMax: Duration = .seconds(3600)
    /// Attempts before a message is given up (logged as failed for good).
    public var maxAttempts = 10
    public var email: EmailSettings?
    public var smsModem: ModemSettings?
    public var smsHTTP: HTTPSMSSettings?
    public var recipients: [Recipient] = []

    public init() {}
}

public struct EmailSettings: Sendable, Equatable {
    public enum Security: String, Sendable { case none, starttls, tls }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    public var from: String
    /// CA bundle for the server certificate (default: the system's).
    public var caFile: String?
    /// Check the server certificate and host name (turn off only for a lab server).
    public var verifyCertificate = true
    public var timeout: Duration = .seconds(30)

    public init(host: String, port: Int, security: Security, from: String) {
        self.host = host
        self.port = port
        self.security = security
        self.from = from
    }
}

/// An LTE/GSM modem on a serial port, sending SMS with AT commands in text mode.
public struct ModemSettings: Sendable, Equatable {
    public var device: String
    public var baud: Int
    public var pin: String?
    public var timeout: Duration = .seconds(20)

    public init(device: String, baud: Int) {
        self.device = device
        self.baud = baud
    }
}

/// An HTTP SMS gateway: `body` is sent to `url` with {to} and {text} filled in.
public struct HTTPSMSSettings: Sendable, Equatable {
    public var url: String
    public var method: String = "POST"
    public var contentType: String = "application/json"
    public var body: String = #"{"to": "{to}", "text": "{text}"}"#
    public var username: String?
    public var password: String?
    public var timeout: Duration = .seconds(20)

    public init(url: String) {
        self.url = url
    }
}

/// A person told about alarms. Personal data: kept only here and in the delivery log, never in logs.
public struct Recipient: Sendable, Equatable {
    public var name: String
    public var email: String?
    public var phone: String?
    /// String ids this person is told about; nil = all.
    public var strings: Set<String>?

    public init(name: String, email: String? = nil, phone: String? = nil, strings: Set<String>? = nil) {
        self.name = name
        self.email = email
        self.phone = phone
        self.strings = strings
    }
}
