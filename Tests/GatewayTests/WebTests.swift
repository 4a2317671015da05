import BatteryModel
import Foundation
import GatewayApp
import GatewayServices
import HummingbirdBcrypt
import Simulator
import Storage
import TestSupport
import Testing
import Alarms
import WebUI

/// curl against the running gateway's HTTPS server: certificate checked against the gateway's own
/// self-signed one, cookies kept in a jar.
struct Browser {
    let base: String
    let ca: String
    let jar: String
    let dir: String

    struct Reply {
        let status: Int
        let headers: String
        let body: String
        func header(_ name: String) -> String? {
            headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        }
    }

    /// Off Swift's cooperative threads: the server under test needs them (two cores: two threads).
    func request(_ path: String, form: [String: String]? = nil, url: String? = nil, curl extra: [String] = []) async throws -> Reply {
        try await offPool { try requestBlocking(path, form: form, url: url, curl: extra) }
    }

    /// A multipart upload of `file` as field `field`, with the page's CSRF token.
    func upload(_ path: String, field: String, file: String, csrf: String) async throws -> Reply {
        try await request(path, curl: ["-F", "csrf=\(csrf)", "-F", "\(field)=@\(file)"])
    }

    /// A JSON POST.
    func post(_ path: String, json: String) async throws -> Reply {
        try await request(path, curl: ["-H", "Content-Type: application/json", "--data-binary", json])
    }

