import Dispatch
import Foundation
import Synchronization

/// Dedicated threads for blocking C calls (libmodbus requests, accept, serial reads),
/// so they never occupy Swift's cooperative thread pool.
///
/// Threads check ``isStopping`` between blocking calls; each call is bounded by a timeout,
/// so ``stop()`` returns within about one timeout.
public final class WorkerThreads: Sendable {
    private let group = DispatchGroup()
    private let stopping = Atomic<Bool>(false)
    /// Signalled at stop, to cut short sleeps between polls.
    private let wake = DispatchSemaphore(value: 0)
    private let sleepers = Atomic<Int>(0)

    public init() {}

    public var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Runs `body` on a new thread named `name`.
    public func spawn(name: String, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread { [group] in
            WorkerThreads.nameThisThread(name)
            body()
            group.leave()
        }
        thread.name = name
        thread.start()
    }

    /// Foundation's `Thread.name` does not reach the kernel on Linux, so `top -H`, perf and
    /// /proc/PID/task/*/comm showed the name of whichever Dispatch thread started this one. Written
    /// from inside the thread (`pthread_setname_np` is not visible to Swift; this is what it does).
    static func nameThisThread(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY)
        guard fd >= 0 else { return }
        let bytes = Array(name.utf8.prefix(15))  // the kernel keeps 15
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// Sleeps up to `duration`; returns early (false) when stopping.
    @discardableResult
    public func sleep(_ duration: Duration) -> Bool {
        guard !isStopping else { return false }
        let ns = max(0, duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        sleepers.add(1, ordering: .relaxed)
        let woke = wake.wait(timeout: .now() + .nanoseconds(Int(ns))) == .success
        sleepers.subtract(1, ordering: .relaxed)
        return !woke && !isStopping
    }

    /// Asks every thread to finish and wakes sleepers.
    public func requestStop() {
        stopping.store(true, ordering: .releasing)
        for _ in 0..<max(1, sleepers.load(ordering: .relaxed) + 64) { wake.signal() }
    }

    /// Requests stop and waits (without blocking the caller's executor thread) until every thread has ended.
    public func stop() async {
        requestStop()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            group.notify(queue: .global()) { c.resume() }
        }
    }

    /// Blocking variant for non-async callers (CLI tools, deinit paths).
    public func stopAndWait() {
        requestStop()
        group.wait()
    }
}
