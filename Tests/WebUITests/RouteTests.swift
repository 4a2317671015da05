import Alarms
import BatteryModel
import ConfigSupport
import Foundation
import GatewayConfig
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Notifications
import RemoteAccess
import Storage
import Synchronization
import TestSupport
import Testing
@testable import WebUI

/// The web UI's routes in-process (Hummingbird's router test framework: no TLS, no sockets, no
/// curl): a real database in a temporary file, a live model with one sample, and a settings backend
/// that checks every save with the real configuration loader but applies nothing to a gateway.
/// The end-to-end suites (GatewayTests/Web*) drive the same pages over HTTPS and Chromium.
@Suite struct RouteTests {
    /// One UPS, two strings of 4 cells; s1 has a sample.
    final class Fixture: Sendable {
        let dir: String
        let config: GatewayConfig
        let model: LiveModel
        let store: DatabaseQueue<GatewayDatabase>
        let limits: LimitOverrides
        let backend: FakeSettings
        let server: WebServer

        init() async throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("routes-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let map = repoRoot.appendingPathComponent("config/registermaps/bmc-v1.yaml").path
            let file = "\(dir)/g.yaml"
            try """
                gateway: { id: route-gw, site: Route site }
                dataDirectory: \(dir)
                ups: [ { id: u1, name: UPS 1 } ]
                strings:
                  - { id: s1, ups: u1, cells: 4, registerMap: \(map), modbus: { tcp: { host: 127.0.0.1, port: 1502, unit: 1 } } }
                  - { id: s2, ups: u1, cells: 4, registerMap: \(map), modbus: { tcp: { host: 127.0.0.1, port: 1502, unit: 2 } } }
                """.write(toFile: file, atomically: true, encoding: .utf8)
            config = try GatewayConfig.load(file: file)
            model = LiveModel(topology: config.topology)
            var cells = CellColumns(count: 4)
            cells.voltage = [13512, 13498, 13601, 13455]
            cells.resistance = [4100, 4200, 4300, 4400]
            var values = StringValues()
            values.voltage = 54066
            values.current = -1250
            model.apply(StringSample(stringIndex: 0, time: Date(timeIntervalSince1970: 1_764_560_000.123), values: values, cells: cells))
            let path = "\(dir)/history.sqlite"
            store = try DatabaseQueue(label: "routes") {
                try GatewayDatabase(path: path, parts: [AlarmTables.schema, NotificationTables.schema, WebTables.schema, RemoteAccessTables.schema])
            }
            limits = LimitOverrides(settings: config.alarms, overrides: [:])
            backend = FakeSettings(config: config)
            server = WebServer(settings: WebSettings(), limits: limits, dataDirectory: dir, model: model, store: store, version: "test",
                               backend: backend, logger: Logger(label: "routes"))
            _ = try await WebUsers.setPassword("admin-pass-123", for: "op", mustChange: false, store: store, cost: 4)
        }

        deinit { try? FileManager.default.removeItem(atPath: dir) }

