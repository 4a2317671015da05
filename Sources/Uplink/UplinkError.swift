public import ServiceSupport

/// Why the uplink could not make its client, connect or publish.
public enum UplinkFailure: ErrorDomain {}
public typealias UplinkError = CodedError<UplinkFailure>

extension CodedError.Code where Domain == UplinkFailure {
    /// libmosquitto could not make a client (out of memory).
    public static let noClient = Self("noClient")
    /// A CA, certificate or key file is missing, unreadable or unusable.
    public static let tlsFiles = Self("tlsFiles")
    /// libmosquitto refused the TLS options (version, ciphers).
    public static let tlsOptions = Self("tlsOptions")
    /// libmosquitto refused a connect or publish.
    public static let refused = Self("refused")
}
