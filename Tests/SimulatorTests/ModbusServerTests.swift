import BatteryModel
import Foundation
import Logging
import ModbusCore
import RegisterMap
@testable import Simulator
import Testing

let mapFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("config/registermaps/bmc-v1.yaml").path

/// A simulator on a free TCP port, stopped when the test ends.
func withSimulator(units: Int = 2, cells: Int = 16, _ body: (PlantSimulator, Int) async throws -> Void) async throws {
    let map = try RegisterMap.load(file: mapFile)
    let sim = try PlantSimulator(units: (1...units).map { ($0, cells) }, map: map, logger: Logger(label: "test"))
    let port = try sim.listenTCP(host: "127.0.0.1", port: 0)
    do {
        try await body(sim, port)
    } catch {
        await sim.stop()
        throw error
    }
    await sim.stop()
}

func client(port: Int, unit: Int) throws -> ModbusContext {
    let ctx = try ModbusContext.tcp(host: "127.0.0.1", port: port)
    ctx.setResponseTimeout(.milliseconds(300))
    try ctx.connect()
    try ctx.setUnit(unit)
    return ctx
}

/// The kind of error `body` fails with, or nil when it succeeds.
func failure(_ body: () throws(ModbusError) -> Void) -> ModbusError.Kind? {
    do {
        try body()
        return nil
    } catch {
        return error.kind
    }
}

@Suite struct ModbusServerTests {
    @Test func servesInterfaceV1() async throws {
        try await withSimulator { sim, port in
            let ctx = try client(port: port, unit: 2)
            let head = try ctx.readInputRegisters(start: 0, count: 4)
            #expect(head[0] == 0x4243)
            #expect(head[2] == 16)
            let volts = try ctx.readInputRegisters(start: 1000, count: 16)
            #expect(volts.allSatisfy { (13000...14000).contains($0) })
            let (values, cells) = sim.units[2]!.currentReading()
            #expect(cells.voltage.map { UInt16($0) } == volts)
            let string = try ctx.readInputRegisters(start: 10, count: 2)
            #expect(Int32(string[0]) << 16 | Int32(string[1]) == values.voltage)
            #expect(try ctx.readHoldingRegisters(start: 100, count: 1) == [16])
        }
    }

    @Test func pinAndReleaseAnInputRegister() async throws {
        try await withSimulator { sim, port in
            let ctx = try client(port: port, unit: 1)
            try ctx.writeRegister(ControlRegisters.pinBase + 1006, 12000)
            #expect(try ctx.readInputRegisters(start: 1006, count: 1) == [12000])
            #expect(try ctx.readHoldingRegisters(start: ControlRegisters.pinnedBase + 1006, count: 1) == [1])
            sim.tick(realSeconds: 1)
            #expect(try ctx.readInputRegisters(start: 1006, count: 1) == [12000], "the physics does not overwrite a pin")
            // A 32-bit value takes two registers in one write: string current −50 A.
            try ctx.writeRegisters(ControlRegisters.pinBase + 12, [0xFFFF, 0x3CB0])
            #expect(try ctx.readInputRegisters(start: 12, count: 2) == [0xFFFF, 0x3CB0])
            try ctx.writeRegister(ControlRegisters.pinnedBase + 1006, 0)
            let released = try ctx.readInputRegisters(start: 1006, count: 1)[0]
            #expect(released != 12000 && (13000...14000).contains(released))
            try ctx.writeRegister(ControlRegisters.releaseAll, 1)
            #expect(try ctx.readInputRegisters(start: 12, count: 2) != [0xFFFF, 0x3CB0])
        }
    }

    @Test func dischargeByModbusWrite() async throws {
        try await withSimulator { sim, port in
            let ctx = try client(port: port, unit: 1)
            try ctx.writeRegister(ControlRegisters.discharge, 400)  // 40.0 A
            sim.tick(realSeconds: 1)
            #expect(sim.units[1]!.isDischarging)
            #expect(!sim.units[2]!.isDischarging, "only the addressed unit")
            let current = try ctx.readInputRegisters(start: 12, count: 2)
            let mA = Int32(bitPattern: UInt32(current[0]) << 16 | UInt32(current[1]))
            #expect((-41000 ... -39000).contains(mA))
            try ctx.writeRegister(ControlRegisters.discharge, 0)
            sim.tick(realSeconds: 1)
            #expect(!sim.units[1]!.isDischarging)
        }
    }

