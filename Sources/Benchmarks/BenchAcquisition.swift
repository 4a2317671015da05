import Acquisition
import BatteryModel
import Dispatch
import Foundation
import GatewayConfig
import Logging
import ModbusCore
import RegisterMap
import Simulator

/// Sweep times over Modbus TCP and RTU at full size.
enum BenchAcquisition {
    static let strings = 32, cells = 120

    static func config(map: RegisterMap, mapFile: String, transport: (Int) -> Transport) -> GatewayConfig {
        let topology = Topology(siteName: "bench", upses: [.init(id: "u", name: "U")],
                                strings: (0..<strings).map { .init(id: "s\($0 + 1)", name: "S\($0 + 1)", upsIndex: 0, cellCount: cells) })
        var acquisition = AcquisitionSettings()
        acquisition.timeout = .seconds(1)
        return GatewayConfig(file: "bench", gatewayId: "bench", dataDirectory: "/tmp", logLevel: "critical",
                             acquisition: acquisition, history: HistorySettings(), simulator: nil, topology: topology,
                             controllers: (0..<strings).map {
                                 ControllerConfig(transport: transport($0 + 1), unit: $0 + 1, registerMapFile: mapFile, registerMap: map)
                             })
    }

    /// Runs `body` for every item on a thread of its own, all at once; wall time until all are done.
    /// Each item is used by exactly one thread, which is why the non-Sendable items may cross.
    static func concurrently<T>(_ items: [T], _ body: @escaping @Sendable (T) -> Void) -> Duration {
        let group = DispatchGroup()
        let start = ContinuousClock.now
        for item in items {
            nonisolated(unsafe) let it = item
            group.enter()
            Thread {
                body(it)
                group.leave()
            }.start()
        }
        group.wait()
        return ContinuousClock.now - start
    }

    /// One sweep of every link, as the gateway's poller threads run them.
    static func sweepOnce(_ sessions: [LinkSession]) -> Duration {
        concurrently(sessions) { $0.sweep() }
    }

    static func tcpSweep(mapFile: String, logger: Logger) async throws {
        let map = try RegisterMap.load(file: mapFile)
        let sim = try PlantSimulator(units: (1...strings).map { ($0, cells) }, map: map, logger: logger)
        let port = try sim.listenTCP(host: "127.0.0.1", port: 0)
        let cfg = config(map: map, mapFile: mapFile) { _ in .tcp(host: "127.0.0.1", port: port) }
        let model = LiveModel(topology: cfg.topology)
        let sessions = LinkPlan.links(for: cfg).map { LinkSession(link: $0, settings: cfg.acquisition, model: model, logger: logger) }
        _ = sweepOnce(sessions)  // connect
        let ours = (0..<20).map { _ in sweepOnce(sessions) }
        guard model.snapshot().strings.allSatisfy({ $0.quality == .ok }) else { throw SimulatorError("a string failed during the sweep") }

        // Reference: bare libmodbus reads of the same blocks over 32 kept connections, no decoding or model.
        let plan = ReadPlan(map: map, cellCount: cells)
        let clients = try (1...strings).map { unit in
            let ctx = try ModbusContext.tcp(host: "127.0.0.1", port: port)
            try ctx.connect()
            try ctx.setUnit(unit)
            return ctx
        }
        let bare = (0..<20).map { _ in bareSweep(clients, plan: plan) }
        await sim.stop()

        let a = Bench.stats(ours), b = Bench.stats(bare)
        let registers = plan.blocks.reduce(0) { $0 + $1.count } * strings
        Bench.say("""

            Modbus TCP full sweep, \(strings) strings × \(cells) cells (\(plan.blocks.count) reads, \(registers) registers per sweep), 32 connections:
              gateway sweep (read + decode + model): median \(Bench.fmt(a.median)) ms, max \(Bench.fmt(a.max)) ms   (goal ≤ 1000 ms)
              bare libmodbus reads, same blocks:     median \(Bench.fmt(b.median)) ms, max \(Bench.fmt(b.max)) ms
              ratio gateway / bare: \(Bench.fmt(a.median / b.median))
            """)
    }

    private static func bareSweep(_ clients: [ModbusContext], plan: ReadPlan) -> Duration {
        concurrently(clients) { ctx in
            for b in plan.blocks { _ = try? ctx.readInputRegisters(start: b.start, count: b.count) }
        }
    }

    static func rtuSweep(mapFile: String, logger: Logger) async throws {
        let map = try RegisterMap.load(file: mapFile)
        let sim = try PlantSimulator(units: (1...strings).map { ($0, cells) }, map: map, logger: logger)
        let pty = try SerialDevice.openPTY()
        sim.serveRTU(fd: pty.master, baud: 115200)
        let line = SerialLine(device: pty.slavePath, baud: 115200)
        let cfg = config(map: map, mapFile: mapFile) { _ in .rtu(line) }
        let model = LiveModel(topology: cfg.topology)
        let sessions = LinkPlan.links(for: cfg).map { LinkSession(link: $0, settings: cfg.acquisition, model: model, logger: logger) }
        _ = sweepOnce(sessions)
        let ours = (0..<5).map { _ in sweepOnce(sessions) }
        let ok = model.snapshot().strings.allSatisfy { $0.quality == .ok }
        await sim.stop()

        // Wire time of the same exchange on a real line at 115200 8N1: every request and response byte,
        // plus the 1.75 ms silence Modbus requires before every frame above 19200 baud.
        let plan = ReadPlan(map: map, cellCount: cells)
        let bytes = plan.blocks.reduce(0) { $0 + 8 + 5 + 2 * $1.count } * strings
        let frames = plan.blocks.count * 2 * strings
        let wire = Double(bytes * line.bitsPerByte) / 115200 * 1000 + Double(frames) * 1.75
        let a = Bench.stats(ours)
        Bench.say("""

            Modbus RTU full sweep on one bus (pseudo-terminal), \(strings) units × \(cells) cells at 115200 8N1\(ok ? "" : " — SOME STRINGS FAILED"):
              gateway sweep over the pty: median \(Bench.fmt(a.median)) ms, max \(Bench.fmt(a.max)) ms
              wire-time limit of the same \(bytes) bytes in \(frames) frames on a real line: \(Bench.fmt(wire)) ms
              ratio pty sweep / wire limit: \(Bench.fmt(a.median / wire)) (a pty has no baud limit: on a real line a sweep takes ≈ the wire limit plus device turnaround)
            """)
    }
}
