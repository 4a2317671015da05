import NIOCore

/// One Modbus/TCP application data unit: the MBAP header's transaction and unit ids and the PDU.
struct MBAPFrame: Sendable, Equatable {
    var transaction: UInt16
    var unit: UInt8
    var pdu: [UInt8]

    /// The answer to this request with `pdu`, under the client's own transaction and unit ids.
    func answer(_ pdu: [UInt8]) -> MBAPFrame {
        MBAPFrame(transaction: transaction, unit: unit, pdu: pdu)
    }

    /// An exception answer (function | 0x80, code) to this request.
    func exception(_ code: UInt8) -> MBAPFrame {
        answer([(pdu.first ?? 0) | 0x80, code])
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(transaction)
        buffer.writeInteger(UInt16(0))
        buffer.writeInteger(UInt16(pdu.count + 1))
        buffer.writeInteger(unit)
        buffer.writeBytes(pdu)
    }
}

/// Splits the TLS stream into MBAP frames. A frame that is not Modbus (protocol id ≠ 0, a length
/// outside 2…254) ends the session: the stream cannot be resynchronised.
struct MBAPDecoder: ByteToMessageDecoder {
    typealias InboundOut = MBAPFrame

    struct NotModbus: Error, CustomStringConvertible {
        let description: String
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard buffer.readableBytes >= 7,
              let transaction = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              let protocolId = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self),
              let length = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt16.self),
              let unit = buffer.getInteger(at: buffer.readerIndex + 6, as: UInt8.self) else { return .needMoreData }
        guard protocolId == 0 else { throw NotModbus(description: "protocol id \(protocolId), not Modbus") }
        guard (2...254).contains(length) else { throw NotModbus(description: "MBAP length \(length)") }
        guard buffer.readableBytes >= 6 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 7)
        let pdu = buffer.readBytes(length: Int(length) - 1) ?? []
        context.fireChannelRead(wrapInboundOut(MBAPFrame(transaction: transaction, unit: unit, pdu: pdu)))
        return .continue
    }
}

/// Writes MBAP frames.
struct MBAPEncoder: MessageToByteEncoder {
    typealias OutboundIn = MBAPFrame

    func encode(data: MBAPFrame, out: inout ByteBuffer) throws {
        data.write(to: &out)
    }
}

/// Closes a session that sent nothing for the idle timeout.
final class CloseWhenIdle: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
