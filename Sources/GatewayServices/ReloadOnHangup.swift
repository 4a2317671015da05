import GatewayConfig
import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP (`systemctl reload bmgw`): reads the configuration file again and applies what can change
/// while running. A file with mistakes changes nothing; its problems are logged.
struct ReloadOnHangup: Service {
    let gateway: Gateway
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        // The signal sequence never ends by itself: it is cut at shutdown.
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                try gateway.reload(GatewayConfig.load(file: gateway.config.file))
            } catch {
                logger.error("configuration not reloaded", metadata: ["problems": "\(error)"])
            }
        }
    }
}
