public import BatteryModel

/// Sample times with the wall clock's steps taken out, for the alarm delays. The wall clock can be
/// stepped (NTP, an operator) by an hour: an on-delay would then end at once, or an hour late. The
/// gap between a sample's wall time and the monotonic clock at its arrival stays constant while the
/// wall clock runs freely; when it moves by more than `tolerance` the wall clock was stepped, and the
/// step is subtracted from every later time. Spacing between samples stays the polls' own.
public struct SteadyTime: Sendable {
    private var origin: (wall: Int64, instant: ContinuousClock.Instant)?
    /// ms taken off the wall times: the sum of the steps seen.
    private var correction: Int64 = 0
    /// A sample may arrive late (a busy engine): larger gaps than this count as a step.
    let tolerance: Int64

    public init(tolerance: Duration = .seconds(3)) {
        self.tolerance = tolerance.milliseconds
    }

    /// The steady time of a sample stamped `wall`, arriving at `now`.
    public mutating func time(of wall: Timestamp, arrivingAt now: ContinuousClock.Instant = .now) -> Timestamp {
        guard let origin else {
            self.origin = (wall.millis, now)
            return wall
        }
        let expected = origin.wall + (now - origin.instant).milliseconds
        let drift = wall.millis - correction - expected
        if abs(drift) > tolerance { correction += drift }
        return Timestamp(millis: wall.millis - correction)
    }

    /// The steady time of a wall time that is not a fresh sample's (a link event's last error,
    /// which may lie seconds back): converted with the steps seen so far, without judging it.
    public func time(of wall: Timestamp) -> Timestamp {
        Timestamp(millis: wall.millis - correction)
    }
}
