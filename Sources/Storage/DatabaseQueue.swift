import Dispatch

/// Runs blocking work on a resource (a database connection) on one serial
/// dispatch queue of its own, so SQLite calls never occupy Swift's cooperative pool.
///
/// `@unchecked Sendable`: `resource` is not Sendable, but it is only touched
/// inside blocks submitted to `queue`, which is serial, so there is never more
/// than one thread using it.
public final class DatabaseQueue<Resource>: @unchecked Sendable {
    private let queue: DispatchQueue
    private let resource: Resource

    public init(label: String, _ make: () throws -> Resource) rethrows {
        queue = DispatchQueue(label: label)
        resource = try make()
    }

    public func run<T: Sendable>(_ body: @escaping @Sendable (Resource) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            queue.async { c.resume(with: Result { try body(self.resource) }) }
        }
    }

    /// Blocking variant for command-line tools that have nothing else to do.
    public func sync<T>(_ body: (Resource) throws -> T) rethrows -> T {
        try queue.sync { try body(resource) }
    }
}
