import BatteryModel
import Foundation
import GatewayApp
import GatewayServices
import ModbusCore
import RegisterMap
import Simulator
import Storage
import TestSupport
import Testing

@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(2))) struct AcquisitionTests {
    @Test func valuesTravelFromASimulatorWriteToModelAndDatabase() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (sim, port) = try startSimulator(units: [1, 2, 3])
        let clock = runClock(sim)
        let gw = try RunningGateway(configFile: try dir.write("g.yaml", configText(data: dir.path, endpoints: [
            .tcp(port: port, unit: 1), .tcp(port: port, unit: 2), .tcp(port: port, unit: 3)])))

        #expect(await eventually { gw.model.snapshot().strings.allSatisfy { $0.quality == .ok } })

        // Inject distinctive values from outside, as a test engineer would: cell 7 voltage, string temperature.
        let ctx = try modbusClient(port: port, unit: 2)
        try ctx.writeRegister(ControlRegisters.pinBase + 1006, 12345)
        try ctx.writeRegister(ControlRegisters.pinBase + 15, UInt16(bitPattern: -123))
        try ctx.writeRegister(ControlRegisters.pinBase + 3, 0b1001)
        #expect(await eventually {
            let s = gw.model.string(1).sample
            return s?.cells.voltage[6] == 12345 && s?.values.temperature == -123
        })
        let sample = try #require(gw.model.string(1).sample)
        #expect(sample.values.status == [.hallSensorFault, .cellBusFault])
        #expect(gw.model.string(0).sample?.cells.voltage[6] != 12345, "only the addressed controller")
        #expect(sample.summary.statistics[.voltage]?.min == 12345)
        #expect(sample.summary.statistics[.voltage]?.minCell == 6)
        #expect(gw.model.snapshot().dataCentre.worstCellByVoltage == .init(string: 1, cell: 6, value: 12345))

        // Every other value equals what the simulator serves (decoded through the same map).
        #expect(await eventually { gw.model.string(2).sample?.cells.resistance == sim.units[3]!.currentReading().1.resistance })

        // The database has the injected value (the test config logs every second).
        let store = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: dir.path), readOnly: true)
        let key = try #require(try store.stringKey(id: "s2"))
        #expect(try await eventually {
            try store.rawSeries(stringKey: key, .cell(.voltage, index: 6), from: 0, to: nowMillis() + 60000).contains { $0.1 == 12345 }
        })
        #expect(try store.rawSeries(stringKey: key, .string(.temperature), from: 0, to: nowMillis() + 60000).last?.1 == -123)

        try await gw.stop()
        clock.cancel()
        await sim.stop()
    }

    @Test func rtuBusOnAPseudoTerminal() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let sim = try PlantSimulator(units: [(1, 16), (2, 16), (3, 16)], map: try .load(file: mapFile), logger: quietLogger)
        let pty = try SerialDevice.openPTY()
        sim.serveRTU(fd: pty.master, baud: 115200)
        let clock = runClock(sim)
        let gw = try RunningGateway(configFile: try dir.write("g.yaml", configText(data: dir.path, endpoints: [
            .rtu(device: pty.slavePath, unit: 1), .rtu(device: pty.slavePath, unit: 2), .rtu(device: pty.slavePath, unit: 3)])))

        #expect(await eventually { gw.model.snapshot().strings.allSatisfy { $0.quality == .ok } })
        #expect(await eventually { gw.model.string(1).sample?.cells.soh == sim.units[2]!.currentReading().1.soh })

        // A controller on the shared bus goes silent: it is isolated, the others keep their cycle.
        sim.units[2]!.setCommFault(.silent)
        #expect(await eventually { gw.model.string(1).quality == .commLost })
        let before = [0, 2].map { gw.model.string($0).sample?.time ?? .distantPast }
        try await Task.sleep(for: .seconds(2))
        for (i, s) in [0, 2].enumerated() {
            let after = gw.model.string(s).sample?.time ?? .distantPast
            #expect(after.timeIntervalSince(before[i]) > 1.2, "string \(s + 1) kept being polled")
        }
        #expect(gw.model.string(1).link.lastError?.contains("timeout") == true)

        sim.units[2]!.setCommFault(.none)
        #expect(await eventually(5) { gw.model.string(1).quality == .ok }, "recovers by itself")

        try await gw.stop()
        clock.cancel()
        await sim.stop()
    }

    @Test func garbageAndExceptionsAreIsolatedAndRecover() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (sim, port) = try startSimulator(units: [1, 2, 3, 4])
        let clock = runClock(sim)
        let gw = try RunningGateway(configFile: try dir.write("g.yaml", configText(data: dir.path, endpoints: [
            .tcp(port: port, unit: 1), .tcp(port: port, unit: 2), .tcp(port: port, unit: 3), .tcp(port: port, unit: 4)])))
        #expect(await eventually { gw.model.snapshot().strings.allSatisfy { $0.quality == .ok } })

        try modbusClient(port: port, unit: 2).writeRegister(ControlRegisters.commFault, ControlRegisters.CommFault.garbage.rawValue)
        try modbusClient(port: port, unit: 3).writeRegister(ControlRegisters.commFault, ControlRegisters.CommFault.busy.rawValue)
        // A wrong device at unit 4: its model id register says something else.
        try modbusClient(port: port, unit: 4).writeRegister(ControlRegisters.pinBase + 0, 0x1234)

        #expect(await eventually { [1, 2, 3].allSatisfy { gw.model.string($0).quality == .commLost } })
        #expect(gw.model.string(2).link.lastError?.contains("exception 6") == true)
        #expect(gw.model.string(3).link.lastError?.contains("wrong device: model id 0x1234") == true)
        let garbageError = gw.model.string(1).link.lastError ?? ""
        #expect(garbageError.contains("invalid response") || garbageError.contains("timeout"), "\(garbageError)")

        let t0 = gw.model.string(0).sample?.time ?? .distantPast
        try await Task.sleep(for: .seconds(1))
        #expect((gw.model.string(0).sample?.time ?? .distantPast).timeIntervalSince(t0) > 0.6, "string 1 unaffected")
        #expect(gw.model.string(0).quality == .ok)

        try modbusClient(port: port, unit: 2).writeRegister(ControlRegisters.commFault, 0)
        try modbusClient(port: port, unit: 3).writeRegister(ControlRegisters.commFault, 0)
        try modbusClient(port: port, unit: 4).writeRegister(ControlRegisters.releaseAll, 1)
        #expect(await eventually(5) { gw.model.snapshot().strings.allSatisfy { $0.quality == .ok } })

        try await gw.stop()
        clock.cancel()
        await sim.stop()
    }

    /// A device that answers "busy" now and then is asked again after a pause (as Telegraf does):
    /// no sweep fails, the link stays ok. Before, the first busy answer ended the sweep.
    @Test func aDeviceThatIsBusyNowAndThenLosesNoSweep() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (sim, port) = try startSimulator(units: [1, 2])
        let clock = runClock(sim)
        let gw = try RunningGateway(configFile: try dir.write("g.yaml", configText(data: dir.path, endpoints: [
            .tcp(port: port, unit: 1), .tcp(port: port, unit: 2)])))
        #expect(await eventually { gw.model.snapshot().strings.allSatisfy { $0.quality == .ok } })
        try modbusClient(port: port, unit: 2).writeRegister(ControlRegisters.commFault, ControlRegisters.CommFault.busyEveryOther.rawValue)
        let t0 = gw.model.string(1).sample?.time ?? .distantPast
        try await Task.sleep(for: .seconds(3))
        let link = gw.model.string(1).link
        #expect(link.quality == .ok && link.consecutiveFailures == 0 && link.lastError == nil, "\(link)")
        #expect((gw.model.string(1).sample?.time ?? .distantPast).timeIntervalSince(t0) > 2, "sweeps went on")
        try modbusClient(port: port, unit: 2).writeRegister(ControlRegisters.commFault, 0)
        try await gw.stop()
        clock.cancel()
        await sim.stop()
    }

    @Test func aKilledControllerIsLostAndComesBack() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (simA, portA) = try startSimulator(units: [1, 2])
        var (simB, portB) = try startSimulator(units: [1])
        let gw = try RunningGateway(configFile: try dir.write("g.yaml", configText(data: dir.path, endpoints: [
            .tcp(port: portA, unit: 1), .tcp(port: portA, unit: 2), .tcp(port: portB, unit: 1)])))
        #expect(await eventually { gw.model.snapshot().strings.allSatisfy { $0.quality == .ok } })

        await simB.stop()
        #expect(await eventually { gw.model.string(2).quality == .commLost })
        #expect(gw.model.string(0).quality == .ok && gw.model.string(1).quality == .ok)
        #expect(gw.model.string(2).sample != nil, "its last values stay readable, marked lost")

        // The controller is back on the same address.
        let sim = try PlantSimulator(units: [(1, 16)], map: try .load(file: mapFile), logger: quietLogger)
        #expect(try sim.listenTCP(host: "127.0.0.1", port: portB) == portB)
        simB = sim
        #expect(await eventually(5) { gw.model.string(2).quality == .ok })

        try await gw.stop()
        await simA.stop()
        await simB.stop()
    }

    @Test func fullSizePlantIsReadCompletely() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (sim, port) = try startSimulator(units: Array(1...32), cells: 120)
        let endpoints = (1...32).map { Endpoint.tcp(port: port, unit: $0) }
        let gw = try RunningGateway(configFile: try dir.write("g.yaml", configText(data: dir.path, endpoints: endpoints, cells: 120)))
        #expect(await eventually(20) { gw.model.snapshot().strings.allSatisfy { $0.quality == .ok } })
        let site = gw.model.snapshot().dataCentre
        #expect(site.stringCount == 32)
        #expect(site.cellCount == 3840)
        #expect(site.cells[.voltage]?.count == 3840, "every cell voltage measured")
        #expect(site.cells[.soh]?.count == 3840)
        let slowest = gw.model.snapshot().strings.compactMap(\.link.lastSweepDuration).max() ?? .zero
        #expect(slowest < .seconds(1), "one controller's sweep: \(slowest)")
        try await gw.stop()
        await sim.stop()
    }
}
