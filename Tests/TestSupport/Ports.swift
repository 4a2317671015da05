import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Ports handed out in this test process (every test target runs in it), never twice.
private let handedOutPorts = Mutex<Set<Int>>([])

/// A port for a peer or gateway that must be told its port up front: free for both TCP and UDP
/// now, never handed out twice in this process, and outside the kernel's ephemeral range
/// (32768–60999), so a socket bound to port 0 elsewhere in the process (a simulator, a client)
/// cannot take it between this call and the peer's bind.
public func freePort() throws -> Int {
    for _ in 0..<500 {
        let port = Int.random(in: 20000...31999)
        guard handedOutPorts.withLock({ $0.insert(port).inserted }) else { continue }
        if onLoopback(port, type: Int32(SOCK_STREAM.rawValue), bind) && onLoopback(port, type: Int32(SOCK_DGRAM.rawValue), bind) {
            return port
        }
    }
    throw POSIXError(.EADDRINUSE)
}

/// Whether something accepts TCP connections on 127.0.0.1:port.
public func accepts(port: Int) -> Bool {
    onLoopback(port, type: Int32(SOCK_STREAM.rawValue), connect)
}

/// `call` (bind or connect) on a fresh socket with 127.0.0.1:port; whether it succeeded.
private func onLoopback(_ port: Int, type: Int32, _ call: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Bool {
    let fd = socket(AF_INET, type, 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

/// The messages the SMTP sink (scripts/peers/smtp_sink.py) stored in `dir`, oldest first.
public func receivedMail(_ dir: String) -> [String] {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
    return names.compactMap { try? String(contentsOfFile: "\(dir)/\($0)", encoding: .utf8) }
}
