import Foundation
import Logging
import ModbusCore
import ServiceSupport
#if canImport(Glibc)
import Glibc
#endif

/// A Modbus RTU bus with several simulated units on one serial device (or pty).
final class RTUServer: Sendable {
    private let fd: Int32
    private let baud: Int
    private let units: [Int: SimulatedUnit]
    private let threads: WorkerThreads
    private let logger: Logger

    /// `fd` is an open serial device or pty master; the server closes it when it stops.
    init(fd: Int32, baud: Int, units: [Int: SimulatedUnit], threads: WorkerThreads, logger: Logger) {
        self.fd = fd
        self.baud = baud
        self.units = units
        self.threads = threads
        self.logger = logger
    }

    func start() {
        threads.spawn(name: "sim-rtu") { [self] in
            guard let ctx = try? ModbusContext.rtu(device: "/dev/null", baud: baud, parity: "N", dataBits: 8, stopBits: 1) else {
                logger.error("cannot create a Modbus RTU context; the RTU simulator is not serving")
                Glibc.close(fd)
                return
            }
            ctx.use(socket: fd)
            run(ctx: ctx)
            ctx.use(socket: -1)
            Glibc.close(fd)
        }
    }

    private func run(ctx: ModbusContext) {
        var frame: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        // Silence that ends a partial frame: 3.5 characters, at least 2 ms (ptys deliver in bursts).
        let gap = max(2, Int32(3.5 * 11 * 1000 / Double(baud)) + 1)
        while !threads.isStopping {
            guard TCPServer.waitReadable(fd, milliseconds: frame.isEmpty ? 200 : gap) else {
                frame.removeAll()  // silence inside a frame: discard the fragment
                continue
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 {
                if n == 0 || errno == EIO { _ = threads.sleep(.milliseconds(50)) }  // pty without a peer yet
                continue
            }
            frame += chunk[0..<n]
            while let length = RTUFraming.requestLength(frame), frame.count >= max(length, 1) {
                guard length > 0 else {
                    frame.removeFirst()
                    continue
                }
                let request = Array(frame[0..<length])
                frame.removeFirst(length)
                guard RTUFraming.hasValidCRC(request[...]) else {
                    frame.removeAll()  // garbled: wait for silence and the next frame
                    break
                }
                guard let unit = units[Int(request[0])] else { continue }  // another device's frame
                try? ctx.setUnit(unit.unit)
                request.withUnsafeBufferPointer { req in
                    guard let base = req.baseAddress else { return }
                    _ = unit.serve(request: base, length: length, ctx: ctx)
                }
            }
        }
    }
}
