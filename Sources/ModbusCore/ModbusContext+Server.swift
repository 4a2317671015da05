import CModbus
#if canImport(Glibc)
import Glibc
#endif

/// A Modbus exception code (Modbus Application Protocol V1.1b3, section 7).
public struct ModbusException: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let illegalFunction = ModbusException(rawValue: 1)
    public static let illegalDataAddress = ModbusException(rawValue: 2)
    public static let illegalDataValue = ModbusException(rawValue: 3)
    public static let serverFailure = ModbusException(rawValue: 4)
    public static let acknowledge = ModbusException(rawValue: 5)
    public static let serverBusy = ModbusException(rawValue: 6)
    public static let gatewayPathUnavailable = ModbusException(rawValue: 10)
    public static let gatewayTargetFailedToRespond = ModbusException(rawValue: 11)
}

/// The server side of a context, for the simulator: libmodbus's framing, its replies from a
/// register image, exceptions. Requests and replies are whole ADUs (header, PDU, checksum).
extension ModbusContext {
    /// The largest Modbus TCP frame (MBAP header and PDU).
    public static let maxTCPFrame = Int(MODBUS_TCP_MAX_ADU_LENGTH)

    /// Listens on the context's host and port; returns the listening socket, which the caller owns
    /// (and closes): the context forgets it.
    public func listen(backlog: Int32) throws(ModbusError) -> Int32 {
        let fd = modbus_tcp_pi_listen(handle, backlog)
        guard fd >= 0 else { throw ModbusError.fromErrno() }
        modbus_set_socket(handle, -1)
        return fd
    }

    /// Serves (or stops serving, with -1) an open socket or serial line the caller owns.
    public func use(socket fd: Int32) {
        modbus_set_socket(handle, fd)
    }

    /// The socket in use (for bytes outside the protocol, e.g. a simulated garbled answer).
    public var socket: Int32 { modbus_get_socket(handle) }

    /// Bytes before the function code: 7 for TCP (MBAP), 1 for RTU (unit).
    public var headerLength: Int { Int(modbus_get_header_length(handle)) }

    /// Receives one request into `buffer` (at least ``maxTCPFrame`` bytes); returns its length, 0 for
    /// a frame meant for another unit, or a negative value when the peer closed or sent garbage.
    public func receive(into buffer: inout [UInt8]) -> Int {
        buffer.withUnsafeMutableBufferPointer { Int(modbus_receive(handle, $0.baseAddress)) }
    }

    /// Answers `request` from `image` (reads, writes, or libmodbus's own exception); false when the
    /// answer could not be sent.
    public func reply(to request: UnsafePointer<UInt8>, length: Int, from image: ModbusRegisterImage) -> Bool {
        modbus_reply(handle, request, Int32(length), image.mapping) >= 0
    }

    /// Answers `request` with an exception.
    public func reply(to request: UnsafePointer<UInt8>, exception: ModbusException) {
        _ = modbus_reply_exception(handle, request, exception.rawValue)
    }
}
