import Storage

/// What to send next on one connection: events and metadata first (oldest first), then
/// measurements, alternating between the backlog (oldest first) and live ones produced since the
/// connection was made, so a day of backlog neither holds up an alarm nor freezes the dashboards.
public struct ReplayPlan {
    public typealias Fetch = (_ priority: Int, _ after: Int64, _ through: Int64, _ limit: Int) -> [Outbox.Message]

    /// Highest sequence number stored when the connection was made: the backlog is at or below it.
    public let boundary: Int64
    private var urgentAfter: Int64 = 0
    private var oldAfter: Int64 = 0
    private var liveAfter: Int64
    // Slices: taking the first message does not move the others.
    private var urgent: ArraySlice<Outbox.Message> = []
    private var old: ArraySlice<Outbox.Message> = []
    private var live: ArraySlice<Outbox.Message> = []
    private var preferLive = false
    /// The producer's append counter when the urgent / live fetch last found everything there was.
    private var urgentSeen: Int = -1
    private var liveSeen: Int = -1
    private let batch = 128

    public init(boundary: Int64) {
        self.boundary = boundary
        liveAfter = boundary
    }

    /// The next message, or nil when nothing is waiting. `generation` (read before the call) changes
    /// whenever the outbox got new messages, so an idle connection does not query the database on every turn.
    public mutating func next(generation: Int, fetch: Fetch) -> Outbox.Message? {
        if urgent.isEmpty && generation != urgentSeen {
            urgent = fetch(0, urgentAfter, .max, batch)[...]
            urgentAfter = urgent.last?.seq ?? urgentAfter
            if urgent.count < batch { urgentSeen = generation }
        }
        if let first = urgent.popFirst() { return first }
        if old.isEmpty && oldAfter < boundary {
            old = fetch(1, oldAfter, boundary, batch)[...]
            oldAfter = old.last?.seq ?? boundary
        }
        if live.isEmpty && generation != liveSeen {
            live = fetch(1, liveAfter, .max, batch)[...]
            liveAfter = live.last?.seq ?? liveAfter
            if live.count < batch { liveSeen = generation }
        }
        preferLive.toggle()
        let first = preferLive ? live : old
        let message: Outbox.Message?
        if !first.isEmpty {
            message = preferLive ? live.popFirst() : old.popFirst()
        } else {
            message = old.popFirst() ?? live.popFirst()
        }
        return message
    }
}
