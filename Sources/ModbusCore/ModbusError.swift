import CModbus
#if canImport(Glibc)
import Glibc
#endif

/// A failed Modbus operation, classified the way the gateway reacts to it.
public struct ModbusError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No (complete) answer within the response timeout.
        case timeout
        /// The device answered with a Modbus exception (1 = illegal function, 2 = illegal address, 6 = busy…).
        case exception(UInt8)
        /// The answer was malformed: bad CRC, wrong length, wrong unit or transaction (garbage on the line).
        case badResponse
        /// The connection could not be opened or broke.
        case connection
    }

    public var kind: Kind
    /// libmodbus's (or the system's) text for the error.
    public var message: String
    public var errno: Int32

    public init(kind: Kind, message: String, errno: Int32 = 0) {
        self.kind = kind
        self.message = message
        self.errno = errno
    }

    /// Classifies the current `errno` after a failed libmodbus call.
    static func fromErrno(_ code: Int32 = Glibc.errno) -> ModbusError {
        let message = String(cString: modbus_strerror(code))
        let base = Int32(MODBUS_ENOBASE)
        switch code {
        case ETIMEDOUT:
            return ModbusError(kind: .timeout, message: message, errno: code)
        case (base + 1)...(base + 11):
            return ModbusError(kind: .exception(UInt8(code - base)), message: message, errno: code)
        case (base + 12)...(base + 17):
            return ModbusError(kind: .badResponse, message: message, errno: code)
        default:
            return ModbusError(kind: .connection, message: message, errno: code)
        }
    }

    /// The device asks for a moment: exception 5 (acknowledge: the request is being processed) or
    /// 6 (server busy). Worth asking again after a pause.
    public var isBusy: Bool {
        kind == .exception(5) || kind == .exception(6)
    }

    public var description: String {
        switch kind {
        case .timeout: "timeout (\(message))"
        case let .exception(code): "Modbus exception \(code) (\(message))"
        case .badResponse: "invalid response (\(message))"
        case .connection: "connection failed (\(message))"
        }
    }
}