        /// Runs `body` against the router, logged in as an administrator: a cookie and its CSRF token.
        func asAdministrator(_ body: @Sendable (any TestClientProtocol, _ cookie: String, _ csrf: String) async throws -> Void) async throws {
            let app = Application(router: server.router())
            try await app.test(.router) { client in
                let login = try await client.post("/login", form: ["username": "op", "password": "admin-pass-123"])
                #expect(login.status == .found)
                let token = try #require(login.headers[values: .setCookie].first { $0.hasPrefix("bmgw_session=") }?
                    .dropFirst("bmgw_session=".count).prefix { $0 != ";" })
                let cookie = "bmgw_session=\(token)"
                let page = String(buffer: try await client.get("/settings/email", cookie: cookie).body)
                let csrf = try #require(page.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.1) })
                try await body(client, cookie, csrf)
            }
        }
    }

    @Test func withoutASessionPagesGoToTheLoginAndTheAPIAnswers401() async throws {
        let f = try await Fixture()
        try await Application(router: f.server.router()).test(.router) { client in
            let page = try await client.get("/strings/s1")
            #expect(page.status == .found && page.headers[.location] == "/login")
            #expect(try await client.get("/api/v1/live").status == .unauthorized)
            let wrong = try await client.post("/login", form: ["username": "op", "password": "wrong"])
            #expect(wrong.status == .unauthorized && String(buffer: wrong.body).contains("Wrong user name or password."))
        }
    }

    @Test func theLiveAPIIsTheModelInDisplayUnits() async throws {
        let f = try await Fixture()
        try await f.asAdministrator { client, cookie, _ in
            let live = try JSONDecoder().decode(Live.self, from: Data(String(buffer: try await client.get("/api/v1/live", cookie: cookie).body).utf8))
            let s1 = try #require(live.strings.first { $0.id == "s1" })
            #expect(s1.voltage == 54.066 && s1.current == -1.25 && s1.cellVoltageMin == 13.455 && s1.cellVoltageMax == 13.601)
            #expect(s1.time == "2025-12-01T03:33:20.123Z" && s1.quality == "ok")
            #expect(live.strings.first { $0.id == "s2" }?.time == nil)
            #expect(live.ups.first?.cellVoltageMinAt == "s1 cell 4" && live.ups.first?.stringsOK == 1)
            let detail = try await client.get("/api/v1/strings/s1", cookie: cookie)
            let cells = try JSONDecoder().decode(LiveSummary.StringDetail.self, from: Data(String(buffer: detail.body).utf8)).cells
            #expect(cells.map(\.resistance) == [4.1, 4.2, 4.3, 4.4])
            let missing = try await client.get("/api/v1/strings/nope", cookie: cookie)
            #expect(missing.status == .notFound && String(buffer: missing.body).contains("no such string"))
            let channel = try await client.get("/api/v1/notifications?channel=fax", cookie: cookie)
            #expect(channel.status == .badRequest && String(buffer: channel.body).contains("channel: 'fax' is not email or sms"))
        }
    }

    struct Live: Decodable {
        let ups: [LiveSummary.Group], strings: [LiveSummary.StringLine]
    }

    @Test func aLimitIsCheckedFieldByFieldAndAppliesAtOnce() async throws {
        let f = try await Fixture()
        try await f.asAdministrator { client, cookie, csrf in
            let configured = f.limits.effective(forString: "s1")[.cellVoltageHigh]
            let bad = try await client.post("/strings/s1/limits/cellVoltageHigh", form: ["csrf": csrf, "limit": "40", "enabled": "maybe"], cookie: cookie)
            let text = String(buffer: bad.body)
            #expect(bad.status == .badRequest && text.contains("id=\"cellVoltageHigh-limit-problem\">40") && text.contains("id=\"cellVoltageHigh-enabled-problem\">"))
            #expect(f.limits.effective(forString: "s1")[.cellVoltageHigh] == configured && configured?.limit != 13000, "nothing changed")
            let noToken = try await client.post("/strings/s1/limits/cellVoltageHigh", form: ["limit": "13.0"], cookie: cookie)
            #expect(noToken.status == .forbidden)
            let saved = try await client.post("/strings/s1/limits/cellVoltageHigh", form: ["csrf": csrf, "limit": "13.0", "hysteresis": "0.01", "onDelay": "0s"],
                                              cookie: cookie)
            #expect(saved.status == .ok && String(buffer: saved.body).contains("Saved Cell voltage high"))
            // In force at once, in memory, for the engine and the notifier; and the database's record.
            #expect(f.limits.effective(forString: "s1")[.cellVoltageHigh]?.limit == 13000)
            #expect(f.limits.effective(forString: "s2")[.cellVoltageHigh]?.limit != 13000)
            #expect(try f.store.sync { try LimitStore(db: $0.db).all() }["s1"]?[.cellVoltageHigh]?.limit == 13000)
            #expect(try f.store.sync { try UserStore(db: $0.db).auditLog() }.first?.detail.contains("string s1 cellVoltageHigh") == true)
        }
    }

    @Test func aSettingsSectionWithAMistakeNamesTheFieldAndSavesNothing() async throws {
        let f = try await Fixture()
        try await f.asAdministrator { client, cookie, csrf in
            let form = ["csrf": csrf, "email.host": "smtp.example.org", "email.port": "70000", "email.security": "starttls",
                        "email.from": "gw@example.org", "email.verifyCertificate": "true"]
            let bad = try await client.post("/settings/email", form: form, cookie: cookie)
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("id=\"email.port-problem\">"), "\(String(buffer: bad.body).suffix(1500))")
            #expect(f.backend.saves.withLock { $0 } == 0)
            var good = form
            good["email.port"] = "587"
            let saved = try await client.post("/settings/email", form: good, cookie: cookie)
            #expect(saved.status == .ok, "\(String(buffer: saved.body).suffix(1500))")
            #expect(f.backend.current.notifications.email?.port == 587 && f.backend.saves.withLock { $0 } == 1)
            // A test message: the address checked first, then handed to the backend (the gateway's notifier).
            let wrong = try await client.post("/settings/email/test", form: ["csrf": csrf, "to": "not an address"], cookie: cookie)
            #expect(wrong.status == .badRequest && String(buffer: wrong.body).contains("to: not an e-mail address"))
            let sent = try await client.post("/settings/email/test", form: ["csrf": csrf, "to": "oncall@example.org"], cookie: cookie)
            #expect(sent.status == .ok && String(buffer: sent.body).contains("Test e-mail sent; see the e-mail log."))
            #expect(f.backend.tests.withLock { $0 } == [.init(channel: .email, to: "oncall@example.org")])
        }
    }
}

