import Dispatch
public import Foundation

/// The repository's root folder (config files, scripts, MIBs).
public let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Waits until `condition` holds (polling every 50 ms); false after `timeout` seconds. Tests wait
/// on the condition they need, never for a fixed time.
public func eventually(_ timeout: Double = 10, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try condition()
}

/// `eventually` for a condition that blocks (a child process: curl, snmpget): each try runs on a
/// Dispatch thread, so the cooperative threads stay free for the gateways under test in this process.
public func eventuallyOffPool(_ timeout: Double = 10, _ condition: @escaping @Sendable () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if (try? await offPool(condition)) == true { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return (try? await offPool(condition)) == true
}

/// Runs blocking work (a child process, a blocking socket) on a Dispatch thread.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        DispatchQueue.global().async { c.resume(with: Result { try body() }) }
    }
}
