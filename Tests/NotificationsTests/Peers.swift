import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func tempDir() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Ports handed out in this test process, never twice.
private let handedOutPorts = Mutex<Set<Int>>([])

/// A port for a peer or gateway that must be told its port up front: free for both TCP and UDP
/// now, never handed out twice in this process, and outside the kernel's ephemeral range
/// (32768–60999), so a socket bound to port 0 elsewhere in the process (a simulator, a client)
/// cannot take it between this call and the peer's bind. NotificationsTests uses 27000–31999.
func freePort() throws -> Int {
    for _ in 0..<500 {
        let port = Int.random(in: 27000...31999)
        guard handedOutPorts.withLock({ $0.insert(port).inserted }) else { continue }
        if portIsFree(port, type: Int32(SOCK_STREAM.rawValue)) && portIsFree(port, type: Int32(SOCK_DGRAM.rawValue)) { return port }
    }
    throw POSIXError(.EADDRINUSE)
}

private func portIsFree(_ port: Int, type: Int32) -> Bool {
    let fd = socket(AF_INET, type, 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

/// A self-signed certificate for localhost / 127.0.0.1, made with openssl.
func makeCertificate(in dir: String) throws -> (cert: String, key: String) {
    let cert = "\(dir)/cert.pem", key = "\(dir)/key.pem"
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                   "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw POSIXError(.EIO) }
    return (cert, key)
}

/// A Python peer from scripts/peers, started on a port and stopped by `stop()`.
final class Peer: @unchecked Sendable {
    // @unchecked: the Process is only touched from the test that owns the peer.
    let process = Process()
    let port: Int

    init(script: String, port: Int, arguments: [String]) throws {
        self.port = port
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repoRoot.appendingPathComponent("scripts/peers/\(script)").path, "--port", "\(port)"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for its "ready" line (the server listens from then on).
        let line = out.fileHandleForReading.availableDataOrLine(timeout: 15)
        guard line.contains("ready") else {
            process.terminate()
            throw POSIXError(.ETIMEDOUT)
        }
    }

    func stop() {
        // A test server has nothing to save: SIGKILL, so a stuck shutdown cannot hang the suite.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

extension FileHandle {
    /// Reads until a newline or the timeout, on a helper thread.
    func availableDataOrLine(timeout: Double) -> String {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var text = ""
        let handle = self
        Thread {
            while let d = try? handle.read(upToCount: 1), !d.isEmpty {
                text += String(decoding: d, as: UTF8.self)
                if text.hasSuffix("\n") { break }
            }
            done.signal()
        }.start()
        _ = done.wait(timeout: .now() + timeout)
        return text
    }
}

/// Files the SMTP sink saved, as text.
func receivedMail(_ dir: String) -> [String] {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
    return names.compactMap { try? String(contentsOfFile: "\(dir)/\($0)", encoding: .utf8) }
}

func waitFor(_ timeout: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return condition()
}
