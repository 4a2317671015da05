import BatteryModel
import Foundation
import GatewayConfig
import GatewayServices
import StatusServer
import Storage

/// Start-up with a full-size year of history: `bmgw run` as its own process against a separate
/// simulator (32 × 120), timed from the spawn to the first live status with every string polled, the
/// first web page served and the first SNMP answer; with a year of history (32 strings × 525 600
/// samples and their hourly rollups, about 18 GB) against the same gateway with a fresh database,
/// in the same run. The year is generated once into the temporary folder and kept for later runs.
enum BenchStartup {
    static let strings = 32, runs = 3
    static let goal = 2.0

    static func run(mapFile: String) async throws {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("bmgw-bench-year").path
        let map = mapFile.hasPrefix("/") ? mapFile : FileManager.default.currentDirectoryPath + "/" + mapFile
        let simPort = try BenchWeb.freePort()
        let simulator = try spawn(exe, ["simulate", "--strings", "\(strings)", "--cells", "120", "--tcp", "127.0.0.1:\(simPort)",
                                        "--log-level", "warning"])
        defer { stop(simulator) }

        var lines: [String] = []
        var medians: [String: [Double]] = [:]
        // "cold": the database and the executable are dropped from the page cache before each start
        // (as after a reboot; posix_fadvise, no root needed); the others start with them cached.
        for (name, folder, cold) in [("empty", "empty", false), ("year", "year", false), ("year, cold", "year", true)] {
            let dir = "\(base)/\(folder)"
            if name == "empty" { try? FileManager.default.removeItem(atPath: dir) }
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let ports = Ports(web: try BenchWeb.freePort(), snmp: try BenchWeb.freePort())
            let config = try writeConfig(dir: dir, map: map, simPort: simPort, ports: ports)
            if name == "year" { lines.append(try generateYear(dir: dir, config: config)) }
            let database = Gateway.databasePath(dataDirectory: dir)
            // The first start makes the database, the web certificate and the first user; not timed.
            _ = try await timedStart(exe: exe, config: config, dir: dir, ports: ports)
            let size = Double(fileSize(database)) / 1e9
            var times: [Milestones] = []
            for _ in 0..<runs {
                if cold { [exe, database, database + "-wal"].forEach(dropCache) }
                times.append(try await timedStart(exe: exe, config: config, dir: dir, ports: ports))
            }
            let columns = [times.map(\.polled), times.map(\.served), times.map(\.answered)]
            medians[name] = columns.map { $0.sorted()[$0.count / 2] }
            lines.append("  \(name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(Bench.fmt(size)) GB   polling \(range(columns[0]))   "
                         + "web page \(range(columns[1]))   SNMP \(range(columns[2]))")
        }
        Bench.say("\nStart-up, `bmgw run` as its own process, 32 × 120 from a separate simulator; seconds from the spawn "
                  + "(\(runs) starts each after one untimed; median (min–max)); goal ≤ \(Bench.fmt(goal, 0)) s with a year:")
        lines.forEach { Bench.say($0) }
        for name in ["year", "year, cold"] {
            guard let empty = medians["empty"], let year = medians[name] else { continue }
            let ratios = zip(year, empty).map { Bench.fmt($0 / $1) + "×" }
            Bench.say("  \(name) / empty (medians): polling \(ratios[0]), web page \(ratios[1]), SNMP \(ratios[2]); "
                      + "\(year.allSatisfy { $0 <= goal } ? "within" : "OVER") the goal")
        }
    }

    struct Ports { let web: Int, snmp: Int }

    /// Seconds from the spawn to each milestone.
    struct Milestones { var polled = 0.0, served = 0.0, answered = 0.0 }

