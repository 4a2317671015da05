import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif


func tempDir() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
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

