/// Modbus/TCP Security remote access to the string controllers (docs/remote-access.md).
public struct RemoteAccessSettings: Sendable, Equatable {
    /// What a role may do with the controllers.
    public enum Access: String, Sendable, Equatable, CaseIterable {
        /// Read functions only (1–4).
        case read
        /// Reads, and writes of the register map's documented settings (`writable`) within their ranges.
        case settings
        /// Reads and writes of any register.
        case any
    }

    /// TLS listen address; 802 is the port Modbus/TCP Security assigns.
    public var host = "0.0.0.0"
    public var port = 802
    /// Sessions at once; more are closed at once (logged).
    public var maxConnections = 4
    /// A session with no request for this long is closed.
    public var idleTimeout: Duration = .seconds(300)
    /// Requests per second one session may make (a burst of as many is allowed).
    public var requestsPerSecond = 50
    /// Unit id → string id; an empty map means unit N is the N-th string.
    public var units: [Int: String] = [:]
    /// Role (the certificate's role extension, case-sensitive) → access. Any other role is refused.
    public var roles: [String: Access] = ["Viewer": .read, "Operator": .settings, "Engineer": .any]
    /// Host name in the listener's certificate (besides localhost and 127.0.0.1).
    public var hostName = "btms-gateway"
    /// Validity of a client certificate issued by the gateway when none is given.
    public var certificateDays = 365

    public init() {}
}
