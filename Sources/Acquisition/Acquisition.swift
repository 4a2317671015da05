public import BatteryModel
public import GatewayConfig
public import Logging
import ModbusCore
import ServiceSupport

/// All pollers of the gateway: one thread per link, each sweeping its
/// controllers every poll interval, isolated from the others.
public final class Acquisition: Sendable {
    private let links: [LinkPlan]
    private let settings: AcquisitionSettings
    private let model: LiveModel
    private let logger: Logger
    private let threads = WorkerThreads()

    public init(config: GatewayConfig, model: LiveModel, logger: Logger) {
        links = LinkPlan.links(for: config)
        settings = config.acquisition
        self.model = model
        self.logger = logger
    }

    public var linkCount: Int { links.count }

    public func start() {
        logger.info("acquisition starting", metadata: ["links": "\(links.count)", "strings": "\(model.topology.strings.count)"])
        for (n, link) in links.enumerated() {
            threads.spawn(name: "poll-\(n)") { [self] in
                let session = LinkSession(link: link, settings: settings, model: model, logger: logger)
                let clock = ContinuousClock()
                var due = clock.now
                while !threads.isStopping {
                    session.sweep { threads.isStopping }
                    due += settings.pollInterval
                    let now = clock.now
                    // A sweep longer than the interval (a slow bus) starts the next one at once.
                    if due < now { due = now }
                    threads.sleep(due - now)
                }
            }
        }
    }

    public func stop() async {
        await threads.stop()
        logger.info("acquisition stopped")
    }
}