    static func writeConfig(dir: String, map: String, simPort: Int, ports: Ports) throws -> String {
        var yaml = """
            gateway: { id: bench-startup, site: Bench }
            dataDirectory: \(dir)
            log: { level: warning }
            history: { retention: 400d }
            snmp: { listen: "udp:127.0.0.1:\(ports.snmp)", community: public }
            web: { listen: "127.0.0.1:\(ports.web)", redirectFrom: "" }
            ups: [ { id: ups-a, name: UPS A }, { id: ups-b, name: UPS B }, { id: ups-c, name: UPS C }, { id: ups-d, name: UPS D } ]
            strings:

            """
        for i in 0..<strings {
            let ups = ["a", "b", "c", "d"][i / 8]
            yaml += "  - { id: \(ups)\(i % 8 + 1), ups: ups-\(ups), cells: 120, registerMap: \(map), "
                + "modbus: { tcp: { host: 127.0.0.1, port: \(simPort), unit: \(i + 1) } } }\n"
        }
        let file = "\(dir)/bench.yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// A year of samples at one a minute for every string, ending now, unless a complete one is there.
    /// One string is simulated and rolled up; the others are copies of its rows under their own keys
    /// (the start-up reads no values, only the tables' extent).
    static func generateYear(dir: String, config file: String) throws -> String {
        let marker = "\(dir)/year-complete"
        if FileManager.default.fileExists(atPath: marker) {
            return "  (the year in \(dir) is reused; delete the folder to generate it again)"
        }
        let started = ContinuousClock.now
        let config = try GatewayConfig.load(file: file)
        let store = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: dir), parts: Gateway.tables)
        try store.db.execute("PRAGMA synchronous = OFF")
        let keys = try store.register(config.topology)
        let hour: Int64 = 3_600_000
        let now = Timestamp.now.millis / hour * hour
        try BenchStorage.fillYear(store, key: keys[0], from: now - 365 * 24 * hour, to: now)
        while try store.rollUpNext(stringKey: keys[0], before: now) {}
        let bits = 42, mask: Int64 = (1 << 42) - 1
        let (low, high) = (keys[0] << bits, (keys[0] + 1) << bits)
        for key in keys.dropFirst() {
            try store.db.transaction {
                try store.db.execute("""
                    INSERT INTO samples SELECT (\(key) << \(bits)) | (key & \(mask)), voltage, current, soc, temperature, humidity, status, cells
                    FROM samples WHERE key >= \(low) AND key < \(high)
                    """)
                try store.db.execute("""
                    INSERT INTO rollups SELECT (\(key) << \(bits)) | (key & \(mask)), samples, string_stats, cell_stats
                    FROM rollups WHERE key >= \(low) AND key < \(high)
                    """)
            }
        }
        try store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        FileManager.default.createFile(atPath: marker, contents: nil)
        let seconds = Bench.stats([ContinuousClock.now - started]).median / 1000
        return "  (a year of \(keys.count) strings generated in \(dir) in \(Bench.fmt(seconds, 0)) s)"
    }

    /// Spawns the gateway, waits for every milestone (at most 120 s) and stops it.
    static func timedStart(exe: String, config: String, dir: String, ports: Ports) async throws -> Milestones {
        let started = ContinuousClock.now
        let gateway = try spawn(exe, ["run", "--config", config], log: "\(dir)/gateway.log")
        defer { stop(gateway) }
        let seconds: @Sendable () -> Double = { Bench.stats([ContinuousClock.now - started]).median / 1000 }
        async let polled = probe(seconds) { allPolled(socket: Gateway.socketPath(dataDirectory: dir)) }
        async let served = probe(seconds) { webPage(port: ports.web, ca: "\(dir)/web-cert.pem") }
        async let answered = probe(seconds) { snmpAnswer(port: ports.snmp) }
        let times = await Milestones(polled: polled, served: served, answered: answered)
        guard gateway.isRunning, [times.polled, times.served, times.answered].allSatisfy({ $0 >= 0 }) else {
            throw StartupError(message: "the gateway did not come up within 120 s: see \(dir)/gateway.log")
        }
        return times
    }

    /// Calls `check` on a thread of its own (it blocks) every 10 ms until it holds: the seconds then, or −1.
    static func probe(_ seconds: @escaping @Sendable () -> Double, _ check: @escaping @Sendable () -> Bool) async -> Double {
        await withCheckedContinuation { done in
            Thread.detachNewThread {
                while seconds() < 120 {
                    if check() {
                        done.resume(returning: seconds())
                        return
                    }
                    usleep(10_000)
                }
                done.resume(returning: -1)
            }
        }
    }

    /// The live status answers and every string has been read.
    static func allPolled(socket: String) -> Bool {
        guard let data = try? StatusSocket.fetch(path: socket),
              let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = doc["strings"] as? [[String: Any]], list.count == strings else { return false }
        return list.allSatisfy { (($0["summary"] as? [String: Any])?["quality"] as? String) == "ok" }
    }

    static func webPage(port: Int, ca: String) -> Bool {
        guard FileManager.default.fileExists(atPath: ca), let client = HTTPLoadClient(ca: ca) else { return false }
        let (status, bytes) = client.get("https://127.0.0.1:\(port)/login")
        return status == 200 && bytes > 0
    }

    /// net-snmp's snmpget, one try of 100 ms: the agent's uptime.
    static func snmpAnswer(port: Int) -> Bool {
        guard let p = try? spawn("/usr/bin/snmpget", ["-v2c", "-c", "public", "-r0", "-t0.1", "-Oqv", "udp:127.0.0.1:\(port)", "1.3.6.1.2.1.1.3.0"])
        else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    struct StartupError: Error { let message: String }

    /// Standard output and error to `log` (appended), or nowhere.
    static func spawn(_ path: String, _ arguments: [String], log: String? = nil) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        var output = FileHandle.nullDevice
        if let log {
            if !FileManager.default.fileExists(atPath: log) { FileManager.default.createFile(atPath: log, contents: nil) }
            if let file = FileHandle(forWritingAtPath: log) {
                file.seekToEndOfFile()
                output = file
            }
        }
        p.standardOutput = output
        p.standardError = output
        try p.run()
        return p
    }

    static func stop(_ p: Process) {
        guard p.isRunning else { return }
        p.terminate()
        p.waitUntilExit()
    }

    /// Drops a file's clean pages from the page cache.
    static func dropCache(_ path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
        close(fd)
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    static func range(_ values: [Double]) -> String {
        let s = values.sorted()
        return "\(Bench.fmt(s[s.count / 2])) (\(Bench.fmt(s[0]))–\(Bench.fmt(s[s.count - 1])))"
    }
}
