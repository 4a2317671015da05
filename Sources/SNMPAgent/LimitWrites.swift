public import BatteryModel
import ConfigSupport
import Foundation
import GatewayConfig
import Synchronization

/// SNMP SETs of btmsLimitTable, checked like the web form and `bmgw limits --set` (the same
/// `GatewayConfig.override`), applied by whoever reads ``changes``. Called on the agent thread;
/// it never waits on SQLite: committed changes are handed over and stored by ``SNMPService``.
public final class LimitWrites: Sendable {
    /// One accepted change: the string's limit for `type` is now `limit`.
    public struct Change: Sendable {
        public let stringId: String
        public let type: AlarmType
        public let limit: AlarmLimit
        /// The v3 user who set it.
        public let user: String
    }

    private struct Key: Hashable {
        let string: Int
        let type: AlarmType
    }

    private struct State {
        var effective: [[AlarmType: AlarmLimit]]
        var staged: [Key: [UInt32: SNMPValue]] = [:]
        var validated: [Key: AlarmLimit] = [:]
        var problem: String?
    }

    /// btmsLimitEntry (…1.5.1), then column, string index, type number.
    static let entry: [UInt32] = MIBBuilder.root + [1, 5, 1]
    private let stringIds: [String]
    private let state: Mutex<State>
    private let continuation: AsyncStream<Change>.Continuation
    public let changes: AsyncStream<Change>

    public init(stringIds: [String], effective: [[AlarmType: AlarmLimit]]) {
        self.stringIds = stringIds
        state = Mutex(State(effective: effective))
        (changes, continuation) = AsyncStream.makeStream()
    }

    /// The limits in force (configuration and run-time overrides), string by string.
    public func update(effective: [[AlarmType: AlarmLimit]]) {
        state.withLock { $0.effective = effective }
    }

    /// The last refusal's reason, for the log.
    public func takeProblem() -> String? {
        state.withLock { s in defer { s.problem = nil }; return s.problem }
    }

    // SNMP error codes (RFC 3416).
    static let wrongType: Int32 = 7, wrongValue: Int32 = 10, noCreation: Int32 = 11, inconsistentValue: Int32 = 12,
               notWritable: Int32 = 17

    /// One varbind: an error code, or 0 when it is kept for the commit.
    func check(_ oid: [UInt32], _ value: SNMPValue) -> Int32 {
        guard oid.count == Self.entry.count + 3, oid.starts(with: Self.entry) else { return Self.notWritable }
        let column = oid[Self.entry.count], s = Int(oid[Self.entry.count + 1]) - 1, t = Int(oid[Self.entry.count + 2]) - 1
        guard (2...8).contains(column) else { return Self.notWritable }
        guard stringIds.indices.contains(s), AlarmType.allCases.indices.contains(t) else { return Self.noCreation }
        let type = AlarmType.allCases[t]
        if type.kind == .flag && (column == 3 || column == 4) { return Self.notWritable }
        switch (column, value) {
        case (2, .integer(let v)), (7, .integer(let v)), (8, .integer(let v)):
            if v != 1 && v != 2 { return Self.wrongValue }
        case (3, .integer), (4, .integer), (5, .gauge), (6, .gauge):
            break
        default:
            return Self.wrongType
        }
        return state.withLock { st in
            guard st.effective.indices.contains(s), let base = st.effective[s][type] else { return Self.noCreation }
            let key = Key(string: s, type: type)
            st.staged[key, default: [:]][column] = value
            // Alone (ranges only, no other type): out of range is this varbind's fault; a clash with
            // another limit is found when all are checked together (inconsistentValue).
            do {
                _ = try GatewayConfig.override(type, of: base, settings: Self.settings(type, [column: value]),
                                               label: label(key), others: [:])
                return 0
            } catch {
                st.problem = "\(error)"
                return Self.wrongValue
            }
        }
    }

    /// All varbinds of the request together (a low limit set with its high one, say).
    func consistent() -> Int32 {
        state.withLock { st in
            var merged = st.effective
            for (key, columns) in st.staged.sorted(by: { ($0.key.string, $0.key.type.rawValue) < ($1.key.string, $1.key.type.rawValue) }) {
                guard let base = merged[key.string][key.type] else { return Self.noCreation }
                do {
                    // Checked against the other staged changes of the string: apply, then check each again below.
                    let limit = try GatewayConfig.override(key.type, of: base, settings: Self.settings(key.type, columns),
                                                           label: label(key), others: merged[key.string])
                    merged[key.string][key.type] = limit
                    st.validated[key] = limit
                } catch {
                    st.problem = "\(error)"
                    return Self.inconsistentValue
                }
            }
            // A second pass sees every staged change of the string (the order of the first one must not matter).
            for (key, limit) in st.validated {
                do {
                    _ = try GatewayConfig.override(key.type, of: limit, settings: "", label: label(key), others: merged[key.string])
                } catch {
                    st.problem = "\(error)"
                    return Self.inconsistentValue
                }
            }
            return 0
        }
    }

    func commit(user: String) {
        let changes = state.withLock { st in
            defer { st.staged = [:]; st.validated = [:] }
            for (key, limit) in st.validated { st.effective[key.string][key.type] = limit }
            return st.validated.map { Change(stringId: stringIds[$0.key.string], type: $0.key.type, limit: $0.value, user: user) }
        }
        for c in changes { continuation.yield(c) }
    }

    func abort() {
        state.withLock { $0.staged = [:]; $0.validated = [:] }
    }

    public func finish() {
        continuation.finish()
    }

    private func label(_ key: Key) -> String {
        "SNMP SET btmsLimitTable string \(stringIds[key.string])"
    }

    /// The columns as `key: value` settings in the configuration's display units.
    static func settings(_ type: AlarmType, _ columns: [UInt32: SNMPValue]) -> String {
        return columns.sorted { $0.key < $1.key }.compactMap { column, value -> String? in
            switch (column, value) {
            case let (2, .integer(v)): "enabled: \(v == 1)"
            case let (3, .integer(v)): "limit: \(type.number(v))"
            case let (4, .integer(v)): "hysteresis: \(type.number(v))"
            case let (5, .gauge(v)): "onDelay: \(v)ms"
            case let (6, .gauge(v)): "offDelay: \(v)ms"
            case let (7, .integer(v)): "sms: \(v == 1)"
            case let (8, .integer(v)): "email: \(v == 1)"
            default: nil
            }
        }.joined(separator: ", ")
    }
}
