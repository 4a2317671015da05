public import Foundation
public import Logging
import ServiceSupport
public import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// A Unix socket in the data folder that answers every connection with the
/// live state as JSON (`bmgw status` reads it). Local only: file permissions
/// (0660) decide who may read. What it answers is the gateway's business (`answer`).
public struct StatusSocket: Service {
    let path: String
    let logger: Logger
    /// The reply to a request; called on the socket's thread, one client at a time.
    let answer: @Sendable (Request) -> [UInt8]

    public init(path: String, logger: Logger, answer: @escaping @Sendable (Request) -> [UInt8]) {
        self.path = path
        self.logger = logger
        self.answer = answer
    }

    public func run() async throws {
        let threads = WorkerThreads()
        let fd: Int32
        do { fd = try Self.listen(path: path) } catch {
            // Not fatal: the gateway runs on without `bmgw status` (a service that returns would stop the group).
            logger.error("status socket unavailable", metadata: ["path": "\(path)", "error": "\(error)"])
            try? await gracefulShutdown()
            return
        }
        let answer = self.answer
        threads.spawn(name: "status-socket") {
            defer { close(fd) }
            while !threads.isStopping {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 200) > 0 else { continue }
                let client = accept(fd, nil, nil)
                guard client >= 0 else { continue }
                Self.serve(client, answer: answer)
            }
        }
        try? await gracefulShutdown()
        await threads.stop()
        unlink(path)
    }

    /// What a client asks, in one line: `status` (the JSON document) or `limits` (the alarm limits
    /// were changed in the database by `bmgw limits`: read them again and apply them at once).
    public enum Request: String, Sendable {
        case status, limits
    }

    private static func serve(_ client: Int32, answer: @Sendable (Request) -> [UInt8]) {
        defer { close(client) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var line = [UInt8](repeating: 0, count: 64)
        let n = line.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
        let text = n > 0 ? String(decoding: line[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "status"
        // An older client sends nothing: it asks for the status.
        write(answer(Request(rawValue: text) ?? .status), to: client)
    }

    private static func write(_ data: some DataProtocol, to client: Int32) {
        Array(data).withUnsafeBytes { buf in
            guard let base = buf.baseAddress else { return }
            var offset = 0
            while offset < buf.count {
                let n = send(client, base + offset, buf.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }
                offset += n
            }
        }
    }

    static func listen(path: String) throws -> Int32 {
        unlink(path)  // a stale socket from a killed gateway
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var addr: UnixAddress
        do { addr = try UnixAddress(path: path) } catch {
            close(fd)
            throw error
        }
        let ok = withUnsafePointer(to: &addr.storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, addr.length) == 0 }
        }
        guard ok, Glibc.listen(fd, 8) == 0 else {
            let e = errno
            close(fd)
            throw POSIXError(.init(rawValue: e) ?? .EIO)
        }
        chmod(path, 0o660)
        return fd
    }

    /// Connects to a gateway's status socket, asks, and reads the answer (the status JSON, or "ok").
    public static func fetch(path: String, _ request: Request = .status) throws -> Data {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = try UnixAddress(path: path)
        let ok = withUnsafePointer(to: &addr.storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, addr.length) == 0 }
        }
        guard ok else { throw POSIXError(.init(rawValue: errno) ?? .ECONNREFUSED) }
        let ask = Array((request.rawValue + "\n").utf8)
        guard ask.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == ask.count else {
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
            if n == 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return data
    }
}

/// A `sockaddr_un` for a filesystem path.
struct UnixAddress {
    var storage = sockaddr_un()
    var length: socklen_t

    init(path: String) throws {
        storage.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        guard bytes.count < capacity else { throw POSIXError(.ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        length = socklen_t(MemoryLayout<sockaddr_un>.size)
    }
}
