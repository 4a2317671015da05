import ArgumentParser
import BatteryModel
import GatewayConfig

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file and the register maps it names; list every problem.")

    @Argument(help: "Configuration file.")
    var file: String

    func run() throws {
        let config = try loadConfig(file)
        let maps = Set(config.controllers.map(\.registerMapFile)).sorted()
        print("""
            \(file): OK
              gateway \(config.gatewayId), \(config.topology.upses.count) UPS, \(config.topology.strings.count) strings, \(config.topology.cellCount) cells
              data directory \(config.dataDirectory)
              register maps: \(maps.joined(separator: ", "))
              simulator: \(config.simulator.map { "\($0.host):\($0.port)" } ?? "off")
            """)
    }
}
