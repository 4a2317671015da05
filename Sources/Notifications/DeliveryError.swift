import CurlClient

/// Why a message could not be delivered, in words for the delivery log.
public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// Retrying cannot help (a wrong SIM PIN: retries would lock the SIM); the message is given up.
    public var isFinal: Bool

    public init(_ description: String, final: Bool = false) {
        self.description = description
        isFinal = final
    }
}

extension DeliveryError {
    /// Runs libcurl work; what libcurl refused becomes a delivery failure (worth a retry).
    static func curl<T>(_ work: () throws(CurlError) -> T) throws(DeliveryError) -> T {
        do { return try work() } catch { throw DeliveryError(error.description) }
    }
}
