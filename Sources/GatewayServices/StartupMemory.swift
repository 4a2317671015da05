public import Logging
public import ServiceLifecycle
import ServiceSupport

/// Once the gateway has run a minute (every service started, a few full sweeps polled, the web
/// and SNMP servers answering), gives the start-up-only code pages back to the kernel. Only
/// `bmgw run` adds it: a test process's own binary is not the gateway's to trim.
public struct StartupMemory: Service {
    let after: Duration
    let logger: Logger

    public init(after: Duration = .seconds(60), logger: Logger) {
        self.after = after
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: after) }
        } catch {
            return  // shut down before the minute was up
        }
        let resident = StartupPages.release()
        logger.info("start-up pages released", metadata: ["residentMB": "\(resident.before / 1024) → \(resident.after / 1024)"])
        // Returning would end the group (ServiceLifecycle's default): wait for the shutdown instead.
        try? await gracefulShutdown()
    }
}
