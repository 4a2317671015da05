/// A library's error as STYLE.md wants it: a code callers can act on, extensible without breaking
/// them (codes are static members, not enum cases), and the detail in words. Each library names
/// its domain and its codes:
///
///     public enum UplinkFailure: ErrorDomain {}
///     public typealias UplinkError = CodedError<UplinkFailure>
///     extension CodedError.Code where Domain == UplinkFailure { public static let noClient = Self("noClient") }
public protocol ErrorDomain: Sendable {}

public struct CodedError<Domain: ErrorDomain>: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }
    }

    public let code: Code
    /// What went wrong, in words: the file, option, address or the library's reason.
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail }
}
