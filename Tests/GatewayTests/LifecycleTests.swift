import BatteryModel
import Foundation
import GatewayApp
import GatewayServices
import Simulator
import Storage
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(2))) struct LifecycleTests {
    @Test func restartKeepsHistoryAndAppends() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (sim, port) = try startSimulator(units: [1, 2])
        let config = try dir.write("g.yaml", configText(data: dir.path, endpoints: [.tcp(port: port, unit: 1), .tcp(port: port, unit: 2)]))
        let db = Gateway.databasePath(dataDirectory: dir.path)

        var gw = try RunningGateway(configFile: config)
        func stored() -> Int {
            guard let store = try? GatewayDatabase(path: db, readOnly: true), let key = try? store.stringKey(id: "s1") else { return 0 }
            return (try? store.rawSeries(stringKey: key, .string(.voltage), from: 0, to: nowMillis() + 1000).count) ?? 0
        }
        #expect(await eventually { stored() >= 2 })
        try await gw.stop()
        let store = try GatewayDatabase(path: db, readOnly: true)
        let key = try #require(try store.stringKey(id: "s1"))
        let first = try store.rawSeries(stringKey: key, .string(.voltage), from: 0, to: nowMillis() + 1000)
        #expect(first.count >= 2)

        gw = try RunningGateway(configFile: config)
        #expect(await eventually { stored() >= first.count + 2 })
        try await gw.stop()
        let second = try store.rawSeries(stringKey: key, .string(.voltage), from: 0, to: nowMillis() + 1000)
        #expect(second.count >= first.count + 2)
        #expect(Array(second.prefix(first.count)).map(\.0) == first.map(\.0), "old rows untouched")
        #expect(try store.stringKey(id: "s1") == key, "same key after restart")
        await sim.stop()
    }

    @Test func aSweepIsWrittenTogetherWithinASecond() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (sim, port) = try startSimulator(units: [1, 2, 3, 4])
        // Slow logging (60 s): after the first sweep nothing is due for a minute, so every
        // string's first sample must reach the database through the flush deadline, not the next sample.
        let yaml = configText(data: dir.path, endpoints: (1...4).map { .tcp(port: port, unit: $0) })
            .replacingOccurrences(of: "slowInterval: 1s", with: "slowInterval: 60s")
        let gw = try RunningGateway(configFile: try dir.write("g.yaml", yaml))
        let store = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: dir.path), readOnly: true)
        #expect(try await eventually(3) { try store.db.scalar("SELECT COUNT(*) FROM samples") == 4 })
        try await gw.stop()
        await sim.stop()
    }

    @Test func sigtermShutsDownGracefully() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let port = try freePort()
        let config = try dir.write("g.yaml", configText(data: dir.path, endpoints: [.tcp(port: port, unit: 1), .tcp(port: port, unit: 7)],
                                                        logLevel: "info", extra: "simulator: { listen: 127.0.0.1:\(port) }\n"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bmgwExecutable)
        process.arguments = ["run", "--config", config]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The running gateway answers `bmgw status` through its socket.
        let live = await eventually(15) {
            guard let (code, out, _) = try? runBMGW(["status", "--data", dir.path, "--json"]), code == 0 else { return false }
            return out.contains("\"source\":\"live\"") && out.components(separatedBy: "\"quality\":\"ok\"").count == 3
        }
        #expect(live)
        let (code, table, _) = try runBMGW(["status", "--data", dir.path])
        #expect(code == 0)
        #expect(table.contains("live"))
        #expect(table.contains("s1") && table.contains("s2"))

        kill(process.processIdentifier, SIGTERM)
        let exited = await eventually(10) { !process.isRunning }
        #expect(exited, "stopped within 10 s of SIGTERM")
        #expect(process.terminationStatus == 0)
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("acquisition stopped") && log.contains("gateway stopped"), "\(log)")
        #expect(!log.contains(" error "), "\(log)")
        #expect(!FileManager.default.fileExists(atPath: Gateway.socketPath(dataDirectory: dir.path)), "socket removed")

        // With the gateway down, status falls back to the database.
        let (code2, stored, _) = try runBMGW(["status", "--data", dir.path])
        #expect(code2 == 0)
        #expect(stored.contains("gateway not running"))
        let (code3, csv, _) = try runBMGW(["history", "--data", dir.path, "--string", "s2", "--cell", "3",
                                           "--quantity", "voltage", "--from", "10m", "--csv"])
        #expect(code3 == 0)
        let rows = csv.split(separator: "\n")
        #expect(rows.first == "time,value")
        #expect(rows.count >= 2)
        // The site's offset (the system's zone with --data alone), like every CSV.
        let offset = SiteTime(zone: .current).iso(.now).suffix(6)
        #expect(rows.dropFirst().allSatisfy { $0.split(separator: ",").first?.hasSuffix(offset) == true }, "\(rows.prefix(3))")
        #expect(rows.dropFirst().allSatisfy { row in
            row.split(separator: ",").last.flatMap { Double($0) }.map { (11.0...15.0).contains($0) } == true
        })
    }

    @Test func checkConfigReportsEveryProblemAndFails() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let bad = try dir.write("bad.yaml", configText(data: dir.path, endpoints: [.tcp(port: 1502, unit: 1)])
            .replacingOccurrences(of: "pollInterval: 200ms", with: "pollIntervall: 200ms")
            .replacingOccurrences(of: "cells: 16", with: "cells: 0"))
        let (code, _, err) = try runBMGW(["check-config", bad])
        #expect(code == 2)
        #expect(err.contains("\(bad):4:16: acquisition.pollIntervall: unknown key 'pollIntervall' (did you mean 'pollInterval'?)"))
        #expect(err.contains("strings[0].cells: 0 is not in 1…120"))

        let good = try dir.write("good.yaml", configText(data: dir.path, endpoints: [.tcp(port: 1502, unit: 1)]))
        let (okCode, out, _) = try runBMGW(["check-config", good])
        #expect(okCode == 0)
        #expect(out.contains("OK"))
    }

    @Test func simulatorAnswersAnIndependentModbusClient() async throws {
        // mbpoll (libmodbus-based CLI from Debian) reads what the simulator serves.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/mbpoll") else {
            Issue.record("mbpoll is not installed: run scripts/install-deps.sh --test")
            return
        }
        let (sim, port) = try startSimulator(units: [5], cells: 8)
        defer { Task { await sim.stop() } }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/mbpoll")
        // -0: zero-based addresses; -t 3: input registers; -1: one poll.
        p.arguments = ["-m", "tcp", "-p", "\(port)", "-a", "5", "-0", "-t", "3", "-r", "0", "-c", "3", "-1", "127.0.0.1"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(text.contains("[0]: \t16963"), "model id 0x4243: \(text)")
        #expect(text.contains("[2]: \t8"), "cell count: \(text)")
        await sim.stop()
    }
}
