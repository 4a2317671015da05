import Foundation
import Logging
import ModbusCore
import ServiceSupport
#if canImport(Glibc)
import Glibc
#endif

/// A Modbus TCP server for several simulated units on one port, as a
/// serial-to-TCP gateway would serve them: the MBAP unit id selects the unit.
/// One thread per client connection, so concurrent pollers are served in parallel.
final class TCPServer: Sendable {
    private let host: String
    private let requestedPort: Int
    private let units: [Int: SimulatedUnit]
    private let threads: WorkerThreads
    private let logger: Logger

    init(host: String, port: Int, units: [Int: SimulatedUnit], threads: WorkerThreads, logger: Logger) {
        self.host = host
        requestedPort = port
        self.units = units
        self.threads = threads
        self.logger = logger
    }

    /// Binds and starts accepting; returns the port (useful with port 0).
    func start() throws(SimulatorError) -> Int {
        let listener: ModbusContext
        do { listener = try ModbusContext.tcp(host: host, port: requestedPort) } catch {
            throw SimulatorError("cannot create a Modbus TCP server on \(host):\(requestedPort): \(error)")
        }
        let fd: Int32
        // Every link of a gateway connects at once at start: 247 units (Modbus's most) must not overflow it.
        do { fd = try listener.listen(backlog: 256) } catch {
            throw SimulatorError("cannot listen on \(host):\(requestedPort): \(error)")
        }
        var addr = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let port = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa -> Int in
                guard getsockname(fd, sa, &len) == 0 else { return requestedPort }
                if sa.pointee.sa_family == sa_family_t(AF_INET6) {
                    return sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
                }
                return sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        }
        // The accept loop owns the socket from here (the context has forgotten it).
        let listenFD = fd
        threads.spawn(name: "sim-accept") { [self] in acceptLoop(listenFD: listenFD) }
        return port
    }

    private func acceptLoop(listenFD: Int32) {
        defer { Glibc.close(listenFD) }
        while !threads.isStopping {
            guard Self.waitReadable(listenFD, milliseconds: 200) else { continue }
            let client = accept(listenFD, nil, nil)
            guard client >= 0 else { continue }
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            // Replies are sent with the unit's lock held: a client that never reads must not block it for long.
            var timeout = timeval(tv_sec: 1, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            threads.spawn(name: "sim-conn") { [self] in serve(client: client) }
        }
    }

    private func serve(client fd: Int32) {
        defer { Glibc.close(fd) }
        // A context only to use libmodbus's TCP framing on this socket.
        guard let ctx = try? ModbusContext.tcp(host: "127.0.0.1", port: 0) else { return }
        ctx.use(socket: fd)
        var buffer = [UInt8](repeating: 0, count: ModbusContext.maxTCPFrame)
        while !threads.isStopping {
            guard Self.waitReadable(fd, milliseconds: 200) else { continue }
            let n = ctx.receive(into: &buffer)
            if n < 0 { break }  // closed by the client, or a malformed frame: drop the connection
            guard n > 6 else { continue }
            let unitId = Int(buffer[6])
            buffer.withUnsafeBufferPointer { req in
                guard let base = req.baseAddress else { return }
                if let unit = units[unitId] {
                    _ = unit.serve(request: base, length: n, ctx: ctx)
                } else {
                    // What a TCP gateway answers for a unit that is not there.
                    ctx.reply(to: base, exception: .gatewayTargetFailedToRespond)
                }
            }
        }
        // The socket is closed by the defer above, not by the context.
        ctx.use(socket: -1)
    }

    static func waitReadable(_ fd: Int32, milliseconds: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, milliseconds) > 0
    }
}
