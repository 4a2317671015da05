public import BatteryModel
import ServiceLifecycle

/// The loop every event-driven service runs (recorder, alarm engine, notifier, uplink, SNMP agent):
/// ticks and events from one bounded ``Subscription``, timers that wake its ticks, tasks that run
/// alongside until graceful shutdown, and the drain at shutdown (the subscription is finished, what
/// it buffered is still handled, then the loop returns).
public enum ServiceLoop {
    /// A timer: wakes `tick` every `interval()` (read before each wait, so a changed setting applies).
    public struct Timer<Tick: Hashable & Sendable>: Sendable {
        let tick: Tick
        let interval: @Sendable () -> Duration

        public init(_ tick: Tick, every interval: @escaping @Sendable () -> Duration) {
            self.tick = tick
            self.interval = interval
        }

        public init(_ tick: Tick, every interval: Duration) {
            self.init(tick) { interval }
        }
    }

    public static func run<Event: Sendable, Tick: Hashable & Sendable>(
        _ subscription: Subscription<Event, Tick>,
        timers: [Timer<Tick>] = [],
        alongside: [@Sendable () async -> Void] = [],
        onShutdown: @escaping @Sendable () -> Void = {},
        _ handle: (Subscription<Event, Tick>.Input) async -> Void
    ) async {
        await withTaskGroup(of: Void.self) { group in
            for timer in timers {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: timer.interval())
                        subscription.wake(timer.tick)
                    }
                }
            }
            group.addTask {
                // Services stop in reverse order, so what feeds this one has stopped by now: drain it.
                try? await gracefulShutdown()
                subscription.finish()
                onShutdown()
            }
            for task in alongside {
                group.addTask { await cancelWhenGracefulShutdown { await task() } }
            }
            while let input = await subscription.next() { await handle(input) }
            group.cancelAll()
        }
        subscription.finish()
    }
}
