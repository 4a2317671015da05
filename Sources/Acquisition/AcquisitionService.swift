public import ServiceLifecycle

/// Runs ``Acquisition`` until graceful shutdown.
public struct AcquisitionService: Service {
    public let acquisition: Acquisition

    public init(acquisition: Acquisition) {
        self.acquisition = acquisition
    }

    public func run() async throws {
        acquisition.start()
        try? await gracefulShutdown()
        await acquisition.stop()
    }
}
