import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure acquisition, storage and query performance at full size (32 × 120 cells); print figures.",
        discussion: "Build with -c release first. Parts: tcp, rtu, ingest, size, alarms, query (default: all).")

    @Option(help: "Register map file.")
    var map = "config/registermaps/bmc-v1.yaml"

    @Argument(help: "Parts to run.")
    var parts: [String] = []

    func run() async throws {
        try await Bench.runAll(mapFile: map, only: Set(parts))
    }
}