    @Test func communicationFaults() async throws {
        try await withSimulator { _, port in
            let ctx = try client(port: port, unit: 1)
            try ctx.writeRegister(ControlRegisters.commFault, ControlRegisters.CommFault.busy.rawValue)
            #expect(failure { () throws(ModbusError) in _ = try ctx.readInputRegisters(start: 0, count: 4) } == .exception(6))

            try ctx.writeRegister(ControlRegisters.commFault, ControlRegisters.CommFault.silent.rawValue)
            #expect(failure { () throws(ModbusError) in _ = try ctx.readInputRegisters(start: 0, count: 4) } == .timeout, "a silent unit answered")

            // Writes are still served, so the fault can be cleared; another unit is unaffected meanwhile.
            let other = try client(port: port, unit: 2)
            #expect(try other.readInputRegisters(start: 0, count: 1) == [0x4243])

            try ctx.writeRegister(ControlRegisters.commFault, ControlRegisters.CommFault.garbage.rawValue)
            let garbage = failure { () throws(ModbusError) in _ = try ctx.readInputRegisters(start: 0, count: 4) }
            #expect(garbage == .badResponse || garbage == .timeout, "garbage was accepted: \(String(describing: garbage))")

            let fresh = try client(port: port, unit: 1)
            try fresh.writeRegister(ControlRegisters.commFault, 0)
            #expect(try fresh.readInputRegisters(start: 0, count: 1) == [0x4243])
        }
    }

    @Test func writesOutsideTheTableAreRefusedNotFatal() async throws {
        try await withSimulator { _, port in
            let ctx = try client(port: port, unit: 1)
            #expect(failure { () throws(ModbusError) in try ctx.writeRegister(40000, 1) } == .exception(2))
            #expect(failure { () throws(ModbusError) in try ctx.writeRegisters(29999, [1, 2]) } == .exception(2))
            #expect(try ctx.readInputRegisters(start: 0, count: 1) == [0x4243], "still serving")
        }
    }

    @Test func unknownUnitGetsGatewayException() async throws {
        try await withSimulator { _, port in
            let ctx = try client(port: port, unit: 99)
            #expect(failure { () throws(ModbusError) in _ = try ctx.readInputRegisters(start: 0, count: 1) } == .exception(11), "unit 99 answered")
        }
    }

    @Test func rtuBusWithSeveralUnitsOnAPseudoTerminal() async throws {
        let map = try RegisterMap.load(file: mapFile)
        let sim = try PlantSimulator(units: [(3, 8), (4, 12)], map: map, logger: Logger(label: "test"))
        let pty = try SerialDevice.openPTY()
        sim.serveRTU(fd: pty.master, baud: 115200)
        defer { Task { await sim.stop() } }
        let ctx = try ModbusContext.rtu(device: pty.slavePath, baud: 115200, parity: "N", dataBits: 8, stopBits: 1)
        ctx.setResponseTimeout(.milliseconds(300))
        try ctx.connect()
        try ctx.setUnit(3)
        #expect(try ctx.readInputRegisters(start: 0, count: 3) == [0x4243, 102, 8])
        try ctx.setUnit(4)
        #expect(try ctx.readInputRegisters(start: 0, count: 3) == [0x4243, 102, 12])
        #expect(try ctx.readInputRegisters(start: 1000, count: 12).allSatisfy { (13000...14000).contains($0) })
        try ctx.setUnit(4)
        try ctx.writeRegister(ControlRegisters.pinBase + 1000, 11111)
        #expect(try ctx.readInputRegisters(start: 1000, count: 1) == [11111])
        try ctx.setUnit(5)  // nobody on the bus answers
        #expect(failure { () throws(ModbusError) in _ = try ctx.readInputRegisters(start: 0, count: 1) } == .timeout, "unit 5 answered")
        await sim.stop()
    }

    @Test func framingChecksLengthAndCRC() {
        // Read input registers, unit 1, address 0, count 4 — CRC from the Modbus spec's algorithm.
        var frame: [UInt8] = [0x01, 0x04, 0x00, 0x00, 0x00, 0x04]
        let crc = RTUFraming.crc(frame[...])
        frame += [UInt8(crc & 0xFF), UInt8(crc >> 8)]
        #expect(frame == [0x01, 0x04, 0x00, 0x00, 0x00, 0x04, 0xF1, 0xC9])
        #expect(RTUFraming.requestLength(frame) == 8)
        #expect(RTUFraming.hasValidCRC(frame[...]))
        frame[3] ^= 1
        #expect(!RTUFraming.hasValidCRC(frame[...]))
        #expect(RTUFraming.requestLength([0x01, 0x10, 0, 0, 0, 2, 4]) == 13)
        #expect(RTUFraming.requestLength([0x01, 0x10, 0, 0]) == nil, "needs the byte count")
        #expect(RTUFraming.requestLength([0x01, 0x55]) == 0, "unknown function: resynchronise")
    }
}
