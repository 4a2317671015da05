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

    @Argument(help: "Parts to run.")
    var parts: [String] = []

    func run() async throws {
        try await Bench.runAll(mapFile: map, only: Set(parts), broker: broker)
    }
}
