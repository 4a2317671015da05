/// The HTTPS web UI and JSON API (docs/web.md).
public struct WebSettings: Sendable, Equatable {
    /// HTTPS listen address.
    public var host = "0.0.0.0"
    public var port = 8443
    /// Plain HTTP listener that only redirects to HTTPS (nil: none).
    public var redirectPort: Int? = 8080
    /// Certificate chain and key (PEM); nil: a self-signed pair made in the data folder.
    public var certFile: String?
    public var keyFile: String?
    /// Name in the self-signed certificate (besides localhost and 127.0.0.1).
    public var hostName = "btms-gateway"
    /// A session ends after this long without a request.
    public var sessionTimeout: Duration = .seconds(30 * 60)

    public init() {}
}
