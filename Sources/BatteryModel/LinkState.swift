public import Foundation

/// Quality of a value as outputs should treat it.
public enum Quality: String, Sendable, Codable {
    /// From the latest sweep, and the controller answers.
    case ok
    /// The controller missed recent sweeps; the value is the last one read.
    case stale
    /// The controller is declared lost; the value is the last one read.
    case commLost
    /// Never read since the gateway started.
    case unknown
}

/// Communication state of one string's controller.
public struct LinkState: Sendable, Equatable {
    public var quality: Quality = .unknown
    /// Time of the last successful sweep.
    public var lastSuccess: Date?
    /// Failed sweeps since the last success.
    public var consecutiveFailures = 0
    /// Readable description of the last failure (timeout, exception, garbage…).
    public var lastError: String?
    public var lastErrorTime: Date?
    /// Duration of the last successful sweep of this controller.
    public var lastSweepDuration: Duration?
    /// Warning about the controller that does not stop polling (e.g. cell count mismatch).
    public var warning: String?
    /// The last write to the controller through remote access: when, by whom, what.
    public var remoteWrite: RemoteWriteMark?

    public init() {}
}

/// Live state of one string: its latest sample and its controller link.
public struct StringState: Sendable, Equatable {
    public var sample: StringSample?
    public var link = LinkState()

    public init() {}

    /// Quality of a string-level value.
    public var quality: Quality { link.quality }

    /// Quality of one cell's values: a cell whose sensor does not answer is
    /// `.stale` even when the controller itself is fine.
    public func quality(ofCell cell: Int) -> Quality {
        guard link.quality == .ok, let sample, cell < sample.cells.count else { return link.quality }
        return sample.cells.status[cell].contains(.sensorNotAnswering) ? .stale : .ok
    }
}

/// The last write to a controller through remote access.
public struct RemoteWriteMark: Sendable, Equatable {
    public var at: Date
    /// The audit log's name of the client (`remote:<certificate CN>`).
    public var user: String
    public var detail: String

    public init(at: Date, user: String, detail: String) {
        self.at = at
        self.user = user
        self.detail = detail
    }
}
