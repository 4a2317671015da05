public import ServiceLifecycle

/// Runs a ``PlantSimulator``'s clock as a service; stops its servers on shutdown.
public struct SimulatorService: Service {
    public let simulator: PlantSimulator

    public init(simulator: PlantSimulator) {
        self.simulator = simulator
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await simulator.runClock()
        }
        await simulator.stop()
    }
}
