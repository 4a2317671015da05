import Alarms
public import BatteryModel
public import Storage

/// Builds discharge reports from the database: the event's samples and the same string's previous
/// discharge, each read once.
public enum DischargeReports {
    /// The report of discharge `id`, or nil when there is no such event.
    /// - Parameter rating: the battery data of the event's string (by string id).
    public static func report(_ database: GatewayDatabase, id: Int64, now: Timestamp,
                              rating: (String) -> BatteryRating) throws -> DischargeReport? {
        let log = DischargeLog(db: database.db)
        guard let event = try log.find(id: id) else { return nil }
        guard let key = try database.stringKey(id: event.stringId) else { return nil }
        let cells = try database.strings().first { $0.key == key }?.cellCount ?? 0
        let r = rating(event.stringId)
        let analysis = try analyse(database, key: key, event, cells: cells, rating: r, now: now)
        let previous = try log.list(.string(event.stringId), limit: 1000).first { $0.startAt < event.startAt && $0.endAt != nil }
        let before = try previous.map { ($0, try analyse(database, key: key, $0, cells: cells, rating: r, now: now)) }
        return analysis.report(event, previous: before)
    }

    static func analyse(_ database: GatewayDatabase, key: Int64, _ e: DischargeRecord, cells: Int, rating: BatteryRating,
                        now: Timestamp) throws -> DischargeAnalysis {
        let end = e.endAt ?? now
        var a = DischargeAnalysis(start: e.startAt, end: end, cellCount: cells, rating: rating)
        // Float voltages: the newest sample in the hour before the start (logged at the slow interval).
        var float: CellColumns?
        try database.forEachSample(stringKey: key, from: e.startAt.millis - 3_600_000, to: e.startAt.millis) { float = $0.cells }
        if let float { a.setFloat(float) }
        try database.forEachSample(stringKey: key, from: e.startAt.millis, to: end.millis + 1) { s in
            a.add(time: s.time, values: s.values, cells: s.cells)
        }
        return a
    }
}
