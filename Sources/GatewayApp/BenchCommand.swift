import ArgumentParser
import Benchmarks

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure acquisition, storage, query, MQTT and web performance at full size (32 × 120 cells); print figures.",
        discussion: "Build with -c release first. Parts: tcp, rtu, ingest, size, alarms, query, sparkplug, report, life, snmpview, web (default: all); mqtt (only with --broker); startup (only when named: it generates an 18 GB year of history on its first run, kept in the temporary folder).")

    @Option(help: "Register map file.")
    var map = "config/registermaps/bmc-v1.yaml"

    @Option(help: "A mosquitto broker HOST:PORT (plain TCP, anonymous) for the mqtt part.")
    var broker: String?

    @Option(help: "Strings of 120 cells for the ingest part (32, the product's limit, unless measuring how the cost grows).")
    var strings = 32

    @Argument(help: "Parts to run.")
    var parts: [String] = []

    func run() async throws {
        guard (1...1024).contains(strings) else { throw ValidationError("--strings must be 1…1024") }
        try await Bench.runAll(mapFile: map, only: Set(parts), broker: broker, strings: strings)
    }
}
