import CModbus
#if canImport(Glibc)
import Glibc
#endif

/// Owns one libmodbus context (`modbus_t`).
///
/// libmodbus contexts are not thread-safe, so this type is deliberately not
/// `Sendable`: it is created and used on one thread (a poller's or a
/// simulator connection's) and freed there.
public final class ModbusContext {
    /// The C handle: only this module calls libmodbus.
    let handle: OpaquePointer
    public private(set) var isConnected = false
    /// RTU frames end in a 2-byte CRC; TCP frames have none.
    private let trailerLength: Int

    private init(_ handle: OpaquePointer, trailerLength: Int = 0) {
        self.handle = handle
        self.trailerLength = trailerLength
    }

    deinit {
        modbus_close(handle)
        modbus_free(handle)
    }

    /// A Modbus TCP client (or, with `listen`, server) context.
    public static func tcp(host: String, port: Int) throws(ModbusError) -> ModbusContext {
        guard let ctx = modbus_new_tcp_pi(host, String(port)) else { throw ModbusError.fromErrno() }
        return ModbusContext(ctx)
    }

    /// A Modbus RTU context on a serial device.
    public static func rtu(device: String, baud: Int, parity: Character, dataBits: Int, stopBits: Int) throws(ModbusError) -> ModbusContext {
        let p = CChar(parity.asciiValue ?? UInt8(ascii: "N"))
        guard let ctx = modbus_new_rtu(device, Int32(baud), p, Int32(dataBits), Int32(stopBits)) else {
            throw ModbusError.fromErrno()
        }
        return ModbusContext(ctx, trailerLength: 2)
    }

    public func connect() throws(ModbusError) {
        guard !isConnected else { return }
        guard modbus_connect(handle) == 0 else { throw ModbusError.fromErrno() }
        isConnected = true
    }

    public func close() {
        modbus_close(handle)
        isConnected = false
    }

    /// Addresses a unit; libmodbus refuses ids it considers invalid (TCP 248…254, RTU above 247).
    public func setUnit(_ unit: Int) throws(ModbusError) {
        guard modbus_set_slave(handle, Int32(unit)) == 0 else { throw ModbusError.fromErrno() }
    }

    public func setResponseTimeout(_ d: Duration) {
        let (sec, usec) = Self.split(d)
        modbus_set_response_timeout(handle, sec, usec)
    }

    /// Longest silence allowed between two bytes of one frame.
    public func setByteTimeout(_ d: Duration) {
        let (sec, usec) = Self.split(d)
        modbus_set_byte_timeout(handle, sec, usec)
    }

    /// Discards whatever is waiting on the line (after a garbled or late answer).
    public func flush() {
        _ = modbus_flush(handle)
    }

    /// Reads `count` (≤ 125) input registers (function 0x04).
    public func readInputRegisters(start: Int, count: Int) throws(ModbusError) -> [UInt16] {
        try read(start: start, count: count) { modbus_read_input_registers(handle, $0, $1, $2) }
    }

    /// Reads `count` (≤ 125) holding registers (function 0x03).
    public func readHoldingRegisters(start: Int, count: Int) throws(ModbusError) -> [UInt16] {
        try read(start: start, count: count) { modbus_read_registers(handle, $0, $1, $2) }
    }

    /// Writes one holding register (function 0x06).
    public func writeRegister(_ address: Int, _ value: UInt16) throws(ModbusError) {
        guard modbus_write_register(handle, Int32(address), value) == 1 else { throw ModbusError.fromErrno() }
    }

    /// Writes consecutive holding registers (function 0x10).
    public func writeRegisters(_ address: Int, _ values: [UInt16]) throws(ModbusError) {
        let n = values.withUnsafeBufferPointer { modbus_write_registers(handle, Int32(address), Int32($0.count), $0.baseAddress) }
        guard n == values.count else { throw ModbusError.fromErrno() }
    }

    /// Sends one request PDU (function code and data) to the unit set with ``setUnit(_:)`` and returns
    /// the answer's PDU as the device sent it, an exception answer included: remote access forwards
    /// both unchanged. libmodbus frames it (MBAP or CRC) and checks the answer's unit and transaction.
    public func forward(unit: Int, pdu: [UInt8]) throws(ModbusError) -> [UInt8] {
        guard !pdu.isEmpty, pdu.count <= 253, let id = UInt8(exactly: unit) else {
            throw ModbusError(kind: .badResponse, message: "not a request PDU")
        }
        let request = [id] + pdu
        let sent = request.withUnsafeBufferPointer { modbus_send_raw_request(handle, $0.baseAddress, Int32($0.count)) }
        guard sent > 0 else { throw ModbusError.fromErrno() }
        var answer = [UInt8](repeating: 0, count: Int(MODBUS_MAX_ADU_LENGTH))
        let n = Int(answer.withUnsafeMutableBufferPointer { modbus_receive_confirmation(handle, $0.baseAddress) })
        guard n > 0 else { throw ModbusError.fromErrno() }
        let header = Int(modbus_get_header_length(handle))
        guard n > header + trailerLength else { throw ModbusError(kind: .badResponse, message: "empty answer") }
        return Array(answer[header..<(n - trailerLength)])
    }

    private func read(start: Int, count: Int,
                      _ call: (Int32, Int32, UnsafeMutablePointer<UInt16>) -> Int32) throws(ModbusError) -> [UInt16] {
        guard count > 0 else { return [] }
        var out = [UInt16](repeating: 0, count: count)
        let n = out.withUnsafeMutableBufferPointer { buf in
            // count ≥ 1, so the buffer has a base address.
            call(Int32(start), Int32(count), buf.baseAddress!)
        }
        guard n == count else {
            throw n < 0 ? ModbusError.fromErrno() : ModbusError(kind: .badResponse, message: "short read: \(n) of \(count) registers")
        }
        return out
    }

    private static func split(_ d: Duration) -> (UInt32, UInt32) {
        let us = max(0, d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000)
        return (UInt32(us / 1_000_000), UInt32(us % 1_000_000))
    }
}