extension RouteTests {
    /// The battery page: the plant's data sheet and a row per string, checked like the file.
    @Test func theBatteryDataPageSavesThePlantAndAStringsOwnValues() async throws {
        let f = try await Fixture()
        try await f.asAdministrator { client, cookie, csrf in
            let page = String(buffer: try await client.get("/settings/battery", cookie: cookie).body)
            #expect(page.contains("Rated discharge time (h)") && page.contains("Strings with their own data"))
            var form = ["csrf": csrf, "technology": "vrlaAGM", "capacityAh": "150", "ratedHours": "8", "endCellVoltage": "10.5",
                        "cellVoltage": "12", "replacement.capacityPercent": "85",
                        "temperatureCorrection[0].celsius": "20", "temperatureCorrection[0].factor": "0.94",
                        "temperatureCorrection[1].celsius": "30", "temperatureCorrection[1].factor": "1.05",
                        "strings[0].string": "s2", "strings[0].capacityAh": "200", "strings[0].endCellVoltage": "13"]
            let bad = try await client.post("/settings/battery", form: form, cookie: cookie)
            let text = String(buffer: bad.body)
            #expect(bad.status == .badRequest && text.contains("must be below cellVoltage"), "\(text.suffix(1500))")
            #expect(f.backend.saves.withLock { $0 } == 0)
            form["strings[0].endCellVoltage"] = "10.8"
            let saved = try await client.post("/settings/battery", form: form, cookie: cookie)
            #expect(saved.status == .ok, "\(String(buffer: saved.body).suffix(1500))")
            let strings = f.backend.current.topology.strings
            #expect(strings[0].battery.capacity == 150_000 && strings[0].battery.ratedHours == 8 && strings[0].battery.technology == .vrlaAGM)
            #expect(strings[1].battery.capacity == 200_000 && strings[1].battery.endCellVoltage == 10_800 && strings[1].battery.ratedHours == 8)
            #expect(strings[1].battery.replacement.capacityPercent == 85 && strings[0].battery.temperatureCorrection?.count == 2)
            #expect(BatteryRating(strings[0].battery).temperatureFactor(celsius: 25) == 0.995)
            // A row for a string that does not exist is named.
            form["strings[0].string"] = "s9"
            let unknown = try await client.post("/settings/battery", form: form, cookie: cookie)
            #expect(unknown.status == .badRequest && String(buffer: unknown.body).contains("s9&#39; is not a string id defined under strings"))
        }
    }
}

/// A settings backend without a gateway: each save is checked by the real configuration loader
/// (the same call the gateway makes) and kept in memory; test messages are recorded.
final class FakeSettings: SettingsBackend {
    struct Test: Equatable, Sendable {
        let channel: NotificationChannel, to: String
    }

    private let state: Mutex<(config: GatewayConfig, document: SettingsDocument)>
    let saves = Mutex(0)
    let tests = Mutex<[Test]>([])

    init(config: GatewayConfig) {
        state = Mutex((config, SettingsDocument()))
    }

    var current: GatewayConfig { state.withLock { $0.config } }

    func pairs(section: String) throws -> [String: String] {
        let document = state.withLock { $0.document }
        if document.sections.contains(section) { return document.section(section) }
        return SettingsDocument(yaml: try String(contentsOfFile: current.file, encoding: .utf8))?.section(section) ?? [:]
    }

    func apply(section: String, update: @escaping @Sendable ([String: String]) -> [String: String]) async throws -> SettingsOutcome {
        let before = try pairs(section: section)
        let after = update(before)
        var document = state.withLock { $0.document }
        document.replace(section: section, with: after)
        let new = try GatewayConfig.load(file: current.file, settingsText: try document.yaml())
        state.withLock { $0 = (new, document) }
        saves.withLock { $0 += 1 }
        var outcome = SettingsOutcome()
        (outcome.before, outcome.after) = (before, after)
        return outcome
    }

    func sendTest(channel: NotificationChannel, to: String) async -> String? {
        tests.withLock { $0.append(Test(channel: channel, to: to)) }
        return nil
    }

    func uplinkState() -> [(String, String)]? { nil }

    func usersChanged() async {}
}

extension TestClientProtocol {
    func get(_ uri: String, cookie: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        return try await execute(uri: uri, method: .get, headers: headers)
    }

    func post(_ uri: String, form: [String: String], cookie: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let cookie { headers[.cookie] = cookie }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body = form.map { "\($0.key.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }
}
