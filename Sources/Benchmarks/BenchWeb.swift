import BatteryModel
import Foundation
import GatewayConfig
import GatewayServices
import CurlClient
import Logging
import ServiceLifecycle
import Storage
import Synchronization
import WebUI

/// The web UI under load: a full-size gateway (embedded simulator, 32 × 120 cells, a year of history
/// for string a1) serving HTTPS on loopback; 50 libcurl clients on threads of this process, each on
/// its own kept-alive TLS connection. Times are seen by the clients on the same two cores as the
/// server, so they are an upper bound of the server's own time.
enum BenchWeb {
    static let clients = 50, perClient = 100

    static func run(mapFile: String, logger: Logger) async throws {
        guard CurlEasy.ready else { throw BenchError.libcurl }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bmgw-bench-web-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (simPort, https) = (try freePort(), try freePort())
        let map = mapFile.hasPrefix("/") ? mapFile : FileManager.default.currentDirectoryPath + "/" + mapFile
        var yaml = """
            gateway: { id: bench, site: Bench }
            dataDirectory: \(dir)
            log: { level: critical }
            history: { retention: 400d }
            simulator: { enabled: true, listen: "127.0.0.1:\(simPort)", seed: 1 }
            web: { listen: "127.0.0.1:\(https)", redirectFrom: "" }
            ups: [ { id: ups-a, name: UPS A }, { id: ups-b, name: UPS B }, { id: ups-c, name: UPS C }, { id: ups-d, name: UPS D } ]
            strings:

            """
        for i in 0..<32 {
            let id = "\(["a", "b", "c", "d"][i / 8])\(i % 8 + 1)"
            yaml += "  - { id: \(id), ups: ups-\(["a", "b", "c", "d"][i / 8]), cells: 120, registerMap: \(map), modbus: { tcp: { host: 127.0.0.1, port: \(simPort), unit: \(i + 1) } } }\n"
        }
        let file = "\(dir)/bench.yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let config = try GatewayConfig.load(file: file)

        // A year of a1 at one sample a minute, in the database before the gateway opens it.
        let hour: Int64 = 3_600_000
        let now = Timestamp.now.millis / hour * hour
        let fill = ContinuousClock.now
        do {
            let store = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: dir), parts: Gateway.tables)
            let key = try store.register(config.topology)[0]
            try BenchStorage.fillYear(store, key: key, from: now - 365 * 24 * hour, to: now)
            while try store.rollUpNext(stringKey: key, before: now) {}
        }
        let filled = Bench.stats([ContinuousClock.now - fill]).median / 1000

        let gateway = try Gateway(config: config, logger: logger)
        try await WebUsers.setPassword("bench-password-1", for: "bench", mustChange: false, store: gateway.store, cost: 4)
        let group = gateway.serviceGroup(signals: [])
        let task = Task { try await group.run() }
        defer { task.cancel() }
        let ca = "\(dir)/web-cert.pem", base = "https://127.0.0.1:\(https)"
        for _ in 0..<300 where !(FileManager.default.fileExists(atPath: ca) && gateway.model.snapshot().strings.allSatisfy { $0.sample != nil }) {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(1))
        guard let login = HTTPLoadClient(ca: ca), login.post("\(base)/login", form: "username=bench&password=bench-password-1").status == 302,
              let token = login.cookie else {
            Bench.say("\nWeb: the benchmark could not log in; skipped")
            await group.triggerGracefulShutdown()
            return
        }

        let reference = await measure("\(base)/static/app.css", token: token, ca: ca)
        let page = await measure("\(base)/strings/a1", token: token, ca: ca)
        let api = await measure("\(base)/api/v1/strings/a1", token: token, ca: ca)
        let overview = await measure("\(base)/", token: token, ca: ca)
        let single = await measure("\(base)/strings/a1", token: token, ca: ca, clients: 1, perClient: 200)
        var lines = """

            Web UI, full-size gateway running (32 × 120 cells, 1 s poll), HTTPS on loopback, \(clients) clients × \(perClient) requests,
            each client a libcurl handle on its own thread and kept-alive connection (times seen by the clients, same 2 cores):
            """
        for (name, r) in [("static CSS (reference: TLS + HTTP + session)", reference), ("120-cell string page /strings/a1", page),
                          ("120-cell string JSON /api/v1/strings/a1", api), ("real-time page of 32 strings /", overview),
                          ("/strings/a1, one client alone", single)] {
            lines += "\n  \(name) (\(r.bytes / 1024) KiB): server p50 \(Bench.fmt(r.server50)) ms, p99 \(Bench.fmt(r.server99)) ms, max \(Bench.fmt(r.serverMax)) ms;"
                + " client p50 \(Bench.fmt(r.p50)) ms, p99 \(Bench.fmt(r.p99)) ms; \(Int(r.rate)) req/s" + (r.errors > 0 ? ", \(r.errors) errors" : "")
        }
        lines += "\n  throughput ratio string page / reference \(Bench.fmt(page.rate / max(reference.rate, 1), 3)), JSON / reference \(Bench.fmt(api.rate / max(reference.rate, 1), 3));"
            + " goal: server p99 ≤ 20 ms for the page and the API (page \(Bench.fmt(page.server99)) ms, API \(Bench.fmt(api.server99)) ms)"

        // The one-year plot, one request at a time (the page renders the SVG from 600 buckets).
        var plots: [String] = []
        for (name, query, api) in [("cell 61 voltage", "quantity=cell-voltage&cells=61", "quantity=voltage&cell=61"),
                                   ("string current", "quantity=current", "quantity=current")] {
            let r = await measure("\(base)/strings/a1/history?\(query)&period=365d", token: token, ca: ca, clients: 1, perClient: 10)
            // The same series as JSON (reference: the store's query without the page).
            let j = await measure("\(base)/api/v1/strings/a1/history?\(api)&from=365d&points=600", token: token, ca: ca, clients: 1, perClient: 10)
            plots.append("\(name): server median \(Bench.fmt(r.server50)) ms, max \(Bench.fmt(r.serverMax)) ms (client \(Bench.fmt(r.p50)) ms, \(r.bytes / 1024) KiB; "
                + "the same series as JSON \(Bench.fmt(j.server50)) ms)")
        }
        lines += "\n  one-year history plot page of a1 (525 600 samples generated in \(Bench.fmt(filled, 0)) s, hourly rollups): " + plots.joined(separator: "; ")
        lines += "\n" + browserTimes(base: base)
        Bench.say(lines)
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// In headless Chromium (scripts/peers/web_timing.py): navigation to a drawn one-year plot and to the
    /// drawn heatmap of 3840 cells, and each page type's weight; skipped where Chromium is not installed.
    static func browserTimes(base: String) -> String {
        let script = FileManager.default.currentDirectoryPath + "/scripts/peers/web_timing.py"
        guard FileManager.default.fileExists(atPath: script), FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") else {
            return "  browser timings: skipped (needs chromium, chromium-driver and selenium: scripts/install-deps.sh --test)"
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "--url", base, "--user", "bench", "--password", "bench-password-1"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return "  browser timings: \(error)" }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }

    enum BenchError: Error { case libcurl }

    struct Result {
        var p50 = 0.0, p99 = 0.0, max = 0.0, rate = 0.0, bytes = 0, errors = 0
        /// The server's own time per request (its Server-Timing header).
        var server50 = 0.0, server99 = 0.0, serverMax = 0.0
    }

    /// `clients` threads, each warmed up with 3 requests, then started together for `perClient` requests.
    static func measure(_ url: String, token: String, ca: String, clients: Int = clients, perClient: Int = perClient) async -> Result {
        await withCheckedContinuation { (done: CheckedContinuation<Result, Never>) in
            Thread.detachNewThread {
                let times = Mutex<[Double]>([]), serverTimes = Mutex<[Double]>([])
                let errors = Atomic<Int>(0), bytes = Atomic<Int>(0)
                let ready = DispatchSemaphore(value: 0), go = DispatchGroup(), finished = DispatchGroup()
                go.enter()
                for _ in 0..<clients {
                    finished.enter()
                    Thread.detachNewThread {
                        defer { finished.leave() }
                        guard let client = HTTPLoadClient(ca: ca) else {
                            errors.add(perClient, ordering: .relaxed)
                            ready.signal()
                            return
                        }
                        client.cookie = token
                        for _ in 0..<3 { _ = client.get(url) }
                        ready.signal()
                        go.wait()
                        var mine: [Double] = [], server: [Double] = []
                        mine.reserveCapacity(perClient)
                        server.reserveCapacity(perClient)
                        for _ in 0..<perClient {
                            let start = ContinuousClock.now
                            let (status, n) = client.get(url)
                            let d = ContinuousClock.now - start
                            mine.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
                            if status != 200 { errors.add(1, ordering: .relaxed) }
                            if let t = client.serverTime { server.append(t) }
                            bytes.store(n, ordering: .relaxed)
                        }
                        times.withLock { $0 += mine }
                        serverTimes.withLock { $0 += server }
                    }
                }
                for _ in 0..<clients { ready.wait() }
                let start = ContinuousClock.now
                go.leave()
                finished.wait()
                let wall = ContinuousClock.now - start
                let sorted = times.withLock { $0 }.sorted()
                var r = Result()
                if !sorted.isEmpty {
                    r.p50 = sorted[sorted.count / 2]
                    r.p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
                    r.max = sorted.last ?? 0
                }
                let onServer = serverTimes.withLock { $0 }.sorted()
                if !onServer.isEmpty {
                    r.server50 = onServer[onServer.count / 2]
                    r.server99 = onServer[min(onServer.count - 1, Int(Double(onServer.count) * 0.99))]
                    r.serverMax = onServer.last ?? 0
                }
                r.rate = Double(sorted.count) / max(Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18, 1e-9)
                r.bytes = bytes.load(ordering: .relaxed)
                r.errors = errors.load(ordering: .relaxed)
                done.resume(returning: r)
            }
        }
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
