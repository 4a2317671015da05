import ArgumentParser
import ConfigSupport
import Foundation
import GatewayConfig
import Logging
import RegisterMap
import ServiceLifecycle
import Simulator
import UnixSignals

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a battery plant of simulated string controllers as a Modbus TCP and/or RTU server.",
        discussion: "Fault injection and discharge control by Modbus writes: see docs/simulator.md.")

    @Option(help: "Number of strings (controllers), unit ids first-unit, first-unit+1, …")
    var strings = 32

    @Option(help: "Cells per string.")
    var cells = 120

    @Option(help: "Unit id of the first string.")
    var firstUnit = 1

    @Option(help: "Modbus TCP listen address HOST:PORT (port 0: any free port).")
    var tcp: String?

    @Option(help: "Modbus RTU serial device, or 'pty' to create a pseudo-terminal and print its path.")
    var rtu: String?

    @Option(help: "RTU baud rate.")
    var baud = 19200

    @Option(help: "Register map: a name (searched as a configuration's: ./registermaps, the share folder, built in) or a file.")
    var map = "bmc-v1"

    @Option(help: "Simulated seconds per real second.")
    var speed = 1.0

    @Option(help: "Seed of the plant's cell spread.")
    var seed: UInt64 = 1

    @Option(help: "Start a mains failure every this long (e.g. 30m); off when absent.")
    var dischargeEvery: String?

    @Option(help: "Length of each mains failure.")
    var dischargeDuration = "5m"

    @Option(help: "Discharge current per string during a mains failure, A.")
    var dischargeCurrent = 40.0

    @Option(help: "Strings per UPS: a mains failure discharges one UPS's strings together.")
    var stringsPerUps = 8

    @Option(help: "Log level.")
    var logLevel = "info"

    func validate() throws {
        guard tcp != nil || rtu != nil else { throw ValidationError("give --tcp HOST:PORT and/or --rtu DEVICE") }
        guard (1...247).contains(strings), (1...247).contains(firstUnit), firstUnit + strings - 1 <= 247 else {
            throw ValidationError("unit ids \(firstUnit)…\(firstUnit + strings - 1) must lie in 1…247")
        }
        guard (1...1000).contains(cells) else { throw ValidationError("--cells must be in 1…1000") }
        guard (1...3600).contains(speed) else { throw ValidationError("--speed must be in 1…3600 (simulated seconds per second)") }
        guard [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400].contains(baud) else {
            throw ValidationError("--baud \(baud) is not a standard rate")
        }
        if let every = dischargeEvery, (DurationText.parse(every) ?? .zero) <= .zero {
            throw ValidationError("--discharge-every: '\(every)' is not a positive duration")
        }
        guard stringsPerUps >= 1 else { throw ValidationError("--strings-per-ups must be at least 1") }
        guard DurationText.parse(dischargeDuration) != nil else { throw ValidationError("--discharge-duration: '\(dischargeDuration)' is not a duration") }
    }

    func run() async throws {
        let logger = LogSetup.bootstrap(level: logLevel)
        let registerMap: RegisterMap
        do { registerMap = try RegisterMap.load(reference: map, directory: FileManager.default.currentDirectoryPath) } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        guard cells <= registerMap.maxCells else {
            throw ValidationError("--cells \(cells) exceeds the map's maxCells \(registerMap.maxCells)")
        }
        let units = (0..<strings).map { (unit: firstUnit + $0, cells: cells) }
        let scenario = dischargeEvery.flatMap(DurationText.parse).map { every in
            DischargeScenario(groups: stride(from: 0, to: strings, by: max(1, stringsPerUps)).map { start in
                                  (start..<min(strings, start + stringsPerUps)).map { firstUnit + $0 } },
                              every: every, duration: DurationText.parse(dischargeDuration) ?? .seconds(300),
                              amps: dischargeCurrent)
        }
        let simulator = try PlantSimulator(units: units, map: registerMap, seed: seed, speed: speed, scenario: scenario, logger: logger)
        if let tcp {
            guard let (host, port) = GatewayConfig.hostPort(tcp) ?? Self.anyPort(tcp) else {
                throw ValidationError("--tcp: '\(tcp)' is not HOST:PORT")
            }
            let bound = try simulator.listenTCP(host: host, port: port)
            FileOutput.standardOutput.write("Modbus TCP: \(host):\(bound), units \(firstUnit)…\(firstUnit + strings - 1), \(cells) cells each\n")
        }
        if let rtu {
            let fd: Int32
            if rtu == "pty" {
                let pty = try SerialDevice.openPTY()
                fd = pty.master
                FileOutput.standardOutput.write("Modbus RTU: \(pty.slavePath) (pseudo-terminal), \(baud) 8N1\n")
            } else {
                fd = try SerialDevice.openRaw(rtu, baud: baud)
                FileOutput.standardOutput.write("Modbus RTU: \(rtu), \(baud) 8N1\n")
            }
            simulator.serveRTU(fd: fd, baud: baud)
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: SimulatorService(simulator: simulator))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Accepts HOST:0 for an ephemeral port, which hostPort rejects.
    private static func anyPort(_ text: String) -> (String, Int)? {
        text.hasSuffix(":0") ? (String(text.dropLast(2)), 0) : nil
    }
}
