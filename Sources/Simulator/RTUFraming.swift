/// Request framing for the RTU server side.
///
/// libmodbus's RTU receiver drops frames for any unit id but the context's
/// own, so a bus with several simulated controllers cuts frames itself and
/// hands each whole frame to `modbus_reply` with the addressed unit.
enum RTUFraming {
    /// Length of the request frame at the start of `bytes`, when it can be told yet.
    static func requestLength(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        switch bytes[1] {
        case 0x01...0x06: return 8
        case 0x0F, 0x10:
            guard bytes.count >= 7 else { return nil }
            return 9 + Int(bytes[6])
        case 0x07, 0x0B, 0x0C, 0x11: return 4
        default: return 0  // unknown function: resynchronise
        }
    }

    /// Modbus CRC-16 (polynomial 0xA001, initial 0xFFFF), sent low byte first.
    static func crc(_ bytes: ArraySlice<UInt8>) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for b in bytes {
            crc ^= UInt16(b)
            for _ in 0..<8 {
                crc = crc & 1 != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1
            }
        }
        return crc
    }

    static func hasValidCRC(_ frame: ArraySlice<UInt8>) -> Bool {
        guard frame.count >= 4 else { return false }
        let body = frame.dropLast(2)
        let received = UInt16(frame[frame.endIndex - 2]) | UInt16(frame[frame.endIndex - 1]) << 8
        return crc(body) == received
    }
}