    func requestBlocking(_ path: String, form: [String: String]?, url: String?, curl extra: [String] = []) throws -> Reply {
        let headers = "\(dir)/headers-\(UUID().uuidString.prefix(6))", body = "\(dir)/body-\(UUID().uuidString.prefix(6))"
        var args = ["-s", "--cacert", ca, "-b", jar, "-c", jar, "-D", headers, "-o", body, "-w", "%{http_code}"] + extra
        if let form {
            for (k, v) in form.sorted(by: { $0.key < $1.key }) { args += ["--data-urlencode", "\(k)=\(v)"] }
        }
        let (_, code) = try run("curl", args + [url ?? base + path])
        let h = (try? String(contentsOfFile: headers, encoding: .utf8)) ?? ""
        let b = (try? String(contentsOfFile: body, encoding: .utf8)) ?? ""
        return Reply(status: Int(code.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, headers: h, body: b)
    }

    /// Logs in as the default administrator and sets a password; returns a page's CSRF token.
    func loginAsNewAdministrator(password: String = "admin-pass-123") async throws -> String {
        _ = try await request("/login", form: ["username": "admin", "password": "admin"])
        let first = try #require(Self.csrf(try await request("/password").body))
        _ = try await request("/password", form: ["csrf": first, "current": "admin", "new": password, "confirm": password])
        return try #require(Self.csrf(try await request("/settings").body))
    }

    /// The hidden CSRF field of a page.
    static func csrf(_ page: String) -> String? {
        guard let r = page.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(page[r.upperBound...].prefix { $0 != "\"" })
    }
}

/// A gateway with two simulated strings of 8 cells and its web UI on a free port (HTTPS only unless
/// `redirect` is given); returns when the HTTPS port answers and the certificate exists.
func startWebGateway(_ dir: TempDir, redirect: Int? = nil, cells: Int = 8, extra: String = "") async throws
    -> (gw: RunningGateway, sim: PlantSimulator, modbus: Int, https: Int) {
    let (sim, port) = try startSimulator(units: [1, 2], cells: cells)
    let https = try freePort()
    let gw = try RunningGateway(configFile: try dir.write("g.yaml", configText(
        data: dir.path, endpoints: [.tcp(port: port, unit: 1), .tcp(port: port, unit: 2)], cells: cells,
        extra: "web: { listen: \"127.0.0.1:\(https)\", redirectFrom: \"\(redirect.map { "127.0.0.1:\($0)" } ?? "")\" }\n" + extra)))
    // Generous: the whole suite starts at once on two cores.
    #expect(await eventually(30) { accepts(port: https) && FileManager.default.fileExists(atPath: "\(dir.path)/web-cert.pem") })
    return (gw, sim, port, https)
}

@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(2))) struct WebTests {
    @Test func loginForcedPasswordChangeAndTheLiveData() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let http = try freePort()
        let (gw, sim, port, https) = try await startWebGateway(dir, redirect: http)
        try pin(port, unit: 2, [(1002, [12345])])  // cell 3 of s2
        #expect(await eventually { gw.model.string(1).sample?.cells.voltage[2] == 12345 })
        let browser = Browser(base: "https://127.0.0.1:\(https)", ca: "\(dir.path)/web-cert.pem", jar: "\(dir.path)/cookies", dir: dir.path)

        // Plain HTTP only redirects; without a session, pages go to the login and the API says 401.
        let redirect = try await browser.request("", url: "http://127.0.0.1:\(http)/strings/s2?x=1")
        #expect(redirect.status == 301 && redirect.header("Location") == "https://127.0.0.1:\(https)/strings/s2?x=1")
        let root = try await browser.request("", url: "http://127.0.0.1:\(http)/")
        #expect(root.status == 301 && root.header("Location") == "https://127.0.0.1:\(https)/", "the bare address too")
        #expect(try await browser.request("/").header("Location") == "/login")
        let api = try await browser.request("/api/v1/live")
        #expect(api.status == 401 && api.body.contains("login required"))
        let login = try await browser.request("/login")
        #expect(login.status == 200 && login.body.contains("name=\"password\"") && login.body.contains("bmgw \(Gateway.version)"))
        #expect(login.header("Strict-Transport-Security") != nil && login.header("X-Frame-Options") == "DENY")

        // The default administrator: logged in, then forced to the password page.
        let first = try await browser.request("/login", form: ["username": "admin", "password": "admin"])
        #expect(first.status == 302 && first.header("Location") == "/password")
        let cookie = try #require(first.header("Set-Cookie"))
        #expect(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "\(cookie)")
        #expect(try await browser.request("/").header("Location") == "/password", "nothing else until the password is changed")
        #expect(try await browser.request("/api/v1/live").status == 403)
        let passwordPage = try await browser.request("/password")
        let csrf = try #require(Browser.csrf(passwordPage.body))
        #expect(try await browser.request("/password", form: ["current": "admin", "new": "a-long-password-1", "confirm": "a-long-password-1"]).status == 403,
                "no CSRF token: refused")
        let weak = try await browser.request("/password", form: ["csrf": csrf, "current": "wrong", "new": "short", "confirm": "other"])
        #expect(weak.status == 400)
        #expect(weak.body.contains("id=\"current-problem\">is not your current password"))
        #expect(weak.body.contains("id=\"new-problem\">must be at least 10 characters"))
        #expect(weak.body.contains("id=\"confirm-problem\">does not match the new password"))
        let changed = try await browser.request("/password", form: ["csrf": csrf, "current": "admin", "new": "a-long-password-1", "confirm": "a-long-password-1"])
        #expect(changed.status == 302 && changed.header("Location") == "/")
        let store = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: dir.path), readOnly: true)
        #expect(try UserStore(db: store.db).auditLog().first?.action == "password changed")
        #expect(try UserStore(db: store.db).user(named: "admin")?.mustChange == false)

        // The real-time data: the page and the API show the model's values.
        let overview = try await browser.request("/")
        #expect(overview.status == 200 && overview.body.contains("<a href=\"/strings/s2\">s2</a>"))
        let cells = try await browser.request("/strings/s2")
        #expect(cells.body.contains("<tr data-cell=\"3\"><td><a href=\"/strings/s2/cells/3\">3</a></td><td data-key=\"voltage\">12.345</td>"),
                "the injected cell voltage, the cell number opening the cell's page")
        let live = try JSONSerialization.jsonObject(with: Data(try await browser.request("/api/v1/live").body.utf8)) as? [String: Any]
        let strings = try #require(live?["strings"] as? [[String: Any]])
        #expect(strings.map { $0["id"] as? String } == ["s1", "s2"])
        #expect(strings[1]["cellVoltageMin"] as? Double == 12.345 || (strings[1]["cellVoltageMin"] as? Double ?? 99) < 12.345)
        let detail = try JSONSerialization.jsonObject(with: Data(try await browser.request("/api/v1/strings/s2").body.utf8)) as? [String: Any]
        let third = try #require((detail?["cells"] as? [[String: Any]])?[2])
        #expect(third["cell"] as? Int == 3 && third["voltage"] as? Double == 12.345)
        #expect(try await browser.request("/api/v1/strings/nope").status == 404)

        // History: the injected cell voltage is in the stored series (API, CSV, plot page); wrong parameters named.
        let historyURL = "/api/v1/strings/s2/history?quantity=voltage&cell=3&from=10m&points=20"
        var history = ""
        for _ in 0..<40 where !history.contains("\"min\":12.345") {  // below the other samples' 13.6 V
            history = try await browser.request(historyURL).body
            if !history.contains("\"min\":12.345") { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(history.contains("\"min\":12.345"), "the pinned value in the history: \(history.prefix(600))")
        let badHistory = try await browser.request("/api/v1/strings/s2/history?quantity=volts&cell=99&from=yesterday")
        #expect(badHistory.status == 400 && badHistory.body.contains("cell: '99' is not a cell number from 1 to 8")
                && badHistory.body.contains("from: 'yesterday' is not a time"))
        // The plot page: the series as the plot's data, lowest value of its bucket first.
        let plot = try await browser.request("/strings/s2/history?quantity=cell-voltage&cells=3&period=1h")
        #expect(plot.status == 200 && plot.body.contains("<div class=\"plot\" data-plot=\"plot\">") && plot.body.contains("Cell voltage (V)")
                && plot.body.contains(",[12.345,") && plot.body.contains("\"labels\":[\"time\",\"cell 3\"]"), "\(plot.body.suffix(1500))")
        let badPlot = try await browser.request("/strings/s2/history?quantity=cell-volts&cells=99")
        #expect(badPlot.status == 400 && badPlot.body.contains("id=\"quantity-problem\">&#39;cell-volts&#39; is not one of"))
        let historyCSV = try await browser.request("/strings/s2/history.csv?quantity=voltage&cell=3&from=10m").body.split(separator: "\n")
        #expect(historyCSV.first == "time,min,mean,max,samples" && historyCSV.count >= 2 && historyCSV.dropFirst().contains { $0.contains(",12.345,") })

        // A string's alarm limits: each wrong field named; a good change stored, audited and applied.
        let limits = try await browser.request("/strings/s1/limits")
        #expect(limits.status == 200 && limits.body.contains("form id=\"f-cellVoltageHigh\""))
        let limitsCSRF = try #require(Browser.csrf(limits.body))
        let bad = try await browser.request("/strings/s1/limits/cellVoltageHigh", form: ["csrf": limitsCSRF, "limit": "40", "enabled": "maybe"])
        #expect(bad.status == 400)
        #expect(bad.body.contains("id=\"cellVoltageHigh-limit-problem\">40"), "the limit field says what is wrong")
        #expect(bad.body.contains("id=\"cellVoltageHigh-enabled-problem\">"), "and so does the switch")
        #expect(bad.body.contains("value=\"40\""), "the submitted value is kept in the form")
        #expect(try await browser.request("/strings/s1/limits/cellVoltageHigh", form: ["limit": "13.0"]).status == 403, "no CSRF token")
        let saved = try await browser.request("/strings/s1/limits/cellVoltageHigh",
                                        form: ["csrf": limitsCSRF, "limit": "13.0", "hysteresis": "0.01", "onDelay": "0s"])
        #expect(saved.status == 200 && saved.body.contains("Saved Cell voltage high"), "\(saved.body.prefix(300))")
        #expect(try LimitStore(db: store.db).all()["s1"]?[.cellVoltageHigh]?.limit == 13000)
        #expect(try UserStore(db: store.db).auditLog().first?.detail.contains("string s1 cellVoltageHigh") == true)
        #expect(await eventually(15) { (try? activeAlarms(dir))?.filter { $0.hasPrefix("s1 cellVoltageHigh ") }.count == 8 },
                "every cell of s1 floats above 13.0 V: the alarm engine applied the new limit")
        let limitsJSON = try await browser.request("/api/v1/strings/s1/limits").body
        #expect(limitsJSON.contains("\"limit\":13,") && limitsJSON.contains("\"source\":\"run-time\""), "\(limitsJSON.prefix(400))")

        // The alarm tab: the table, the JSON, the CSV download with a row per alarm, a wrong page named.
        let alarmsPage = try await browser.request("/alarms?active=1")
        #expect(alarmsPage.status == 200 && alarmsPage.body.contains("<td>Cell voltage high</td><td class=\"active\">active</td>"))
        let alarmsJSON = try #require(try JSONSerialization.jsonObject(with: Data(try await browser.request("/api/v1/alarms?active=1").body.utf8)) as? [String: Any])
        let total = try #require(alarmsJSON["total"] as? Int)
        #expect(total >= 8 && (alarmsJSON["alarms"] as? [[String: Any]])?.first?["status"] as? String == "active")
        let csv = try await browser.request("/alarms.csv?active=1")
        #expect(csv.header("Content-Disposition")?.contains("alarms.csv") == true)
        let csvLines = csv.body.split(separator: "\n")
        #expect(csvLines.first == "id,ups,string,cell,from,to,alarm,type,status,value,limit,unit" && csvLines.count == total + 1)
        #expect(csvLines.dropFirst().contains { $0.contains(",s1,") && $0.contains("cellVoltageHigh,active,") && $0.hasSuffix(",13.000,V") })
        let wrongPage = try await browser.request("/api/v1/alarms?page=zero")
        #expect(wrongPage.status == 400 && wrongPage.body.contains("page: 'zero' is not a whole number"))
        #expect(try await browser.request("/alarms/email").status == 200)
        #expect(try await browser.request("/alarms/sms").body.contains("<table id=\"log\">"))

        // A viewer sees the limits but cannot change them.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let rw = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: dir.path))
        try UserStore(db: rw.db).add(username: "viewer", fullName: "Viewer", isAdmin: false, passwordHash: Bcrypt.hash("viewer-password-1", cost: 4),
                                     mustChange: false, now: now)
        let viewer = Browser(base: browser.base, ca: browser.ca, jar: "\(dir.path)/jar4", dir: dir.path)
        #expect(try await viewer.request("/login", form: ["username": "viewer", "password": "viewer-password-1"]).header("Location") == "/")
        let seen = try await viewer.request("/strings/s1/limits")
        #expect(seen.status == 200 && seen.body.contains("Only administrators change alarm limits.") && !seen.body.contains("form id=\"f-"))
        let viewerCSRF = try #require(Browser.csrf(seen.body))
        #expect(try await viewer.request("/strings/s1/limits/cellVoltageHigh", form: ["csrf": viewerCSRF, "limit": "14.0"]).status == 403)
        #expect(try LimitStore(db: store.db).all()["s1"]?[.cellVoltageHigh]?.limit == 13000, "unchanged")

        // Logout needs the token too; afterwards the old cookie is worth nothing.
        let page = try await browser.request("/")
        let token = try #require(Browser.csrf(page.body))
        #expect(try await browser.request("/logout", form: ["csrf": "forged"]).status == 403)
        #expect(try await browser.request("/logout", form: ["csrf": token]).header("Location") == "/login")
        #expect(try await browser.request("/").header("Location") == "/login")

        // An unknown user gets the same answer as a wrong password.
        let stranger = try await Browser(base: browser.base, ca: browser.ca, jar: "\(dir.path)/jar3", dir: dir.path)
            .request("/login", form: ["username": "mallory", "password": "whatever"])
        #expect(stranger.status == 401 && stranger.body.contains("Wrong user name or password."))

        // Five failures from one address (the unknown user's and four wrong passwords): then even the right password waits.
        let other = Browser(base: browser.base, ca: browser.ca, jar: "\(dir.path)/jar2", dir: dir.path)
        for _ in 0..<4 { #expect(try await other.request("/login", form: ["username": "admin", "password": "guess"]).status == 401) }
        let throttled = try await other.request("/login", form: ["username": "admin", "password": "a-long-password-1"])
        #expect(throttled.status == 429 && throttled.header("Retry-After") != nil)

        try await gw.stop()
        await sim.stop()
    }
}
