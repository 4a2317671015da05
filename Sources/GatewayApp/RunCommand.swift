import ArgumentParser
import ConfigSupport
import GatewayConfig
import GatewayServices
import ServiceSupport

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the gateway (and its built-in simulator, if configured) until SIGTERM/SIGINT.")

    @Option(name: .shortAndLong, help: "Configuration file.")
    var config: String = "config/gateway.yaml"

    func run() async throws {
        MallocArenas.limit()
        let cfg = try loadConfig(config)
        let logger = LogSetup.bootstrap(level: cfg.logLevel)
        let gateway = try Gateway(config: cfg, logger: logger)
        try await gateway.run(alongside: [StartupMemory(logger: logger)])
    }
}

/// Loads a configuration or exits with every problem listed (exit code 2).
func loadConfig(_ path: String) throws -> GatewayConfig {
    do {
        return try GatewayConfig.load(file: path)
    } catch {
        printError(error.description)
        throw ExitCode(2)
    }
}

func printError(_ text: String) {
    FileOutput.standardError.write(text + "\n")
}
