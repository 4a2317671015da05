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
    /// Prometheus `/metrics` (docs/metrics.md); nil: not served.
    public var metrics: MetricsSettings?

    public init() {}
}

/// Who may scrape `/metrics`, and how much it shows.
public struct MetricsSettings: Sendable, Equatable {
    /// A bearer token for scrapers (a secret: never logged); nil: logged-in web UI sessions only.
    public var token: String?
    /// Every cell's values too (32 × 120 cells × 5 quantities: about 19 200 series).
    public var cells = false

    public init() {}
}
