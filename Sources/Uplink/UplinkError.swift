/// Why the uplink could not make its client, connect or publish.
public struct UplinkError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for callers that act on it; new codes can be added without breaking them.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case noClient, tlsFiles, tlsOptions, refused
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// libmosquitto could not make a client (out of memory).
        public static let noClient = Code(.noClient)
        /// A CA, certificate or key file is missing, unreadable or unusable.
        public static let tlsFiles = Code(.tlsFiles)
        /// libmosquitto refused the TLS options (version, ciphers).
        public static let tlsOptions = Code(.tlsOptions)
        /// libmosquitto refused a connect or publish.
        public static let refused = Code(.refused)

        public var description: String { "\(base)" }
    }

    public let code: Code
    /// The file, option or libmosquitto's reason.
    public let detail: String

    init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail }
}
