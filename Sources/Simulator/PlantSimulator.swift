public import BatteryModel
import Foundation
public import Logging
import ModbusCore
import ServiceSupport
public import RegisterMap
import Synchronization

/// Automatic mains failures for demos: every `every`, the next group of units
/// (a UPS's strings) discharges for `duration` at `amps`.
public struct DischargeScenario: Sendable {
    public var groups: [[Int]]
    public var every: Duration
    public var duration: Duration
    public var amps: Double

    public init(groups: [[Int]], every: Duration, duration: Duration, amps: Double) {
        self.groups = groups
        self.every = every
        self.duration = duration
        self.amps = amps
    }
}

/// A battery plant of simulated string controllers behind real Modbus servers.
public final class PlantSimulator: Sendable {
    public let units: [Int: SimulatedUnit]
    private let threads = WorkerThreads()
    private let logger: Logger
    private let scenario: DischargeScenario?
    public static let tickInterval = Duration.milliseconds(500)

    /// - Parameter units: unit id → cell count.
    public init(units spec: [(unit: Int, cells: Int)], map: RegisterMap, seed: UInt64 = 1, speed: Double = 1,
                scenario: DischargeScenario? = nil, ageing: SimulatedAgeing? = nil, logger: Logger) throws(SimulatorError) {
        var units: [Int: SimulatedUnit] = [:]
        for (unit, cells) in spec {
            guard (1...247).contains(unit) else { throw SimulatorError("unit id \(unit) is not in 1…247") }
            guard units[unit] == nil else { throw SimulatorError("unit id \(unit) is given twice") }
            units[unit] = try SimulatedUnit(unit: unit, cellCount: cells, map: map, seed: seed, speed: speed, ageing: ageing)
        }
        self.units = units
        self.scenario = scenario
        self.logger = logger
    }

    /// Serves every unit over Modbus TCP; returns the bound port (pass 0 for any free one).
    public func listenTCP(host: String, port: Int) throws(SimulatorError) -> Int {
        let server = TCPServer(host: host, port: port, units: units, threads: threads, logger: logger)
        let bound = try server.start()
        logger.info("simulator serving Modbus TCP", metadata: ["address": "\(host):\(bound)", "units": "\(units.count)"])
        return bound
    }

    /// Serves every unit over Modbus RTU on an open serial device or pty master (closed at stop).
    public func serveRTU(fd: Int32, baud: Int) {
        RTUServer(fd: fd, baud: baud, units: units, threads: threads, logger: logger).start()
    }

    /// Advances every unit's physics.
    public func tick(realSeconds: Double) {
        for unit in units.values { unit.tick(realSeconds: realSeconds) }
    }

    /// Runs the physics clock (and the discharge scenario) until the task is cancelled.
    public func runClock() async {
        let clock = ContinuousClock()
        let start = clock.now
        var last = start
        var activeGroup: Int?
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.tickInterval)
            let now = clock.now
            tick(realSeconds: (now - last).seconds)
            last = now
            if let scenario, !scenario.groups.isEmpty {
                activeGroup = drive(scenario, elapsed: now - start, active: activeGroup)
            }
        }
    }

    /// Starts and ends scenario discharges; returns the group discharging now.
    private func drive(_ s: DischargeScenario, elapsed: Duration, active: Int?) -> Int? {
        let period = Int(elapsed / s.every)
        let inDischarge = period >= 1 && elapsed - s.every * period < s.duration
        let group = period >= 1 ? (period - 1) % s.groups.count : nil
        let wanted = inDischarge ? group : nil
        guard wanted != active else { return active }
        if let active { for u in s.groups[active] { units[u]?.setDischarge(amps: 0) } }
        if let wanted {
            logger.info("simulated mains failure: discharging", metadata: ["units": "\(s.groups[wanted])", "amps": "\(s.amps)"])
            for u in s.groups[wanted] { units[u]?.setDischarge(amps: s.amps) }
        }
        return wanted
    }

    /// Stops the servers and waits for their threads.
    public func stop() async {
        await threads.stop()
    }
}
