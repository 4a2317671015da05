public import BatteryModel
public import GatewayConfig
public import Logging
public import ModbusCore
import ServiceSupport

/// All pollers of the gateway: one thread per link, each sweeping its
/// controllers every poll interval, isolated from the others.
public final class Acquisition: Sendable {
    let links: [LinkPlan]
    let settings: AcquisitionSettings
    let model: LiveModel
    let logger: Logger
    let threads = WorkerThreads()
    /// One per link, in link order: remote-access requests for its thread.
    let mailboxes: [LinkMailbox]
    /// The link of each string.
    private let linkOfString: [Int: Int]
    let observer: (any PollObserver)?

    public init(config: GatewayConfig, model: LiveModel, observer: (any PollObserver)? = nil, logger: Logger) {
        self.observer = observer
        links = LinkPlan.links(for: config)
        mailboxes = links.map { _ in LinkMailbox() }
        var linkOfString: [Int: Int] = [:]
        for (n, link) in links.enumerated() {
            for c in link.controllers { linkOfString[c.stringIndex] = n }
        }
        self.linkOfString = linkOfString
        settings = config.acquisition
        self.model = model
        self.logger = logger
    }

    public var linkCount: Int { links.count }

    public func start() {
        logger.info("acquisition starting", metadata: ["links": "\(links.count)", "strings": "\(model.topology.strings.count)"])
        if let k = Self.measuredPoolSize() {
            startPool(k)
            return
        }
        for (n, link) in links.enumerated() {
            let mailbox = mailboxes[n]
            threads.spawn(name: "poll-\(n)") { [self] in
                let session = LinkSession(link: link, settings: settings, model: model, logger: logger, mailbox: mailbox,
                                          observer: observer)
                let clock = ContinuousClock()
                var due = clock.now
                while !threads.isStopping {
                    session.sweep { threads.isStopping }
                    due += settings.pollInterval
                    // A sweep longer than the interval (a slow bus) starts the next one at once.
                    if due < clock.now { due = clock.now }
                    // Until the next sweep: remote requests are served as they come.
                    while !threads.isStopping, clock.now < due {
                        if mailbox.wait(due - clock.now) { session.serveRemote() }
                    }
                }
            }
        }
    }

    /// Forwards a request PDU to the controller of string `stringIndex` over its own link, between
    /// that link's poll transactions (a request waits for at most one); the answer is the device's
    /// PDU, an exception answer included. A busy mailbox answers exception 6 (server busy).
    public func forward(stringIndex: Int, pdu: [UInt8]) async -> Result<[UInt8], ModbusError> {
        guard let n = linkOfString[stringIndex] else {
            return .failure(ModbusError(kind: .connection, message: "no controller for string \(stringIndex + 1)"))
        }
        return await withCheckedContinuation { c in
            let request = RemoteRequest(stringIndex: stringIndex, pdu: pdu) { c.resume(returning: $0) }
            if !mailboxes[n].submit(request) {
                c.resume(returning: .failure(ModbusError(kind: .exception(6), message: "link busy with remote requests")))
            }
        }
    }

    public func stop() async {
        threads.requestStop()
        for m in mailboxes { m.close() }
        await threads.stop()
        logger.info("acquisition stopped")
    }
}
