import Synchronization

/// Settings that can be replaced while the gateway runs (a reload, the web UI's settings pages):
/// readers take the current value at each use.
public final class LiveSettings<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    public init(_ value: Value) {
        self.value = Mutex(value)
    }

    public var current: Value { value.withLock { $0 } }

    public func replace(with new: Value) {
        value.withLock { $0 = new }
    }
}
