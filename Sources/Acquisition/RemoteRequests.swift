import Dispatch
public import ModbusCore
import Synchronization

/// A Modbus request from remote access for one controller: the PDU to forward and where its
/// answer goes (called on the link's thread).
struct RemoteRequest: Sendable {
    let stringIndex: Int
    let pdu: [UInt8]
    let reply: @Sendable (Result<[UInt8], ModbusError>) -> Void
}

/// Remote requests waiting for one link's thread, which serves them between its poll transactions
/// and wakes for them while it waits for the next sweep. Bounded: a full mailbox answers busy.
final class LinkMailbox: Sendable {
    static let capacity = 32
    private let state = Mutex<(queue: [RemoteRequest], closed: Bool)>(([], false))
    /// Counts submissions (and the close): the thread's wait returns early for each.
    private let signal = DispatchSemaphore(value: 0)

    /// Queues `request`; false when the mailbox is full or closed (the caller answers for it).
    func submit(_ request: RemoteRequest) -> Bool {
        let queued = state.withLock { s -> Bool in
            guard !s.closed, s.queue.count < Self.capacity else { return false }
            s.queue.append(request)
            return true
        }
        if queued { signal.signal() }
        return queued
    }

    /// The oldest waiting request, if any.
    func next() -> RemoteRequest? {
        state.withLock { s in s.queue.isEmpty ? nil : s.queue.removeFirst() }
    }

    /// Waits up to `duration` for a submission (or the close); true when woken early.
    func wait(_ duration: Duration) -> Bool {
        let ns = max(0, duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        return signal.wait(timeout: .now() + .nanoseconds(Int(ns))) == .success
    }

    /// No more requests: those waiting are answered with a connection error.
    func close() {
        let left = state.withLock { s in
            s.closed = true
            defer { s.queue = [] }
            return s.queue
        }
        signal.signal()
        for r in left { r.reply(.failure(ModbusError(kind: .connection, message: "gateway stopping"))) }
    }
}
