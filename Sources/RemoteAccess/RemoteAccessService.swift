import GatewayConfig
public import Logging
public import ServiceLifecycle

/// Runs the remote-access listener until graceful shutdown. A listener that cannot start (the port
/// in use, no right to bind port 802) is said clearly and leaves the rest of the gateway running.
public struct RemoteAccessService: Service {
    let server: RemoteAccessServer
    let logger: Logger
    let bound: @Sendable (Int) -> Void

    public init(server: RemoteAccessServer, logger: Logger, bound: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.server = server
        self.logger = logger
        self.bound = bound
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await server.run(bound: bound) }
        } catch is CancellationError {
            return
        } catch {
            logger.error("remote access not started", metadata: ["error": "\(error)",
                                                                  "address": "\(server.settings.host):\(server.settings.port)"])
            try? await gracefulShutdown()
        }
    }
}
