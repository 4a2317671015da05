import Acquisition
import Alarms
import BatteryModel
import Foundation
import GatewayApp
import GatewayServices
import GatewayConfig
import Logging
import ModbusCore
import RegisterMap
import ServiceLifecycle
import Simulator
import Storage
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

let mapFile = repoRoot.appendingPathComponent("config/registermaps/bmc-v1.yaml").path

var quietLogger: Logger {
    var l = Logger(label: "test")
    l.logLevel = .error
    return l
}

/// A fresh folder under the system temp dir, removed by `cleanup()`.
struct TempDir {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("gw-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanup() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let file = "\(path)/\(name)"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}

/// One configured string: where its controller is.
enum Endpoint {
    case tcp(port: Int, unit: Int)
    case rtu(device: String, unit: Int)
}

/// Gateway configuration text for `endpoints` (string ids s1, s2, … on UPS u1 and u2 alternately).
func configText(data: String, endpoints: [Endpoint], cells: Int = 16, logLevel: String = "error", extra: String = "") -> String {
    var text = """
        gateway: { id: test-gw, site: Test site }
        dataDirectory: \(data)
        log: { level: \(logLevel) }
        acquisition: { pollInterval: 200ms, timeout: 150ms, retries: 1, commLostAfter: 2, offlineRetryInterval: 1s }
        history: { slowInterval: 1s, fastInterval: 200ms, retention: 30d }
        ups:
          - { id: u1, name: UPS 1 }
          - { id: u2, name: UPS 2 }
        strings:

        """
    for (i, e) in endpoints.enumerated() {
        let modbus: String
        switch e {
        case let .tcp(port, unit): modbus = "tcp: { host: 127.0.0.1, port: \(port), unit: \(unit) }"
        case let .rtu(device, unit): modbus = "rtu: { device: \(device), baud: 115200, unit: \(unit) }"
        }
        text += "  - { id: s\(i + 1), ups: u\(i % 2 + 1), cells: \(cells), registerMap: \(mapFile), modbus: { \(modbus) } }\n"
    }
    return text + extra
}

/// A running in-process gateway; `stop()` shuts it down gracefully and waits.
final class RunningGateway: Sendable {
    let gateway: Gateway
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(configFile: String) throws {
        let config = try GatewayConfig.load(file: configFile)
        gateway = try Gateway(config: config, logger: quietLogger)
        let group = gateway.serviceGroup(signals: [])
        self.group = group
        task = Task { try await group.run() }
    }

    var model: LiveModel { gateway.model }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
        gateway.model.finishEvents()
        gateway.events.finish()
    }
}

/// A Modbus client to a simulator unit, for fault injection from outside.
func modbusClient(port: Int, unit: Int) throws -> ModbusContext {
    let ctx = try ModbusContext.tcp(host: "127.0.0.1", port: port)
    // Generous: the simulator's threads share two cores with every suite at once.
    ctx.setResponseTimeout(.seconds(5))
    try ctx.connect()
    try ctx.setUnit(unit)
    return ctx
}

func startSimulator(units: [Int], cells: Int = 16) throws -> (PlantSimulator, Int) {
    let sim = try PlantSimulator(units: units.map { ($0, cells) }, map: try RegisterMap.load(file: mapFile), logger: quietLogger)
    return (sim, try sim.listenTCP(host: "127.0.0.1", port: 0))
}

/// Runs the physics clock of a simulator for the duration of the test.
func runClock(_ sim: PlantSimulator) -> Task<Void, Never> {
    Task { await sim.runClock() }
}

/// Path of the built `bmgw` executable (next to the test bundle).
var bmgwExecutable: String {
    let bundleDir = Bundle.main.bundleURL.deletingLastPathComponent()
    for candidate in [bundleDir.appendingPathComponent("bmgw").path,
                      Bundle.main.bundleURL.appendingPathComponent("bmgw").path,
                      repoRoot.appendingPathComponent(".build/debug/bmgw").path]
    where FileManager.default.isExecutableFile(atPath: candidate) {
        return candidate
    }
    return repoRoot.appendingPathComponent(".build/debug/bmgw").path
}

/// Runs `bmgw` with arguments; returns exit status, stdout, stderr.
func runBMGW(_ arguments: [String]) throws -> (Int32, String, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: bmgwExecutable)
    p.arguments = arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// A TCP port that was free a moment ago (for a process that must be told its port up front).

func nowMillis() -> Int64 { Timestamp.now.millis }

/// SIGKILL to the pid in a daemon's pid file.
func killPidFile(_ path: String) {
    if let text = try? String(contentsOfFile: path, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
        kill(pid, SIGKILL)
    }
}

/// `bmgw run --config FILE` as a child process, its output into `log`.
func startGatewayProcess(config: String, log: String, environment: [String: String] = [:]) throws -> pid_t {
    try spawn([bmgwExecutable, "run", "--config", config], output: log, environment: environment)
}

