public import BatteryModel
import Foundation
import ModbusCore
import RegisterMap

/// One simulated string controller: plant physics, its register image, pins
/// and fault mode, behind one lock shared by the physics tick and the server threads.
///
/// `@unchecked Sendable`: all mutable state is in `locked`, read and written only
/// inside `withState`, which holds `lock`. A `Mutex` does not fit here because the
/// state holds a C mapping that libmodbus reads together with the caller's
/// (non-Sendable) context pointer, which region checking cannot prove disjoint.
public final class SimulatedUnit: @unchecked Sendable {
    public let unit: Int
    public let cellCount: Int
    let map: RegisterMap
    private let lock = NSLock()
    private var locked: State

    private func withState<T>(_ body: (inout State) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&locked)
    }

    struct State {
        var plant: SimulatedString
        let image: ModbusRegisterImage
        /// Input register → pinned raw value.
        var pins: [Int: UInt16] = [:]
        var fault = ControlRegisters.CommFault.none
        /// With ``ControlRegisters/CommFault/busyEveryOther``: whether the last read was answered busy.
        var lastWasBusy = false
        var speed = 1.0
        var rng: SplitMix64
    }

    init(unit: Int, cellCount: Int, map: RegisterMap, seed: UInt64, speed: Double, ageing: SimulatedAgeing? = nil) throws(SimulatorError) {
        self.unit = unit
        self.cellCount = cellCount
        self.map = map
        let inputCount = map.fields(cellCount: cellCount)
            .filter { $0.field.table == .input }
            .map { $0.field.address(ofCell: $0.cell ?? 0) + $0.field.type.width }
            .max() ?? 1
        guard let image = ModbusRegisterImage(inputCount: inputCount, holdingCount: ControlRegisters.holdingCount) else {
            throw SimulatorError("cannot allocate the register image of unit \(unit)")
        }
        var st = State(plant: SimulatedString(cellCount: cellCount, seed: seed &+ UInt64(unit) &* 7919, ageing: ageing, unit: unit),
                       image: image, speed: speed, rng: SplitMix64(seed: seed ^ UInt64(unit)))
        image.setHolding(100, UInt16(cellCount))
        image.setHolding(ControlRegisters.speed, UInt16(min(3600, max(1, speed.rounded()))))
        Self.publish(&st, map: map, cellCount: cellCount)
        locked = st
    }

    /// Advances the physics by `realSeconds` × speed and refreshes the registers.
    func tick(realSeconds: Double) {
        let map = self.map, cellCount = self.cellCount
        withState { st in
            st.plant.step(dt: realSeconds * st.speed)
            Self.publish(&st, map: map, cellCount: cellCount)
        }
    }

    /// Starts (current in A > 0) or ends (0) a discharge, as a Modbus write to register 200 would.
    public func setDischarge(amps: Double) {
        withState { st in
            st.plant.dischargeCommand = max(0, amps)
            st.image.setHolding(ControlRegisters.discharge, UInt16(min(65535, max(0, amps * 10))))
        }
    }

    /// Sets the communication fault mode, as a Modbus write to register 202 would.
    public func setCommFault(_ fault: ControlRegisters.CommFault) {
        withState { st in
            st.fault = fault
            st.image.setHolding(ControlRegisters.commFault, fault.rawValue)
        }
    }

    public var isDischarging: Bool {
        withState { $0.plant.mode == .discharge }
    }

    /// Canonical values the unit currently serves (decoded back through the register map).
    public func currentReading() -> (StringValues, CellColumns) {
        withState { st in
            let plan = ReadPlan(map: map, cellCount: cellCount)
            let data = plan.blocks.map { b in (b.start..<b.end).map { b.table == .input ? st.image.input($0) : st.image.holding($0) } }
            let decoded = try? plan.decode(data, stringIndex: 0, time: Date())
            return (decoded?.sample.values ?? StringValues(), decoded?.sample.cells ?? CellColumns(count: cellCount))
        }
    }

    /// Serves one request frame (`length` bytes including header and checksum) on `ctx`.
    /// Returns false when the unit stays silent.
    func serve(request: UnsafePointer<UInt8>, length: Int, ctx: ModbusContext) -> Bool {
        let header = ctx.headerLength
        guard length > header else { return false }
        let function = request[header]
        let isRead = function == 0x03 || function == 0x04
        return withState { st in
            if isRead {
                switch st.fault {
                case .silent: return false
                case .busy:
                    ctx.reply(to: request, exception: .serverBusy)
                    return true
                case .busyEveryOther:
                    st.lastWasBusy.toggle()
                    if !st.lastWasBusy { break }  // this one is served
                    ctx.reply(to: request, exception: .serverBusy)
                    return true
                case .garbage:
                    var junk = [UInt8](repeating: 0, count: 16)
                    for i in junk.indices { junk[i] = UInt8.random(in: 0...255, using: &st.rng) }
                    _ = junk.withUnsafeBytes { write(ctx.socket, $0.baseAddress, $0.count) }
                    return true
                case .none: break
                }
            }
            guard ctx.reply(to: request, length: length, from: st.image) else { return true }
            // libmodbus answered an out-of-range write with an exception; only in-range writes changed registers.
            if function == 0x06 || function == 0x10, length >= header + 5 {
                let address = Int(request[header + 1]) << 8 | Int(request[header + 2])
                let count = function == 0x06 ? 1 : Int(request[header + 3]) << 8 | Int(request[header + 4])
                let end = address + count
                guard count > 0, end <= ControlRegisters.holdingCount else { return true }
                for a in address..<end {
                    Self.applyWrite(&st, address: a, map: map, cellCount: cellCount)
                }
            }
            return true
        }
    }

    /// Interprets a holding register just written by modbus_reply.
    private static func applyWrite(_ st: inout State, address: Int, map: RegisterMap, cellCount: Int) {
        let value = st.image.holding(address)
        switch address {
        case ControlRegisters.discharge:
            st.plant.dischargeCommand = Double(value) / 10
        case ControlRegisters.speed:
            st.speed = Double(min(3600, max(1, value)))
        case ControlRegisters.commFault:
            st.fault = ControlRegisters.CommFault(rawValue: value) ?? .none
        case ControlRegisters.releaseAll:
            for a in st.pins.keys {
                st.image.setHolding(ControlRegisters.pinnedBase + a, 0)
                st.image.setHolding(ControlRegisters.pinBase + a, 0)
            }
            st.pins.removeAll()
            publish(&st, map: map, cellCount: cellCount)
        case ControlRegisters.pinBase..<(ControlRegisters.pinBase + ControlRegisters.pinnableInputs):
            let input = address - ControlRegisters.pinBase
            guard input < st.image.inputCount else { return }
            st.pins[input] = value
            st.image.setHolding(ControlRegisters.pinnedBase + input, 1)
            st.image.setInput(input, value)
        case ControlRegisters.pinnedBase..<(ControlRegisters.pinnedBase + ControlRegisters.pinnableInputs):
            let input = address - ControlRegisters.pinnedBase
            if value == 0 {
                st.pins[input] = nil
                st.image.setHolding(ControlRegisters.pinBase + input, 0)
                publish(&st, map: map, cellCount: cellCount)
            } else if input < st.image.inputCount {
                st.pins[input] = st.image.input(input)
                st.image.setHolding(ControlRegisters.pinBase + input, st.image.input(input))
                st.image.setHolding(address, 1)
            }
        default:
            break
        }
    }

    /// Encodes the plant's values into the input registers, then re-applies the pins.
    private static func publish(_ st: inout State, map: RegisterMap, cellCount: Int) {
        let (values, cells) = st.plant.reading()
        let image = st.image
        func put(_ field: RegisterField, cell: Int = 0, _ words: [UInt16]) {
            let a = field.address(ofCell: cell)
            for (k, w) in words.enumerated() {
                field.table == .input ? image.setInput(a + k, w) : image.setHolding(a + k, w)
            }
        }
        if let f = map.modelId { put(f, f.encode(Int32(truncatingIfNeeded: map.expectedModelId ?? 0))) }
        if let f = map.firmware { put(f, f.encode(102)) }
        if let f = map.cellCount { put(f, f.encode(Int32(image.holding(100)))) }
        for (q, f) in map.string { put(f, f.encode(values[q])) }
        if let f = map.stringStatus { put(f, f.encode(flags: values.status.rawValue)) }
        for (q, f) in map.cells {
            let column = cells[q]
            for i in 0..<cellCount { put(f, cell: i, f.encode(column[i])) }
        }
        if let f = map.cellStatus {
            for i in 0..<cellCount { put(f, cell: i, f.encode(flags: cells.status[i].rawValue)) }
        }
        for (a, v) in st.pins { image.setInput(a, v) }
        // The low-voltage cut-off ends a discharge by itself: the command register shows it.
        image.setHolding(ControlRegisters.discharge, UInt16(min(65535, max(0, st.plant.dischargeCommand * 10))))
    }
}

public struct SimulatorError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
    public init(description: String) { self.description = description }
}
