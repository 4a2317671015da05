import BatteryModel
import Foundation
import GatewayConfig
import Logging
import Storage

/// The alarm service's working state: engine, detector, and what is stored.
struct AlarmState: Sendable {
    var engine: AlarmEngine
    var detector: DischargeDetector
    let keys: [Int64]
    /// Every active alarm as stored.
    var active: [AlarmKey: AlarmRecord]
    /// When each alarm raised in this run was raised, on the monotonic clock: its duration does not
    /// depend on the wall clock, which NTP or an operator may step while it is active.
    var raisedInstants: [AlarmKey: ContinuousClock.Instant] = [:]
    var baselines: [Int64: [Int32]]
    let topology: Topology

    /// Restores active alarms, open discharges and baselines from the database; limits come from `limits`.
    static func load(store: DatabaseQueue<GatewayDatabase>, topology: Topology, keys: [Int64], limits: LimitOverrides,
                     discharge: DischargeSettings, now: Timestamp) async throws -> AlarmState {
        let period = limits.settings.baselinePeriod
        let (active, open, baselines) = try await store.run { store in
            let b = BaselineStore(db: store.db)
            for key in keys { try b.begin(stringKey: key, at: now, period: period) }
            return (try AlarmLog(db: store.db).active(), try DischargeLog(db: store.db).open(), try b.all())
        }
        let index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        var engine = AlarmEngine(cellCounts: topology.strings.map(\.cellCount), limits: topology.strings.map { limits.effective(forString: $0.id) })
        var detector = DischargeDetector(strings: keys.count, threshold: discharge.current,
                                         startDelay: discharge.startDelay, endDelay: discharge.endDelay)
        var restored: [AlarmKey: AlarmRecord] = [:]
        var orphans: [Int64] = []
        for (stringKey, r) in active {
            // A string no longer configured, or a cell beyond its new count, cannot clear by itself: close it now.
            guard let s = index[stringKey], (r.cell ?? 0) <= topology.strings[s].cellCount else {
                orphans.append(r.id)
                continue
            }
            let key = AlarmKey(string: s, type: r.type, cell: r.cell.map { $0 - 1 })
            engine.restoreActive(key)
            restored[key] = r
        }
        if !orphans.isEmpty {
            let ids = orphans
            try await store.run { store in for id in ids { try AlarmLog(db: store.db).clear(id: id, at: now) } }
        }
        for (stringKey, r, updatedAt) in open {
            guard let s = index[stringKey] else { continue }
            var p = DischargeProgress(start: r.startAt)
            p.id = r.id
            p.chargeMilliAmpHours = Double(r.chargeMilliAmpHours)
            p.minVoltage = r.minVoltage
            p.minCellVoltage = r.minCellVoltage
            p.minCell = r.minCell.map { $0 - 1 }
            detector.restore(string: s, p, updatedAt: updatedAt)
        }
        var resistance: [Int64: [Int32]] = [:]
        for b in baselines {
            guard let r = b.resistance, let s = index[b.stringKey] else { continue }
            resistance[b.stringKey] = r
            engine.setBaseline(r, string: s, restoring: true)
        }
        return AlarmState(engine: engine, detector: detector, keys: keys, active: restored, baselines: resistance, topology: topology)
    }

    /// The limits in force now, for every string.
    mutating func apply(_ limits: LimitOverrides) {
        for (i, s) in topology.strings.enumerated() { engine.setLimits(limits.effective(forString: s.id), string: i) }
    }

    /// Computes baselines whose period is over (and picks up a reset by `bmgw baseline-reset`).
    mutating func refreshBaselines(store: DatabaseQueue<GatewayDatabase>, settings: AlarmSettings, now: Timestamp, logger: Logger) async {
        let keys = self.keys
        let period = settings.baselinePeriod
        do {
            let computed = try await store.run { store -> [Int64: [Int32]] in
                var computed: [Int64: [Int32]] = [:]
                let b = BaselineStore(db: store.db)
                for base in try b.all() where keys.contains(base.stringKey) {
                    if let r = base.resistance {
                        computed[base.stringKey] = r
                    } else if base.endAt <= now {
                        if let r = try store.meanCellResistance(stringKey: base.stringKey, from: base.startAt, to: base.endAt) {
                            try b.complete(stringKey: base.stringKey, resistance: r)
                            computed[base.stringKey] = r
                        } else {
                            // Nothing was logged in the period (controller down): measure from now on.
                            try b.reset(stringKey: base.stringKey, at: now, period: period)
                        }
                    }
                }
                return computed
            }
            for (i, key) in keys.enumerated() where computed[key] != baselines[key] {
                baselines[key] = computed[key]
                engine.setBaseline(computed[key], string: i)
                if computed[key] != nil { logger.info("resistance baseline set", metadata: ["string": "\(topology.strings[i].id)"]) }
            }
        } catch {
            logger.error("cannot refresh resistance baselines", metadata: ["error": "\(error)"])
        }
    }

    /// Stores the running figures of open discharges (at shutdown); they continue after a restart.
    func saveOpenDischarges(store: DatabaseQueue<GatewayDatabase>, now: Timestamp, logger: Logger) async {
        let open = detector.openEvents().compactMap { s, e in e.id == 0 ? nil : (keys[s], Self.record(e, string: s, topology)) }
        guard !open.isEmpty else { return }
        do {
            try await store.run { store in
                for (key, record) in open { try DischargeLog(db: store.db).save(record, stringKey: key, now: now) }
            }
        } catch {
            logger.error("cannot store open discharges", metadata: ["error": "\(error)"])
        }
    }

    static func record(_ key: AlarmKey, id: Int64, at: Timestamp, value: Int32?, limit: Int32, _ t: Topology) -> AlarmRecord {
        let s = t.strings[key.string]
        return AlarmRecord(id: id, stringId: s.id, upsId: t.upses[s.upsIndex].id, cell: key.cell.map { $0 + 1 }, type: key.type,
                           raisedAt: at, clearedAt: nil, value: value, limit: limit)
    }

    static func record(_ e: DischargeProgress, string: Int, _ t: Topology, id: Int64? = nil) -> DischargeRecord {
        let s = t.strings[string]
        return DischargeRecord(id: id ?? e.id, stringId: s.id, upsId: t.upses[s.upsIndex].id, startAt: e.start, endAt: e.end,
                               chargeMilliAmpHours: Int64(e.chargeMilliAmpHours.rounded()), minVoltage: e.minVoltage,
                               minCellVoltage: e.minCellVoltage, minCell: e.minCell.map { $0 + 1 })
    }
}
