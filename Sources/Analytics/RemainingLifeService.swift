public import BatteryModel
import Foundation
public import Logging
public import ServiceLifecycle
public import Storage

/// Re-estimates every cell's remaining life at the start and then every `interval` (the trends
/// move by the day; a run reads a year of hourly rollups once).
public struct RemainingLifeService: Service {
    let store: DatabaseQueue<GatewayDatabase>
    let topology: Topology
    let estimates: LifeEstimates
    let interval: Duration
    let logger: Logger

    public init(store: DatabaseQueue<GatewayDatabase>, topology: Topology, estimates: LifeEstimates, interval: Duration = .seconds(6 * 3600),
                logger: Logger) {
        (self.store, self.topology, self.estimates, self.interval, self.logger) = (store, topology, estimates, interval, logger)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await update()
                try? await Task.sleep(for: interval)
            }
        }
    }

    func update() async {
        let clock = ContinuousClock(), started = clock.now
        let now = Timestamp.now
        do {
            let strings = try await store.run { [topology] in try LifeEstimates.compute($0, topology: topology, now: now) }
            let seconds = (clock.now - started).seconds
            estimates.replace(with: .init(computedAt: now, strings: strings, seconds: seconds))
            let soon = strings.values.joined().filter { $0.status == .due || $0.status == .estimate }.count
            logger.info("remaining life estimated", metadata: ["cells": "\(strings.values.joined().count)", "dated": "\(soon)",
                                                               "seconds": "\(DecimalText.format(seconds, digits: 2))"])
        } catch {
            logger.warning("remaining life not estimated", metadata: ["error": "\(error)"])
        }
    }
}
