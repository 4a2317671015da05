import Alarms
import BatteryModel
import Foundation
import GatewayServices
import Notifications
import Storage
import TestSupport
import Testing
import WebUI

/// Each module's tables in the one database: created by their own migrations, adopted from a
/// database versioned as one list (before issue 13) without running anything twice, and aged out
/// with the history.
@Suite struct DatabaseSchemaTests {
    static let plant = Topology(siteName: "T", upses: [.init(id: "u", name: "U")],
                                strings: [.init(id: "a", name: "A", upsIndex: 0, cellCount: 4)])

    /// A database as a gateway that versioned one list left it at `version` (1…6): the same DDL,
    /// in that list's order.
    static func oneListDatabase(_ path: String, version: Int) throws {
        let db = try SQLiteConnection(path: path)
        let alarms = AlarmTables.schema.migrations, notes = NotificationTables.schema.migrations, web = WebTables.schema.migrations
        let list: [[String]] = [[historyDDL], [alarms[0], notes[0]], [notes[1]], [web[0]], [web[1]], [notes[2]]]
        for step in list.prefix(version) { for sql in step { try db.execute(sql) } }
        try db.execute("PRAGMA user_version = \(version)")
    }

    /// The history part's DDL, read back from a fresh database's schema.
    static let historyDDL: String = {
        guard let db = try? GatewayDatabase(path: ":memory:") else { return "" }
        var ddl = ""
        if let s = try? db.db.statement("SELECT sql FROM sqlite_master WHERE name IN ('strings', 'samples', 'rollups') AND sql IS NOT NULL ORDER BY rowid") {
            while (try? s.step()) == true { ddl += s.text(0) + ";\n" }
            s.reset()
        }
        return ddl
    }()

    static func versions(_ store: GatewayDatabase) throws -> [String: Int64] {
        let s = try store.db.statement("SELECT name, version FROM schema_parts")
        defer { s.reset() }
        var out: [String: Int64] = [:]
        while try s.step() { out[s.text(0)] = s.int64(1) }
        return out
    }

    @Test func aFreshDatabaseHasEveryModulesTablesAtTheirNewestVersions() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let store = try GatewayDatabase(path: path, parts: Gateway.tables)
        #expect(try Self.versions(store) == ["history": 1, "alarms": 1, "notifications": 3, "web": 2, "remoteAccess": 2])
        #expect(try store.db.scalar("PRAGMA user_version") == 7)
        // Opening again runs nothing (a second CREATE TABLE would throw).
        _ = try GatewayDatabase(path: path, parts: Gateway.tables)
    }

    @Test(arguments: 1...6) func aOneListDatabaseIsAdoptedAndCompleted(version: Int) throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        try Self.oneListDatabase(path, version: version)
        if version >= 4 {
            let db = try SQLiteConnection(path: path)
            try db.execute("INSERT INTO users(username, is_admin, password_hash, must_change, created_at, updated_at) VALUES ('kept', 1, 'x', 0, 0, 0)")
        }
        let store = try GatewayDatabase(path: path, parts: Gateway.tables)
        #expect(try Self.versions(store) == ["history": 1, "alarms": 1, "notifications": 3, "web": 2, "remoteAccess": 2])
        // What the missing migrations add is there; what was there is kept.
        #expect(try store.db.scalar("SELECT COUNT(*) FROM pragma_table_info('notification_log') WHERE name = 'alarm_ids'") == 1)
        #expect(try store.db.scalar("SELECT COUNT(*) FROM pragma_table_info('users') WHERE name = 'notify_sms'") == 1)
        #expect(try UserStore(db: store.db).user(named: "kept") != nil || version < 4)
    }

    @Test func aNewerDatabaseOrPartIsRefused() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let store = try GatewayDatabase(path: path, parts: Gateway.tables)
        try store.db.execute("UPDATE schema_parts SET version = 9 WHERE name = 'alarms'")
        #expect { try GatewayDatabase(path: path, parts: Gateway.tables) } throws: { "\($0)".contains("alarms tables are at version 9") }
        // The history alone does not touch the alarm tables: it opens.
        _ = try GatewayDatabase(path: path)
    }

    @Test func endedAlarmsAndTheDeliveryLogAgeOutWithTheHistory() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let store = try GatewayDatabase(path: path, parts: Gateway.tables)
        let key = try store.register(Self.plant)[0]
        let alarms = AlarmLog(db: store.db)
        let old = try alarms.raise(stringKey: key, cell: 1, type: .cellVoltageLow, at: 1_000, value: 1900, limit: 2000)
        try alarms.clear(id: old, at: 2_000)
        let active = try alarms.raise(stringKey: key, cell: 2, type: .cellVoltageLow, at: 1_000, value: 1900, limit: 2000)
        let recent = try alarms.raise(stringKey: key, cell: 3, type: .cellVoltageLow, at: 5_000, value: 1900, limit: 2000)
        try alarms.clear(id: recent, at: 9_000)
        let notes = NotificationStore(db: store.db)
        for at: Int64 in [1_000, 9_000] {
            _ = try notes.enqueue(channel: .email, recipient: "r", contact: "r@example.org", subject: "s", body: "b", at: at)
        }
        for q in try notes.due(now: 10_000) { try notes.record(q, at: q.id == 1 ? 1_000 : 9_000, error: nil, retryAt: nil) }

        while try store.deleteExpired(before: 5_000) > 0 {}
        let left = try store.db.statement("SELECT id FROM alarms ORDER BY id")
        var ids: [Int64] = []
        while try left.step() { ids.append(left.int64(0)) }
        left.reset()
        #expect(ids == [active, recent], "the alarm cleared before the cutoff goes; the active one stays")
        #expect(try notes.log().map(\.at) == [9_000])
    }
}
