import ModbusCore

/// Told of every poll of a controller (the gateway's metrics), on the link's own thread: it must
/// return at once.
public protocol PollObserver: Sendable {
    /// A successful poll of string `stringIndex`'s controller, all its blocks, in `duration`.
    func polled(stringIndex: Int, duration: Duration)
    /// A failed poll, by kind: `timeout`, `exception`, `badResponse`, `connection`, or `invalid`
    /// (an answer that decodes to nonsense or the wrong controller model).
    func pollFailed(stringIndex: Int, kind: String)
}

/// The kind ``PollObserver/pollFailed(stringIndex:kind:)`` is told.
func pollFailureKind(_ error: any Error) -> String {
    guard let e = error as? ModbusError else { return "invalid" }
    return switch e.kind {
    case .timeout: "timeout"
    case .exception: "exception"
    case .badResponse: "badResponse"
    case .connection: "connection"
    }
}
